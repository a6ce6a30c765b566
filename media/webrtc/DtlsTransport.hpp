#pragma once
// DTLS 1.2 for DTLS-SRTP (RFC 5764, RFC 6347) on OpenSSL with memory BIOs, as mediasoup's
// DtlsTransport: datagrams from the socket go in through receive(), records to send come out
// through the listener, retransmissions are driven by the owner's timer (nextTimeoutMs() /
// handleTimeout()). After the handshake the peer's certificate must match the sha-256
// fingerprint from its SDP, then the SRTP keys are exported (RFC 5764 §4.2). A WHIP server is
// always the DTLS server (answer a=setup:passive); the client role exists for tests and tools.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "media/webrtc/DtlsCertificate.hpp"
#include "media/webrtc/SrtpSession.hpp"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct bio_st BIO;

namespace parley::media {

/// Exported SRTP keying material (RFC 5764 §4.2), already split for our role.
struct SrtpKeys {
  SrtpProfile profile = SrtpProfile::AeadAes128Gcm;
  std::array<uint8_t, 32> local{};   ///< what we protect with: key ‖ salt
  std::array<uint8_t, 32> remote{};  ///< what we unprotect with: key ‖ salt
  size_t length = 0;                 ///< bytes used in each (28 GCM, 30 CM)
  std::span<const uint8_t> localKeySalt() const { return {local.data(), length}; }
  std::span<const uint8_t> remoteKeySalt() const { return {remote.data(), length}; }
};

class DtlsListener {
 public:
  virtual ~DtlsListener() = default;
  /// One DTLS datagram to send to the peer (on the ICE-selected path).
  virtual void onDtlsSend(std::span<const uint8_t> datagram) = 0;
  /// Handshake done, fingerprint verified, keys exported.
  virtual void onDtlsConnected(const SrtpKeys& keys) = 0;
  /// Handshake failed, fingerprint mismatch, or a fatal alert. `reason` is static text.
  virtual void onDtlsFailed(const char* reason) = 0;
  /// The peer sent close_notify (it hung up).
  virtual void onDtlsClosed() = 0;
};

class DtlsTransport {
 public:
  enum class Role { Server, Client };
  enum class State { New, Connecting, Connected, Failed, Closed };
  /// DTLS records are kept below this (bytes): fits any path with IPv6 + UDP headers and
  /// leaves room for TURN framing, as browsers use.
  static constexpr int kMtu = 1200;
  /// Largest datagram accepted: a DTLS flight fragment is ≤ MTU; bounds the BIO.
  static constexpr size_t kMaxRecord = 1500;

  /// `certificate` is shared; `remoteFingerprint` is the peer's sha-256 ("AB:CD:…");
  /// `listener` is a borrowed back-reference. Throws core::Error if OpenSSL setup fails.
  DtlsTransport(std::shared_ptr<const DtlsCertificate> certificate, Role role,
                std::string remoteFingerprint, DtlsListener& listener);
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  /// Starts the handshake (the client sends its ClientHello now; the server waits).
  void start() noexcept;
  /// One DTLS datagram from the peer (first byte 20–63, RFC 7983).
  void receive(std::span<const uint8_t> datagram) noexcept;
  /// Milliseconds until handleTimeout() is due, -1 when no retransmission is pending.
  int64_t nextTimeoutMs() const noexcept;
  /// Retransmits the last flight if its timer expired (RFC 6347 §4.2.4).
  void handleTimeout() noexcept;
  /// Sends close_notify (once). The state becomes Closed.
  void close() noexcept;

  State state() const noexcept { return state_; }

  /// Is this a DTLS record (RFC 7983 §7: first byte 20–63, ≥ 13 bytes of record header)?
  static bool isDtls(std::span<const uint8_t> data) noexcept {
    return data.size() >= 13 && data[0] >= 20 && data[0] <= 63;
  }

 private:
  void flush() noexcept;
  void afterHandshakeStep(int ret) noexcept;
  void onHandshakeDone() noexcept;
  void fail(const char* reason) noexcept;

  std::shared_ptr<const DtlsCertificate> certificate_;
  Role role_;
  std::string remoteFingerprint_;
  DtlsListener& listener_;  ///< borrowed back-reference
  SSL_CTX* ctx_ = nullptr;  ///< owned
  SSL* ssl_ = nullptr;      ///< owned (owns the BIOs)
  BIO* in_ = nullptr;       ///< network → SSL (owned by ssl_)
  BIO* out_ = nullptr;      ///< SSL → network (owned by ssl_)
  State state_ = State::New;
};

}  // namespace parley::media
