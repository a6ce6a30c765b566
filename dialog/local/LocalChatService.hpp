#pragma once
// `POST /v1/chat/completions` for Parley's scripted booking policy (issue 6): the request and
// response shapes of OpenAI chat completions (openai-chat-stream.md), streamed as SSE chunks when
// `stream` is true (role chunk, content pieces, tool-call fragments with id/type/name first and
// the arguments split in two, the finish_reason chunk, the include_usage chunk, `data: [DONE]`),
// or one `chat.completion` object otherwise. The reply comes from BookingPolicy — rules, not a
// language model. Token counts in `usage` are words, counted the same way every time.
//
// The tenant is chosen by `model`: "parley-booking:<tenant id>" or "<tenant id>"; any other model
// name uses the default tenant. Errors use OpenAI's body shape {"error":{message,type,param,code}}
// with 400 (unreadable JSON, missing/invalid messages, an argument OpenAI does not define), 404
// (other paths) and 405 (other methods).
#include <map>
#include <memory>
#include <string>

#include "core/Clock.hpp"
#include "dialog/local/LocalServer.hpp"
#include "dialog/local/policy/BookingPolicy.hpp"

namespace parley::dialog::local {

class LocalChatService final : public LocalService {
 public:
  /// `defaultTenant` answers any model name that names no tenant. `clock` must outlive this.
  LocalChatService(std::shared_ptr<const tools::Tenant> defaultTenant, const core::Clock& clock);
  /// Adds another tenant reachable as model "parley-booking:<id>".
  void addTenant(std::shared_ptr<const tools::Tenant> tenant);

  LocalResponse onHttp(const LocalRequest& request) override;

  /// The whole response for one request body (exposed for tests and the bench).
  LocalResponse complete(const std::string& body) const;

 private:
  const BookingPolicy& policyFor(const std::string& model) const;
  const core::Clock& clock_;
  std::string defaultId_;
  std::map<std::string, std::unique_ptr<BookingPolicy>> policies_;
};

}  // namespace parley::dialog::local
