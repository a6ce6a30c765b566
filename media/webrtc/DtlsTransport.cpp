#include "media/webrtc/DtlsTransport.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>

#include "core/Error.hpp"

namespace parley::media {
namespace {

// RFC 5764 §4.1.2 / RFC 7714 §14.2, in preference order (the server picks the first of these
// the client offered): AEAD-GCM first (one pass, stronger tag), CM-SHA1-80 for older peers.
constexpr const char* kSrtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
// mediasoup's list: no NULL/anonymous ciphers, no SHA-2 CBC suites nor AES-256-GCM.
constexpr const char* kCiphers = "DEFAULT:!NULL:!aNULL:!SHA256:!SHA384:!aECDH:!AESGCM+AES256:!aPSK";
// RFC 5764 §4.2 exporter label.
constexpr const char kExporterLabel[] = "EXTRACTOR-dtls_srtp";

// Self-signed peer certificates are the norm in WebRTC; trust comes from the SDP fingerprint,
// checked after the handshake.
int acceptAnyCertificate(int, X509_STORE_CTX*) {
  return 1;
}

}  // namespace

DtlsTransport::DtlsTransport(std::shared_ptr<const DtlsCertificate> certificate, Role role,
                             std::string remoteFingerprint, DtlsListener& listener)
    : certificate_(std::move(certificate)),
      role_(role),
      remoteFingerprint_(std::move(remoteFingerprint)),
      listener_(listener) {
  ctx_ = SSL_CTX_new(DTLS_method());
  if (ctx_ == nullptr) throw core::Error("DTLS: SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx_, DTLS1_2_VERSION);
  SSL_CTX_set_options(ctx_, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET |
                                SSL_OP_SINGLE_ECDH_USE | SSL_OP_NO_QUERY_MTU);
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_read_ahead(ctx_, 1);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, acceptAnyCertificate);
  if (SSL_CTX_use_certificate(ctx_, certificate_->certificate()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx_, certificate_->privateKey()) != 1 ||
      SSL_CTX_check_private_key(ctx_) != 1 || SSL_CTX_set_cipher_list(ctx_, kCiphers) != 1 ||
      SSL_CTX_set_tlsext_use_srtp(ctx_, kSrtpProfiles) != 0) {
    SSL_CTX_free(ctx_);
    throw core::Error("DTLS: cannot configure the SSL context");
  }
  ssl_ = SSL_new(ctx_);
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || in_ == nullptr || out_ == nullptr) {
    BIO_free(in_);
    BIO_free(out_);
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    throw core::Error("DTLS: cannot create the SSL object");
  }
  BIO_set_mem_eof_return(in_, -1);  // "no data yet", not EOF
  BIO_set_mem_eof_return(out_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_mtu(ssl_, kMtu);
  DTLS_set_link_mtu(ssl_, kMtu);
  if (role_ == Role::Server)
    SSL_set_accept_state(ssl_);
  else
    SSL_set_connect_state(ssl_);
}

DtlsTransport::~DtlsTransport() {
  SSL_free(ssl_);
  SSL_CTX_free(ctx_);
}

void DtlsTransport::start() noexcept {
  if (state_ != State::New) return;
  state_ = State::Connecting;
  if (role_ == Role::Client) afterHandshakeStep(SSL_do_handshake(ssl_));
}

void DtlsTransport::flush() noexcept {
  // Each BIO_read of a memory BIO written by DTLS returns one datagram's worth of records only
  // if we read it in MTU-sized pieces; OpenSSL writes each flight datagram separately, so read
  // by pending size and send what was written as one datagram per write (kMtu bounded).
  uint8_t buf[kMaxRecord * 4];
  while (BIO_ctrl_pending(out_) > 0) {
    const int n = BIO_read(out_, buf, sizeof buf);
    if (n <= 0) break;
    listener_.onDtlsSend(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  }
}

void DtlsTransport::receive(std::span<const uint8_t> datagram) noexcept {
  if (state_ == State::Failed || state_ == State::Closed || datagram.size() > kMaxRecord) return;
  if (state_ == State::New) state_ = State::Connecting;  // the client spoke first
  if (BIO_write(in_, datagram.data(), static_cast<int>(datagram.size())) <= 0) return;
  if (state_ == State::Connecting) {
    afterHandshakeStep(SSL_do_handshake(ssl_));
    if (state_ != State::Connected) return;
  }
  // Connected: no application data in an audio-only call; SSL_read surfaces alerts and
  // close_notify, and any post-handshake retransmission of the peer's Finished.
  uint8_t sink[kMaxRecord];
  for (;;) {
    const int n = SSL_read(ssl_, sink, sizeof sink);
    if (n > 0) continue;  // data channel bytes: not supported, discarded
    const int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_ZERO_RETURN) {
      state_ = State::Closed;
      flush();
      listener_.onDtlsClosed();
    } else if (err == SSL_ERROR_SSL) {
      ERR_clear_error();
      fail("DTLS fatal alert");
    }
    break;
  }
  if (state_ == State::Connected) flush();
}

void DtlsTransport::afterHandshakeStep(int ret) noexcept {
  if (ret == 1) {
    flush();
    onHandshakeDone();
    return;
  }
  const int err = SSL_get_error(ssl_, ret);
  flush();
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
  ERR_clear_error();
  fail("DTLS handshake failed");
}

void DtlsTransport::onHandshakeDone() noexcept {
  X509* peer = SSL_get1_peer_certificate(ssl_);
  const std::string got = DtlsCertificate::fingerprintOf(peer);
  X509_free(peer);
  if (got.empty() || got != remoteFingerprint_) {
    fail("DTLS peer certificate does not match the SDP fingerprint");
    return;
  }
  SRTP_PROTECTION_PROFILE* p = SSL_get_selected_srtp_profile(ssl_);
  SrtpKeys keys;
  if (p == nullptr) {
    fail("DTLS peer negotiated no SRTP profile");
    return;
  }
  if (p->id == SRTP_AEAD_AES_128_GCM)
    keys.profile = SrtpProfile::AeadAes128Gcm;
  else if (p->id == SRTP_AES128_CM_SHA1_80)
    keys.profile = SrtpProfile::AesCm128HmacSha1_80;
  else {
    fail("DTLS negotiated an unsupported SRTP profile");
    return;
  }
  const size_t keyLen = srtpKeyLength(keys.profile);
  const size_t saltLen = srtpSaltLength(keys.profile);
  uint8_t material[2 * 32] = {};
  const size_t total = 2 * (keyLen + saltLen);
  if (SSL_export_keying_material(ssl_, material, total, kExporterLabel, sizeof kExporterLabel - 1,
                                 nullptr, 0, 0) != 1) {
    fail("DTLS keying material export failed");
    return;
  }
  // RFC 5764 §4.2: client_key | server_key | client_salt | server_salt.
  const uint8_t* clientKey = material;
  const uint8_t* serverKey = material + keyLen;
  const uint8_t* clientSalt = material + 2 * keyLen;
  const uint8_t* serverSalt = material + 2 * keyLen + saltLen;
  const bool server = role_ == Role::Server;
  std::memcpy(keys.local.data(), server ? serverKey : clientKey, keyLen);
  std::memcpy(keys.local.data() + keyLen, server ? serverSalt : clientSalt, saltLen);
  std::memcpy(keys.remote.data(), server ? clientKey : serverKey, keyLen);
  std::memcpy(keys.remote.data() + keyLen, server ? clientSalt : serverSalt, saltLen);
  keys.length = keyLen + saltLen;
  state_ = State::Connected;
  listener_.onDtlsConnected(keys);
}

int64_t DtlsTransport::nextTimeoutMs() const noexcept {
  if (state_ != State::Connecting) return -1;
  timeval tv{};
  if (DTLSv1_get_timeout(ssl_, &tv) != 1) return -1;
  return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

void DtlsTransport::handleTimeout() noexcept {
  if (state_ != State::Connecting) return;
  if (DTLSv1_handle_timeout(ssl_) < 0) {
    ERR_clear_error();
    fail("DTLS handshake timed out");
    return;
  }
  flush();
}

void DtlsTransport::close() noexcept {
  if (state_ == State::Closed || state_ == State::Failed) return;
  if (state_ == State::Connected) {
    SSL_shutdown(ssl_);
    flush();
  }
  state_ = State::Closed;
}

void DtlsTransport::fail(const char* reason) noexcept {
  if (state_ == State::Failed) return;
  state_ = State::Failed;
  listener_.onDtlsFailed(reason);
}

}  // namespace parley::media
