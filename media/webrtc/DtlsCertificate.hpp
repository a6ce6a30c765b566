#pragma once
// The worker's DTLS identity (RFC 8827 §6.5, RFC 5763 §5): one self-signed ECDSA P-256
// certificate generated at start (as mediasoup does), shared read-only by every session on every
// thread; the SDP answer carries its sha-256 fingerprint. Control path: throws core::Error if
// OpenSSL cannot generate it.
#include <memory>
#include <span>
#include <string>

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace parley::media {

class DtlsCertificate {
 public:
  /// Generates a fresh P-256 key and a certificate valid from 1 day ago for 30 days (a worker
  /// restarts long before; browsers do not check validity of fingerprint-pinned certs anyway).
  static std::shared_ptr<const DtlsCertificate> generate();
  ~DtlsCertificate();
  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;

  X509* certificate() const { return cert_; }
  EVP_PKEY* privateKey() const { return key_; }
  /// "AB:CD:…": upper-case hex, colon separated, as in SDP a=fingerprint (RFC 8122 §5).
  const std::string& fingerprintSha256() const { return fingerprint_; }

  /// The sha-256 fingerprint of any certificate, in the same format ("" on failure).
  static std::string fingerprintOf(X509* cert);

 private:
  DtlsCertificate() = default;
  X509* cert_ = nullptr;     ///< owned
  EVP_PKEY* key_ = nullptr;  ///< owned
  std::string fingerprint_;
};

}  // namespace parley::media
