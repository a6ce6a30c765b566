#include "agent/session/Session.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "agent/SessionRegistry.hpp"
#include "agent/WorkerContext.hpp"
#include "agent/session/CallLanguageSetup.hpp"
#include "agent/session/DefaultProviderFactory.hpp"
#include "core/Error.hpp"
#include "core/Log.hpp"
#include "core/Metrics.hpp"
#include "core/Timer.hpp"
#include "dialog/conversation/CallSummarizer.hpp"
#include "dialog/conversation/Conversation.hpp"
#include "dialog/conversation/SystemPrompt.hpp"
#include "dialog/conversation/ToolExecutor.hpp"
#include "media/Vad.hpp"
#include "media/legs/CallLeg.hpp"
#include "tools/BookingTools.hpp"
#include "tools/CallTools.hpp"
#include "tools/Tenant.hpp"

namespace parley::agent {
namespace {

/// Frees a finished session on a later loop iteration: a leg or conversation callback that
/// ended the call is still on the stack when the session ends (CallLegListener contract).
void releaseLater(uv_loop_t* loop, std::shared_ptr<Session> session) {
  auto* timer = new uv_timer_t;
  timer->data = new std::shared_ptr<Session>(std::move(session));
  uv_timer_init(loop, timer);
  uv_timer_start(
      timer,
      [](uv_timer_t* t) {
        delete static_cast<std::shared_ptr<Session>*>(t->data);
        uv_close(reinterpret_cast<uv_handle_t*>(t),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
      },
      0, 0);
}

std::vector<dialog::ToolSpec> toolSpecs(const tools::ToolRegistry& registry) {
  std::vector<dialog::ToolSpec> out;
  for (const auto& t : registry.openAiTools()) {
    const auto& f = t.at("function");
    out.push_back({f.value("name", ""), f.value("description", ""),
                   f.contains("parameters") ? f["parameters"].dump() : std::string("{}")});
  }
  return out;
}

}  // namespace

/// The session's body: leg listener, conversation listener and the conversation's audio out.
class SessionImpl final : public media::CallLegListener,
                          public dialog::ConversationListener,
                          public dialog::AudioOut {
 public:
  SessionImpl(MediaLoop& loop, SessionRegistry& registry, SessionParams params)
      : loop_(loop),
        registry_(registry),
        params_(std::move(params)),
        clock_(params_.clock ? *params_.clock : core::SystemClock::instance()),
        uvLoop_(loop.thread ? loop.thread->loop() : params_.uvLoop),
        language_(tools::pickCallLanguage(*params_.tenant, params_.callerNumber)),
        log_(core::Logger("session")
                 .with("call_id", params_.callId)
                 .with("tenant", params_.tenant->id)
                 .with("language", language_.tag)) {
    record_.callId = params_.callId;
    record_.tenantId = params_.tenant->id;
    record_.callerNumber = params_.callerNumber;
    record_.language = language_.tag;
    startNs_ = clock_.monoNs();
  }

  void build() {
    ProviderSettings& ps = params_.providers;
    // The TTS speaks the form the leg sends as is (µ-law on a PCMU phone call).
    ps.ttsAudio = params_.leg->preferredOutboundFormat();
    applyCallLanguage(ps, language_, log_);  // before any client is made from `ps`
    core::MetricsRegistry::global()
        .counter("parley_call_languages_total", "Calls started, by the language chosen for them",
                 {{"language", language_.tag}})
        .inc();
    std::shared_ptr<ProviderFactory> factory = ps.factory;
    if (!factory) factory = std::make_shared<DefaultProviderFactory>(ps);
    factory_ = factory;
    std::shared_ptr<tools::ToolRegistry> registry = tools::makeBookingTools(
        params_.tenant, params_.store, clock_, {params_.callId, params_.callerNumber});
    dialog::ConversationParts parts;
    parts.makeStt = [this](dialog::SttListener& l) { return factory_->makeStt(loop_, l); };
    parts.makeTts = [this](dialog::TtsListener& l) { return factory_->makeTts(loop_, l); };
    parts.llm = factory_->makeLlm(loop_);
    // Keys only where they reach the far end (a SIP call with telephone-event).
    if (params_.leg->canSendDtmf()) tools::registerSendDtmfTool(*registry);
    parts.toolSpecs = toolSpecs(*registry);
    parts.tools = std::make_unique<dialog::ThreadPoolToolExecutor>(uvLoop_, registry);
    parts.prefetch = prefetchCalls();
    parts.greeting = params_.outbound ? outboundGreeting() : language_.greeting;
    tools::CallLanguage spoken = language_;
    spoken.greeting = parts.greeting;
    parts.systemPrompt =
        dialog::buildSystemPrompt(*params_.tenant, clock_.wallNow(), params_.callerNumber, spoken);
    if (params_.outbound) parts.systemPrompt += outboundNote();
    parts.legHasEchoCancellation = params_.legHasEchoCancellation;
    parts.legCanTransfer = params_.legCanTransfer;
    parts.vadSnrDb = media::VadConfig{}.snrDb;
    conversation_ = std::make_unique<dialog::Conversation>(clock_, ps.conversation,
                                                           std::move(parts), *this, *this);
  }

  /// What to look up while the greeting plays (issue 7 "Call start"): the caller's appointments
  /// by caller ID, and each service's next free slots (which also warms the availability cache).
  std::vector<dialog::ToolCall> prefetchCalls() const {
    std::vector<dialog::ToolCall> calls;
    if (!params_.callerNumber.empty())
      calls.push_back({0, "prefetch-appointments", "find_appointments", "{}"});
    for (const auto& s : params_.tenant->services)
      calls.push_back(
          {0, "prefetch-" + s.id, "check_availability", nlohmann::json{{"service", s.id}}.dump()});
    return calls;
  }

  /// POST /v1/calls "context" as a JSON object ({} if absent or not an object).
  nlohmann::json callContext() const {
    nlohmann::json ctx = params_.callContext.empty()
                             ? nlohmann::json::object()
                             : nlohmann::json::parse(params_.callContext, nullptr, false);
    return ctx.is_object() ? ctx : nlohmann::json::object();
  }

  /// Outbound call: the prompt says so and carries the context.
  std::string outboundNote() const {
    nlohmann::json ctx = callContext();
    std::string note =
        "\n\nThis is an outbound call: you called " +
        (params_.callerNumber.empty() ? std::string("the customer") : params_.callerNumber) +
        " on behalf of " + params_.tenant->displayName + ".";
    if (!ctx.empty())
      note += " What we know about the person and why we call (JSON): " + ctx.dump() + ".";
    return note;
  }

  /// Outbound call: the context's "greeting", else one that introduces us (by "name").
  std::string outboundGreeting() const {
    const auto& t = *params_.tenant;
    nlohmann::json ctx = callContext();
    std::string name = ctx.contains("name") && ctx["name"].is_string()
                           ? ctx["name"].get<std::string>()
                           : std::string();
    if (ctx.contains("greeting") && ctx["greeting"].is_string())
      return ctx["greeting"].get<std::string>();
    return "Hello" + (name.empty() ? std::string() : " " + name) + ", this is " + t.displayName +
           ". How can I help you today?";
  }

  // ---- CallLegListener ----
  void onLegConnected() override {
    if (ended_) return;
    log_.info("call connected (tenant {}, caller {}, language {}{})", params_.tenant->id,
              params_.callerNumber.empty() ? "unknown" : params_.callerNumber, language_.tag,
              language_.extra ? " from +" + language_.callingCode : std::string(" (default)"));
    conversation_->start();
  }
  void onLegAudio(const media::AudioFrame& frame) override {
    if (ended_) return;
    bool speech = vad_.process(frame.span());
    conversation_->onCallerAudio(frame, {speech, vad_.lastSnrDb()});
  }
  /// Keys are gathered into one caller turn: "1234#" is a code, not four turns. The turn goes to
  /// the conversation kKeysGapMs after the last key, or at once on '#'.
  void onLegDtmf(const media::DtmfEvent& event) override {
    if (ended_) return;
    log_.event(core::LogLevel::Info, "caller pressed a key",
               {{"digit", std::string(1, event.digit)},
                {"duration_ms", std::to_string(event.durationMs)}});
    if (keys_.size() < kMaxKeys) keys_ += event.digit;
    if (!keysTimer_) keysTimer_ = std::make_unique<core::Timer>(uvLoop_, [this] { flushKeys(); });
    if (event.digit == '#') {
      keysTimer_->stop();
      flushKeys();
    } else {
      keysTimer_->start(kKeysGapMs);
    }
  }
  void flushKeys() {
    if (ended_ || keys_.empty()) return;
    std::string keys = std::move(keys_);
    keys_.clear();
    conversation_->onCallerKeys(keys);
  }
  void onLegPlayoutDrained() override {
    if (!ended_) conversation_->poll();
  }
  void onLegHangup(media::HangupReason reason) override {
    if (endReason_.empty())
      endReason_ = reason == media::HangupReason::Remote         ? "caller_hangup"
                   : reason == media::HangupReason::MediaTimeout ? "media_timeout"
                   : reason == media::HangupReason::Error        ? "error"
                                                                 : "hangup";
    end();
  }

  // ---- ConversationListener ----
  void onConversationState(dialog::TurnState state, double atS) override {
    notify([&](SessionObserver& o) { o.onSessionState(state, atS); });
  }
  void onConversationInterim(const std::string& text) override {
    notify([&](SessionObserver& o) { o.onSessionInterim(text); });
  }
  void onConversationTranscript(const dialog::TranscriptLine& line) override {
    record_.transcript.push_back(line);
    notify([&](SessionObserver& o) { o.onSessionTranscript(line); });
  }
  void onConversationToolCall(const dialog::ToolCallRecord& call) override {
    record_.toolCalls.push_back(call);
    notify([&](SessionObserver& o) { o.onSessionToolCall(call); });
  }
  void onConversationTurnMetrics(const dialog::TurnMetrics& m) override {
    record_.turns.push_back(m);
    notify([&](SessionObserver& o) { o.onSessionTurnMetrics(m); });
  }
  void onConversationBargeIn(const dialog::BargeInRecord& b) override {
    record_.bargeIns.push_back(b);
    notify([&](SessionObserver& o) { o.onSessionBargeIn(b); });
  }
  void onConversationSendKeys(const std::string& digits) override {
    log_.event(core::LogLevel::Info, "agent pressed keys", {{"digits", digits}});
    for (char d : digits) params_.leg->sendDtmf(d);
  }
  void onConversationHangup(const std::string& reason) override {
    if (endReason_.empty()) endReason_ = reason;
    if (reason == "transfer" && params_.transfer) {
      log_.info("handing the call over (transfer)");
      params_.transfer();  // the leg ends the call when the transfer is done
      // A far end that never reports the outcome must not keep the caller in silence.
      transferTimer_ = std::make_unique<core::Timer>(uvLoop_, [this] {
        log_.warn("transfer not completed within {} ms: hanging up", kTransferTimeoutMs);
        hangup();
      });
      transferTimer_->start(kTransferTimeoutMs);
      return;
    }
    params_.leg->hangup();  // onLegHangup(Local) follows and ends the session
    end();
  }

  // ---- AudioOut ----
  size_t sendSamples(std::span<const int16_t> samples) override {
    return params_.leg->sendSamples(samples);
  }
  size_t sendUlaw(std::span<const uint8_t> ulaw) override { return params_.leg->sendUlaw(ulaw); }
  void endOfUtterance() override { params_.leg->endOfUtterance(); }
  size_t flushAudio() override { return params_.leg->flushAudio(); }
  int queuedAudioMs() const override { return params_.leg->queuedAudioMs(); }
  uint64_t playedSamples() const override { return params_.leg->playedSamples(); }

  // ---- session ----
  void hangup() {
    if (ended_) return;
    if (endReason_.empty()) endReason_ = "hangup";
    params_.leg->hangup();
    end();
  }

  void end() {
    if (ended_) return;
    ended_ = true;
    if (keysTimer_) keysTimer_->stop();
    if (transferTimer_) transferTimer_->stop();
    conversation_->stop();
    record_.durationS = static_cast<double>(clock_.monoNs() - startNs_) / 1e9;
    record_.endReason = endReason_.empty() ? "hangup" : endReason_;
    auto c = dialog::concludeCall(record_, record_.endReason == "error");
    record_.outcome = c.outcome;
    record_.summary = c.summary;
    log_.info("call ended: {} ({}), {:.1f} s — {}", dialog::toString(record_.outcome),
              record_.endReason, record_.durationS, record_.summary);
    notify([&](SessionObserver& o) { o.onSessionEnded(record_); });
    observers_.clear();
    registry_.ended();
    loop_.sessions.fetch_sub(1);
    if (self_) releaseLater(uvLoop_, std::move(self_));
  }

  template <typename F>
  void notify(F&& f) {
    auto copy = observers_;  // an observer may remove itself from its callback
    for (auto* o : copy)
      if (std::find(observers_.begin(), observers_.end(), o) != observers_.end()) f(*o);
  }

  MediaLoop& loop_;
  SessionRegistry& registry_;
  SessionParams params_;
  const core::Clock& clock_;
  uv_loop_t* uvLoop_;
  tools::CallLanguage language_;  ///< points into params_.tenant (held for the whole call)
  core::Logger log_;
  std::shared_ptr<ProviderFactory> factory_;
  media::Vad vad_;
  std::unique_ptr<dialog::Conversation> conversation_;
  std::vector<SessionObserver*> observers_;  ///< borrowed
  dialog::CallRecord record_;
  std::string endReason_;
  /// Pause after a key press that ends a keypad entry, ms (phone menus use 1–3 s; short, since
  /// most prompts want one key).
  static constexpr uint64_t kKeysGapMs = 1000;
  /// Keys kept per entry (longer than any code or number a caller types).
  static constexpr size_t kMaxKeys = 32;
  /// How long a transfer may take (REFER accepted, NOTIFY with the outcome) before we hang up.
  static constexpr uint64_t kTransferTimeoutMs = 30'000;
  std::unique_ptr<core::Timer> transferTimer_;
  std::string keys_;  ///< keys pressed since the last keypad turn
  std::unique_ptr<core::Timer> keysTimer_;
  int64_t startNs_ = 0;
  bool ended_ = false;
  std::shared_ptr<Session> self_;  ///< keeps the session alive until it ends
};

std::shared_ptr<Session> Session::start(MediaLoop& loop, SessionRegistry& registry,
                                        SessionParams params) {
  if (!params.tenant) throw core::UsageError("session: tenant missing");
  if (!params.leg) throw core::UsageError("session: call leg missing");
  if (!params.store) throw core::UsageError("session: booking store missing");
  if (params.callId.empty()) throw core::UsageError("session: call id missing");
  if (!loop.thread && !params.uvLoop)
    throw core::UsageError("session: media loop has no thread and no uvLoop was given");
  auto impl = std::make_unique<SessionImpl>(loop, registry, std::move(params));
  SessionImpl* raw = impl.get();
  raw->build();
  std::shared_ptr<Session> session(new Session(std::move(impl)));
  raw->self_ = session;
  registry.started();
  loop.sessions.fetch_add(1);
  raw->params_.leg->setListener(raw);
  try {
    raw->params_.leg->start();
  } catch (...) {
    raw->params_.leg->setListener(nullptr);
    raw->ended_ = true;
    raw->self_.reset();
    registry.ended();
    loop.sessions.fetch_sub(1);
    throw;
  }
  registry.announce(*session);  // call records and webhooks watch every session from here
  return session;
}

Session::Session(std::unique_ptr<SessionImpl> impl) : impl_(std::move(impl)) {}

Session::~Session() {
  if (impl_ && impl_->params_.leg) impl_->params_.leg->setListener(nullptr);
}

void Session::hangup() {
  impl_->hangup();
}
void Session::addObserver(SessionObserver* observer) {
  if (observer && !impl_->ended_) impl_->observers_.push_back(observer);
}
void Session::removeObserver(SessionObserver* observer) {
  auto& v = impl_->observers_;
  v.erase(std::remove(v.begin(), v.end(), observer), v.end());
}
const std::string& Session::callId() const {
  return impl_->params_.callId;
}
const std::string& Session::calleeNumber() const {
  return impl_->params_.calleeNumber;
}
const tools::Tenant& Session::tenant() const {
  return *impl_->params_.tenant;
}
dialog::TurnState Session::state() const {
  return impl_->conversation_->state();
}
bool Session::ended() const {
  return impl_->ended_;
}
const dialog::CallRecord& Session::record() const {
  return impl_->record_;
}
media::CallLeg& Session::leg() {
  return *impl_->params_.leg;
}
MediaLoop& Session::loop() {
  return impl_->loop_;
}
bool Session::waitingOnProviders() const {
  return !impl_->ended_ && impl_->conversation_->waitingOnProviders();
}
void Session::poll() {
  if (!impl_->ended_) impl_->conversation_->poll();
}

}  // namespace parley::agent
