#pragma once
// The conversation's /metrics histograms (DESIGN.md §6 "Export per turn", issue 7 "Records and
// metrics"), in seconds with core::latencyBucketsSeconds():
//   parley_turn_end_of_utterance_seconds   caller's last speech frame → turn declared over
//   parley_turn_stt_final_seconds          provider final-result latency
//   parley_turn_llm_ttft_seconds           LLM request → first token
//   parley_turn_tts_ttfb_seconds           first sentence pushed → first audio byte
//   parley_turn_voice_to_voice_seconds     caller's last speech frame → first agent frame queued
//   parley_bargein_decision_seconds        caller onset → barge-in decision
//   parley_bargein_stop_seconds            decision → playout flushed
// plus counters parley_turns_total, parley_bargeins_total{kind=confirmed|resumed|backchannel},
// parley_preemptive_replies_total{result=used|discarded}.
#include "core/Metrics.hpp"
#include "dialog/conversation/ConversationEvents.hpp"

namespace parley::dialog {

class ConversationMetrics {
 public:
  explicit ConversationMetrics(core::MetricsRegistry& registry);
  /// Observes every measured latency of a finished turn.
  void observeTurn(const TurnMetrics& turn);
  void observeBargeIn(const BargeInRecord& bargeIn);
  void countResumed() { resumed_.inc(); }
  void countBackchannel() { backchannel_.inc(); }
  /// A preemptive LLM request was adopted (`used`) or dropped.
  void countPreemptive(bool used) { (used ? preemptiveUsed_ : preemptiveDiscarded_).inc(); }

 private:
  core::Histogram& eou_;
  core::Histogram& sttFinal_;
  core::Histogram& ttft_;
  core::Histogram& ttfb_;
  core::Histogram& v2v_;
  core::Histogram& decision_;
  core::Histogram& stop_;
  core::Counter& turns_;
  core::Counter& confirmed_;
  core::Counter& resumed_;
  core::Counter& backchannel_;
  core::Counter& preemptiveUsed_;
  core::Counter& preemptiveDiscarded_;
};

}  // namespace parley::dialog
