#pragma once
// Cuts a streamed LLM reply into sentences (or long clauses) for the TTS, so speech starts after
// the first sentence instead of the whole reply (DESIGN.md §6 "Stream everything"). Text arrives
// as deltas of any size; feed() returns every sentence completed so far, flush() the rest.
//
// A sentence ends at '.', '!', '?' or '…' (or a newline) followed by whitespace — but not after
// a title or common abbreviation ("Dr.", "Mr.", "St.", "e.g."), a single initial ("J."), inside a
// number ("2.5", "$3.50"), a time ("2:30", "p.m." / "a.m."), or an ellipsis run. A clause longer
// than kMaxClauseChars is cut at the last ',' ';' or ':' + space, so a run-on sentence does not
// delay the first audio. A sentence shorter than kMinSentenceChars ("Yes.") is joined with the
// next one: TTS prosody is better and one request is saved. UTF-8 safe (cuts only at ASCII).
#include <string>
#include <string_view>
#include <vector>

namespace parley::dialog {

class SentenceSplitter {
 public:
  /// A clause longer than this is cut at a comma: ≈ 2 s of speech, about the longest a caller
  /// should wait for the first audio.
  static constexpr size_t kMaxClauseChars = 160;
  /// Sentences shorter than this wait for the next one (merged).
  static constexpr size_t kMinSentenceChars = 12;

  /// Adds a text delta; returns the sentences completed by it (trimmed, non-empty).
  std::vector<std::string> feed(std::string_view delta);
  /// End of the reply: returns what is left (trimmed), if anything.
  std::vector<std::string> flush();
  /// Drops buffered text (barge-in).
  void reset() { buffer_.clear(); }
  /// Text received but not yet returned.
  const std::string& pending() const { return buffer_; }

 private:
  /// Position just after a sentence end in buffer_ at or after `from`, or npos.
  size_t findBoundary(size_t from) const;
  bool isAbbreviationBefore(size_t dotPos) const;

  std::string buffer_;
  size_t scanFrom_ = 0;  ///< buffer_ before this was already checked for boundaries
};

}  // namespace parley::dialog
