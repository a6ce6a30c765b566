#include "media/webrtc/DtlsCertificate.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/Error.hpp"

namespace parley::media {
namespace {
constexpr long kNotBeforeSeconds = -24 * 3600;      // tolerate a peer clock a day behind
constexpr long kValiditySeconds = 30L * 24 * 3600;  // 30 days; regenerated at every start
}  // namespace

std::string DtlsCertificate::fingerprintOf(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(len * 3);
  for (unsigned i = 0; i < len; ++i) {
    if (i) out += ':';
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::shared_ptr<const DtlsCertificate> DtlsCertificate::generate() {
  std::shared_ptr<DtlsCertificate> c(new DtlsCertificate());
  c->key_ = EVP_EC_gen(SN_X9_62_prime256v1);
  if (c->key_ == nullptr) throw core::Error("DTLS: cannot generate an ECDSA P-256 key");
  c->cert_ = X509_new();
  if (c->cert_ == nullptr) throw core::Error("DTLS: X509_new failed");
  X509_set_version(c->cert_, 2);
  uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(c->cert_), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(c->cert_), kNotBeforeSeconds);
  X509_gmtime_adj(X509_getm_notAfter(c->cert_), kValiditySeconds);
  X509_NAME* name = X509_get_subject_name(c->cert_);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("parley"), -1, -1, 0);
  X509_set_issuer_name(c->cert_, name);
  if (X509_set_pubkey(c->cert_, c->key_) != 1 || X509_sign(c->cert_, c->key_, EVP_sha256()) == 0)
    throw core::Error("DTLS: cannot sign the certificate");
  c->fingerprint_ = fingerprintOf(c->cert_);
  return c;
}

DtlsCertificate::~DtlsCertificate() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

}  // namespace parley::media
