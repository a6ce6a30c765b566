#pragma once
// A Deepgram live /v1/listen peer (deepgram-live.md) for tests. It "recognises" synthetic audio:
// every 100 ms block of 16 kHz linear16 whose samples equal 100·(k+1) is the word "w<k>". It
// sends an interim result every 250 ms and a final result every 500 ms of received audio, answers
// Finalize (from_finalize), CloseStream (last results, Metadata, close 1000), KeepAlive (counted),
// and an unknown message with an Error. Failure modes are set per test: a refused handshake
// (401 with dg-error, or 429), dropping the TCP connection or closing with a code after some audio.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "tests/dialog/WsTestServer.hpp"

namespace parley::dialog::test {

class DeepgramTestServer : public WsTestHandler {
 public:
  static constexpr const char* kKey = "test-key";
  DeepgramTestServer() : server_(*this) {}
  std::string url() const { return server_.url("/v1/listen"); }

  /// Synthetic speech: `words` blocks of 100 ms at 16 kHz starting with word `first`.
  static std::vector<int16_t> speech(int first, int words);

  // Failure modes (set before the client connects).
  int refuseNextWith = 0;    ///< refuse the next handshake with this status once
  int dropAfterMs = 0;       ///< first connection: drop TCP after this much audio
  int closeCodeAfterMs = 0;  ///< first connection: close with closeCode after this audio
  uint16_t closeCode = 1011;
  std::string closeReason = "NET-0001";
  bool sendGarbage = false;  ///< answer the first audio with a malformed message

  // Observations (thread-safe getters).
  int connections() const;
  int keepAlives() const;
  std::vector<WsTestRequest> requests() const;
  std::vector<size_t> frameSizes() const;

 private:
  struct ConnState {
    WsTestConn* conn = nullptr;
    std::vector<int16_t> audio;  ///< everything received on this connection
    size_t finalizedSamples = 0;
    size_t interimSentAt = 0;
    bool speechStarted = false;
    bool failed = false;
    int index = 0;
  };
  std::optional<WsReject> onUpgrade(const WsTestRequest& r) override;
  void onOpen(WsTestConn& c) override;
  void onText(WsTestConn& c, std::string_view text) override;
  void onBinary(WsTestConn& c, std::span<const uint8_t> bytes) override;
  ConnState* state(WsTestConn& c);
  void sendResult(ConnState& s, size_t from, size_t to, bool isFinal, bool speechFinal,
                  bool fromFinalize);

  mutable std::mutex mutex_;
  std::vector<ConnState> conns_;
  std::vector<WsTestRequest> requests_;
  std::vector<size_t> frameSizes_;
  int keepAlives_ = 0;
  WsTestServer server_;  // last: stops before the state above goes away
};

}  // namespace parley::dialog::test
