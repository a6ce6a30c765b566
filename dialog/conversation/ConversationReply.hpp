#pragma once
// Internal to the Conversation implementation files (Conversation.cpp, ConversationLlm.cpp,
// ConversationSpeech.cpp, ConversationBargeIn.cpp): the state of the reply being prepared or
// spoken. Not part of the public interface.
#include <string>
#include <vector>

#include "dialog/conversation/Conversation.hpp"
#include "dialog/conversation/ReplyAudio.hpp"

namespace parley::dialog {

/// Reply samples (16 kHz sample times, whatever the TTS form; ReplyAudio) per millisecond.
inline constexpr double kReplySamplesPerMs = 16.0;

struct Conversation::Reply {
  ReplyKind kind = ReplyKind::Llm;
  int64_t startNs = 0;  ///< when the reply was started (caller speech before it is not barge-in)
  bool interruptible = true;
  bool addToHistory = true;
  bool hangupAfter = false;
  std::string hangupReason;
  std::string cannedText;
  // LLM rounds.
  int round = 0;
  std::vector<ToolCall> pendingCalls;  ///< announced by the current round
  std::vector<ToolCall> runningCalls;  ///< being executed
  std::string roundText;               ///< text of the current round
  std::string finalText;               ///< text of the last round (the reply proper)
  size_t prefixWords = 0;              ///< words spoken before the current round
  bool llmDone = false;
  bool toolsRunning = false;
  bool forceNoTools = false;
  bool fillerSaid = false;
  bool gotToken = false;
  int64_t llmRequestNs = 0;
  int64_t toolsStartNs = 0;
  SentenceSplitter splitter;
  // TTS segments.
  HeardText heard;
  bool segmentOpen = false;
  bool awaitingDone = false;
  std::vector<std::string> queuedText;
  bool queuedFlush = false;
  bool synthesisComplete = false;
  double segmentAudioMs = 0;
  int64_t firstPushNs = 0;
  // Audio.
  ReplyAudio audio;  ///< everything received (bounded), in the TTS's form, for resume
  uint64_t receivedSamples = 0;
  bool firstAudio = false;
  double firstAudioAtS = 0;
  uint64_t playedBase = 0;  ///< out.playedSamples() when the reply's first sample was queued
  size_t pausePos = 0;      ///< reply samples played when playout was paused
  TurnMetrics metrics;
  bool metricsReported = false;
};

}  // namespace parley::dialog
