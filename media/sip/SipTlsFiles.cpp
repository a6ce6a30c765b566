#include "media/sip/SipTlsFiles.hpp"

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>

#include "core/Error.hpp"

namespace parley::media::sip {
namespace {

/// A certificate chain or key is a few KiB; bound what we read.
constexpr std::uintmax_t kMaxPemBytes = 1 << 20;

std::string readPem(const std::filesystem::path& path, const char* key, const char* marker) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw core::ConfigError(key, "", path.string() + " cannot be read");
  if (size > kMaxPemBytes)
    throw core::ConfigError(key, "", path.string() + " is larger than 1 MiB (not a PEM file)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::ConfigError(key, "", path.string() + " cannot be read");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.find("-----BEGIN ") == std::string::npos || s.find(marker) == std::string::npos)
    throw core::ConfigError(key, "", path.string() + " is not a PEM " + marker);
  if (!s.empty() && s.back() != '\n') s.push_back('\n');
  return s;
}

void writePrivate(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::remove(path);
  {
    std::ofstream out(path, std::ios::binary);  // created, then restricted before writing
    if (!out) throw core::ConfigError("sip.tls_certificate", "", "cannot write " + path.string());
  }
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw core::ConfigError("sip.tls_certificate", "", "cannot write " + path.string());
}

}  // namespace

std::filesystem::path writeSofiaTlsDir(const std::filesystem::path& certificate,
                                       const std::filesystem::path& key,
                                       const std::filesystem::path& dir) {
  if (certificate.empty() || key.empty())
    throw core::ConfigError("sip.tls_listen", "",
                            "needs sip.tls_certificate and sip.tls_key (PEM files)");
  struct stat st {};
  if (::stat(key.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    throw core::ConfigError("sip.tls_key", "",
                            key.string() + " is readable by group or others; chmod 600 it");
  std::string chain = readPem(certificate, "sip.tls_certificate", "CERTIFICATE");
  std::string privateKey = readPem(key, "sip.tls_key", "PRIVATE KEY");
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  writePrivate(dir / "agent.pem", privateKey + chain);
  writePrivate(dir / "cafile.pem", chain);
  return dir;
}

}  // namespace parley::media::sip
