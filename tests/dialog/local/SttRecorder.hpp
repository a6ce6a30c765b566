#pragma once
// What a DeepgramStt client heard from the local STT server, for the local speech tests.
#include <optional>
#include <string>
#include <vector>

#include "dialog/stt/SttStream.hpp"

namespace parley::dialog::local::test {

/// Records one stream's events: finals (empty ones too), counts of interims, SpeechStarted and
/// UtteranceEnd, and how it ended (error and whether it was fatal, closed).
struct SttRec : SttListener {
  std::vector<SttTranscript> finals;
  int interims = 0;
  int speechStarted = 0;
  int utteranceEnds = 0;
  bool connected = false;
  bool closed = false;
  std::optional<ProviderError> error;
  bool fatal = false;
  void onSttConnected(const SttConnected&) override { connected = true; }
  void onSttTranscript(const SttTranscript& t) override {
    if (t.isFinal)
      finals.push_back(t);
    else
      ++interims;
  }
  void onSttSpeechStarted(double) override { ++speechStarted; }
  void onSttUtteranceEnd(double) override { ++utteranceEnds; }
  void onSttError(const ProviderError& e, bool f) override {
    error = e;
    fatal = f;
  }
  void onSttClosed() override { closed = true; }
  /// The non-empty finals joined with spaces.
  std::string text() const {
    std::string out;
    for (const auto& f : finals)
      if (!f.text.empty()) out += (out.empty() ? "" : " ") + f.text;
    return out;
  }
};

}  // namespace parley::dialog::local::test
