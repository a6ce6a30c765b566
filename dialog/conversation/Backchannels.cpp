#include "dialog/conversation/Backchannels.hpp"

#include <algorithm>
#include <cctype>

namespace parley::dialog {

std::vector<std::string> Backchannels::words(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto push = [&] {
    while (!cur.empty() && (cur.back() == '-' || cur.back() == '\'')) cur.pop_back();
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80)
      cur += static_cast<char>(std::tolower(c));
    else if ((c == '-' || c == '\'') && !cur.empty())
      cur += static_cast<char>(c);
    else
      push();
  }
  push();
  return out;
}

Backchannels::Backchannels(const std::vector<std::string>& phrases) {
  for (const auto& p : phrases) {
    auto w = words(p);
    if (!w.empty()) phrases_.push_back(std::move(w));
  }
  std::sort(phrases_.begin(), phrases_.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

int Backchannels::substantiveWords(std::string_view text) const {
  auto w = words(text);
  int count = 0;
  for (size_t i = 0; i < w.size();) {
    size_t matched = 0;
    for (const auto& p : phrases_) {
      if (i + p.size() <= w.size() &&
          std::equal(p.begin(), p.end(), w.begin() + static_cast<std::ptrdiff_t>(i))) {
        matched = p.size();
        break;
      }
    }
    if (matched) {
      i += matched;
    } else {
      ++count;
      ++i;
    }
  }
  return count;
}

bool Backchannels::isOnlyBackchannel(std::string_view text) const {
  return !words(text).empty() && substantiveWords(text) == 0;
}

}  // namespace parley::dialog
