#pragma once
// Instant, protocol-faithful provider peers for scripts/bench-calls, so the worker itself is
// measured (issue 11 "Benchmarks"). They run in the load-client process, each on its own thread
// (WsTestServer / HttpTestServer from tests/dialog), never in the measured worker:
//   STT  Deepgram live /v1/listen (shared/protocols/deepgram-live.md): counts the linear16 audio
//        it is sent and answers Finalize at once with one final Results message (is_final,
//        speech_final, from_finalize) covering every sample since the previous final, with a
//        fixed transcript, then UtteranceEnd; CloseStream gets Metadata and close 1000.
//        The session sends Finalize when its VAD hears the caller stop, so the final arrives
//        right after the caller's audio ends. While the caller speaks (samples above 500), an
//        interim result (is_final false) every 250 ms of speech with the words so far, as
//        Deepgram does with interim_results=true (the session confirms a barge-in with it).
//   LLM  OpenAI-compatible chat stream: OpenAiTestServer's "instant" scenario (SSE, no delays).
//   TTS  ElevenLabs stream-input (elevenlabs-ws.md): on the first text of a connection sends the
//        precomputed reply PCM (16 kHz s16le, base64, 200 ms per message); on {"text":""} sends
//        isFinal and closes 1000.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tests/dialog/OpenAiTestServer.hpp"
#include "tests/dialog/WsTestServer.hpp"

namespace parley::bench {

/// Deepgram-style STT peer that finalises instantly (see file comment).
class InstantDeepgram final : public dialog::test::WsTestHandler {
 public:
  /// The words every final carries (a booking request).
  static constexpr const char* kTranscript = "I would like to book a haircut tomorrow";

  InstantDeepgram() : server_(*this) {}
  std::string url() const { return server_.url("/v1/listen"); }
  /// Finals sent so far (thread-safe).
  uint64_t finals() const;

 private:
  struct Conn {
    uint64_t samples = 0;    ///< 16 kHz samples received on this connection
    uint64_t finalized = 0;  ///< samples covered by finals already sent
    uint64_t voiced = 0;     ///< speech samples since the last final
    uint64_t interimAt = 0;  ///< `voiced` when the last interim was sent
  };
  void sendResult(dialog::test::WsTestConn& c, const Conn& s, size_t words, bool isFinal);
  void onOpen(dialog::test::WsTestConn& c) override;
  void onText(dialog::test::WsTestConn& c, std::string_view text) override;
  void onBinary(dialog::test::WsTestConn& c, std::span<const uint8_t> bytes) override;
  void onClosed(dialog::test::WsTestConn& c) override;

  mutable std::mutex mutex_;
  std::unordered_map<dialog::test::WsTestConn*, Conn> conns_;
  uint64_t finals_ = 0;
  dialog::test::WsTestServer server_;  // last: stops before the state above goes away
};

/// ElevenLabs-style TTS peer that answers with precomputed PCM (see file comment).
class PrecomputedElevenLabs final : public dialog::test::WsTestHandler {
 public:
  /// `pcm16k`: the reply every text gets, 16 kHz mono s16.
  explicit PrecomputedElevenLabs(const std::vector<int16_t>& pcm16k);
  std::string url() const { return server_.url("/v1/text-to-speech/{voice}/stream-input"); }
  /// Replies sent so far (thread-safe).
  uint64_t replies() const;

 private:
  void onText(dialog::test::WsTestConn& c, std::string_view text) override;
  void onClosed(dialog::test::WsTestConn& c) override;

  std::vector<std::string> audioMessages_;  ///< precomputed JSON, sent in order
  mutable std::mutex mutex_;
  std::unordered_map<dialog::test::WsTestConn*, bool> spoke_;  ///< audio sent on this socket
  uint64_t replies_ = 0;
  dialog::test::WsTestServer server_;  // last
};

/// The three peers of one bench step.
struct BenchPeers {
  explicit BenchPeers(const std::vector<int16_t>& agentPcm16k) : tts(agentPcm16k) {}
  InstantDeepgram stt;
  dialog::test::OpenAiTestServer llm;  ///< use llm.baseUrl("instant")
  PrecomputedElevenLabs tts;
};

/// Standard base64 with padding (RFC 4648 §4) — ElevenLabs' audio field.
std::string base64Encode(const uint8_t* data, size_t size);

}  // namespace parley::bench
