// The sofia TLS directory built from a certificate chain and a key (PEM text only; the TLS
// handshake itself is tested in SipUserAgentTest with openssl s_client).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/Error.hpp"
#include "media/sip/SipTlsFiles.hpp"

using namespace parley;
using namespace parley::media::sip;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
unsigned mode(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("sofia's TLS directory holds key+chain and the chain, readable by the owner only") {
  fs::path dir = fs::temp_directory_path() / ("parley-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const std::string key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----";
  std::ofstream(dir / "fullchain.pem") << cert;
  std::ofstream(dir / "privkey.pem") << key;
  fs::permissions(dir / "privkey.pem", fs::perms::owner_read | fs::perms::owner_write);

  fs::path out = writeSofiaTlsDir(dir / "fullchain.pem", dir / "privkey.pem", dir / "sofia");
  CHECK(slurp(out / "agent.pem") == key + "\n" + cert);
  CHECK(slurp(out / "cafile.pem") == cert);
  CHECK(mode(out / "agent.pem") == 0600);
  CHECK(mode(out) == 0700);
  // Again (a restart) replaces the files.
  CHECK_NOTHROW(writeSofiaTlsDir(dir / "fullchain.pem", dir / "privkey.pem", dir / "sofia"));

  auto fails = [&](const fs::path& c, const fs::path& k, const std::string& needle) {
    try {
      writeSofiaTlsDir(c, k, dir / "bad");
    } catch (const core::ConfigError& e) {
      std::string message = e.what();
      INFO(message);
      CHECK(message.find(needle) != std::string::npos);
      return;
    }
    FAIL("no error for " << c << " " << k);
  };
  fails(dir / "missing.pem", dir / "privkey.pem", "cannot be read");
  fails(dir / "privkey.pem", dir / "privkey.pem", "not a PEM CERTIFICATE");
  fs::copy_file(dir / "fullchain.pem", dir / "cert-as-key.pem");
  fs::permissions(dir / "cert-as-key.pem", fs::perms::owner_read | fs::perms::owner_write);
  fails(dir / "fullchain.pem", dir / "cert-as-key.pem", "not a PEM PRIVATE KEY");
  fails("", dir / "privkey.pem", "needs sip.tls_certificate");
  fs::permissions(dir / "privkey.pem", fs::perms::others_read, fs::perm_options::add);
  fails(dir / "fullchain.pem", dir / "privkey.pem", "chmod 600");
  fs::remove_all(dir);
}
