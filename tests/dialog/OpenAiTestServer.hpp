#pragma once
// An OpenAI-compatible test peer (openai-chat-stream.md): POST /<scenario>/chat/completions
// streams SSE exactly as the notes describe; POST /<scenario>/audio/speech streams raw 24 kHz
// PCM (elevenlabs-ws.md §4). The scenario is the first path segment, so a test points the client
// at baseUrl("tools") and gets that behaviour. Scenarios are listed in OpenAiTestServer.cpp.
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

 private:
  HttpTestResponse handle(const HttpTestRequest& req);
  std::atomic<int> rateLimitCalls_{0};
  std::atomic<int> rateLimitSecondsCalls_{0};
  std::atomic<int> serverErrorCalls_{0};
  HttpTestServer http_;
};

}  // namespace parley::dialog::test
