#pragma once
// An OpenAI-compatible test peer (openai-chat-stream.md): POST /<scenario>/chat/completions
// streams SSE exactly as the notes describe; POST /<scenario>/audio/speech streams raw 24 kHz
// PCM (elevenlabs-ws.md §4; scenarios auth, quota, bad-request, always-500, ratelimit, hang, cut,
// slow, instant, anything else = the plain stream). The scenario is the first path segment, so a
// test points the client at baseUrl("tools") and gets that behaviour. Scenarios are listed in
// OpenAiTestServer.cpp.
#include <atomic>
#include <string>

#include "tests/dialog/HttpTestServer.hpp"

namespace parley::dialog::test {

class OpenAiTestServer {
 public:
  OpenAiTestServer();
  std::string baseUrl(const std::string& scenario) const {
    return http_.baseUrl() + "/" + scenario;
  }
  std::vector<HttpTestRequest> requests() const { return http_.requests(); }
  /// The exact reply text of the "text" scenario.
  static const std::string kText;
  /// Samples of the speech scenario (a 24 kHz ramp), in the order they are sent.
  static constexpr size_t kSpeechSamples = 4800;
  /// The bytes of the speech scenario: kSpeechSamples s16le samples, (i % 2000) − 1000.
  static std::string speechPcm();

 private:
  HttpTestResponse handle(const HttpTestRequest& req);
  HttpTestResponse speech(const std::string& scenario, const HttpTestRequest& req);
  std::atomic<int> rateLimitCalls_{0};
  std::atomic<int> rateLimitSecondsCalls_{0};
  std::atomic<int> serverErrorCalls_{0};
  std::atomic<int> speechRateLimitCalls_{0};
  HttpTestServer http_;
};

}  // namespace parley::dialog::test
