#pragma once
// The conversation's knobs (issue 7, DESIGN.md §6). Every duration is in milliseconds. The
// worker reads them from config/parley.yaml (`conversation.*`); tests set them directly.
#include <cstdint>
#include <string>
#include <vector>

namespace parley::dialog {

struct ConversationConfig {
  /// VAD silence after the caller's last speech before the turn may end (confirmed by an STT
  /// final). 500 ms: LiveKit's default; shorter cuts people off between phrases.
  int minEndpointingDelayMs = 500;
  /// The turn ends after this much silence even without an STT final (a lost or slow final must
  /// not leave the caller in dead air).
  int maxEndpointingDelayMs = 3000;
  /// VAD silence before the STT is asked for its final (Deepgram `Finalize`). A pause inside a
  /// sentence ("Yes, | please") is 150-300 ms; asking at once split such sentences into two
  /// short utterances that a small recogniser gets wrong (measured with the local STT: "yes
  /// please" → "dead"). 250 ms still leaves the final half the endpointing delay to arrive.
  int finalizeAfterSilenceMs = 250;
  /// Caller speech this long while the agent speaks interrupts it.
  int minInterruptionDurationMs = 300;
  /// An interim transcript with this many words (backchannels excluded) interrupts at once.
  int minInterruptionWords = 2;
  /// After a pause for caller sound, no words within this long: the reply resumes.
  int falseInterruptionTimeoutMs = 1500;
  /// Words that alone never interrupt ("mm-hm" while the agent talks is listening, not a turn).
  std::vector<std::string> backchannels = {"mm-hm", "mhm",  "mm",     "uh-huh", "uh",     "um",
                                           "hmm",   "yeah", "yes",    "yep",    "okay",   "ok",
                                           "right", "sure", "got it", "i see",  "alright"};
  /// Whether the caller can talk over the greeting.
  bool greetingInterruptible = true;
  /// No caller speech this long after the agent finished → reprompt.
  int silenceRepromptMs = 8000;
  /// Reprompts before saying goodbye and hanging up.
  int maxReprompts = 2;
  /// Calls are closed politely after this long (15 min).
  int64_t maxCallDurationMs = 15 * 60 * 1000;
  /// A tool round still running after this long gets one spoken filler per turn.
  int fillerDelayMs = 700;
  /// Tool rounds per caller turn before the agent gives up on tools for that turn.
  int maxToolRounds = 5;
  /// History kept for the LLM: the last N user turns (system prompt and tool pairs intact).
  int maxHistoryTurns = 20;
  /// Ask the LLM as soon as an end-of-speech STT final arrives while the caller is silent,
  /// before the endpointing delay has passed (LiveKit's `preemptive_generation`). The reply is
  /// held — not spoken, recorded or allowed to run tools — until the turn ends with the same
  /// transcript, and dropped if the caller speaks again. Saves up to the LLM's time to first
  /// token per turn, at the cost of a wasted request when the caller goes on. Off by default
  /// (as in LiveKit): with a paid LLM the wasted requests cost tokens.
  bool preemptiveGeneration = false;
  /// While the agent talks on a leg without echo cancellation, caller-side energy must exceed
  /// the VAD's decision by this margin (see EchoGuard) before it counts as speech.
  double echoGuardDb = 12.0;
  /// Spoken texts (English defaults; a tenant's language picks its own set).
  std::string fillerText = "One moment while I check that.";
  std::string repromptText = "Are you still there?";
  std::string silenceGoodbyeText = "I haven't heard anything, so I'll hang up now. Goodbye!";
  std::string maxDurationText =
      "I'm sorry, we've reached the time limit for this call. Please call back if you need "
      "anything else. Goodbye!";
  std::string apologyText = "Sorry, I'm having trouble right now. Could you say that again?";
  std::string failGoodbyeText =
      "Sorry, I'm having technical difficulties. Please call back later. Goodbye!";
  std::string transferUnavailableText =
      "I'm sorry, I can't transfer this call, but I'm happy to help you myself.";
};

}  // namespace parley::dialog
