#include "dialog/conversation/ConversationMetrics.hpp"

namespace parley::dialog {
namespace {

core::Histogram& hist(core::MetricsRegistry& r, const char* name, const char* help) {
  return r.histogram(name, help, core::latencyBucketsSeconds());
}

void observeMs(core::Histogram& h, double ms) {
  if (ms >= 0) h.observe(ms / 1000.0);
}

}  // namespace

ConversationMetrics::ConversationMetrics(core::MetricsRegistry& r)
    : eou_(hist(r, "parley_turn_end_of_utterance_seconds",
                "Caller's last speech frame to end of turn")),
      sttFinal_(hist(r, "parley_turn_stt_final_seconds", "STT final-result latency per turn")),
      ttft_(hist(r, "parley_turn_llm_ttft_seconds", "LLM time to first token per turn")),
      ttfb_(hist(r, "parley_turn_tts_ttfb_seconds", "TTS time to first byte per turn")),
      v2v_(hist(r, "parley_turn_voice_to_voice_seconds",
                "Caller's last speech frame to first agent audio frame")),
      decision_(hist(r, "parley_bargein_decision_seconds", "Caller speech onset to barge-in")),
      stop_(hist(r, "parley_bargein_stop_seconds", "Barge-in decision to playout stopped")),
      turns_(r.counter("parley_turns_total", "Caller turns answered")),
      confirmed_(r.counter("parley_bargeins_total", "Barge-ins by kind", {{"kind", "confirmed"}})),
      resumed_(r.counter("parley_bargeins_total", "Barge-ins by kind", {{"kind", "resumed"}})),
      backchannel_(
          r.counter("parley_bargeins_total", "Barge-ins by kind", {{"kind", "backchannel"}})),
      preemptiveUsed_(r.counter("parley_preemptive_replies_total",
                                "LLM requests made before the turn ended, by result",
                                {{"result", "used"}})),
      preemptiveDiscarded_(r.counter("parley_preemptive_replies_total",
                                     "LLM requests made before the turn ended, by result",
                                     {{"result", "discarded"}})) {}

void ConversationMetrics::observeTurn(const TurnMetrics& t) {
  turns_.inc();
  observeMs(eou_, t.endOfUtteranceDelayMs);
  observeMs(sttFinal_, t.sttFinalLatencyMs);
  observeMs(ttft_, t.llmTimeToFirstTokenMs);
  observeMs(ttfb_, t.ttsTimeToFirstByteMs);
  observeMs(v2v_, t.voiceToVoiceMs);
}

void ConversationMetrics::observeBargeIn(const BargeInRecord& b) {
  confirmed_.inc();
  observeMs(decision_, b.onsetToDecisionMs);
  observeMs(stop_, b.decisionToStoppedMs);
}

}  // namespace parley::dialog
