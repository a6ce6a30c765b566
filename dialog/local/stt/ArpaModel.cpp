#include "dialog/local/stt/ArpaModel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace parley::dialog::local {

std::vector<std::string> splitWords(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string buildArpaModel(const std::vector<std::string>& sentences,
                           const std::vector<std::string>& dictionaryWords, int order,
                           const std::stop_token& stop) {
  // Checked this often: a few ms of work between checks even at -O0 with sanitizers.
  constexpr size_t kCheckEvery = 512;
  size_t steps = 0;
  auto check = [&] {
    if (++steps % kCheckEvery == 0) throwIfCancelled(stop);
  };
  order = std::clamp(order, 1, 3);
  const std::set<std::string> known(dictionaryWords.begin(), dictionaryWords.end());
  // counts[n-1]: n-gram (words joined by ' ') → count; histories[n-1]: history → count.
  std::vector<std::unordered_map<std::string, double>> counts(static_cast<size_t>(order));
  std::vector<std::unordered_map<std::string, double>> histories(static_cast<size_t>(order));
  double total = 0;
  // Every n-gram of each run of known words between <s> and </s>.
  for (const auto& s : sentences) {
    check();
    std::vector<std::vector<std::string>> runs(1, {"<s>"});
    for (auto& w : splitWords(s)) {
      if (known.count(w))
        runs.back().push_back(w);
      else if (runs.back().size() > 1)
        runs.push_back({});  // an unknown word breaks the context
    }
    runs.back().push_back("</s>");
    for (const auto& ws : runs) {
      if (ws.empty() || (ws.size() == 2 && ws[0] == "<s>" && ws[1] == "</s>")) continue;
      for (size_t i = 0; i < ws.size(); ++i) {
        if (ws[i] != "<s>") {
          counts[0][ws[i]] += 1;
          total += 1;
        }
        for (size_t n = 2; n <= static_cast<size_t>(order) && n <= i + 1; ++n) {
          std::string h = ws[i + 1 - n];
          for (size_t k = i + 2 - n; k < i; ++k) h += " " + ws[k];
          counts[n - 1][h + " " + ws[i]] += 1;
          histories[n - 1][h] += 1;
        }
      }
    }
  }
  if (counts[0].empty()) return {};
  counts[0]["<s>"] = 0;

  // Back-off probabilities: seen n-grams get (c - D) / c(history); the freed mass, spread
  // over the lower order's probabilities of the unseen words, is the history's back-off weight.
  std::vector<std::unordered_map<std::string, double>> alpha(static_cast<size_t>(order));
  std::unordered_map<std::string, double> p1;
  for (const auto& [w, c] : counts[0]) p1[w] = c / total;
  // Full back-off probability of "w1 .. wn" (n <= order).
  std::function<double(const std::vector<std::string>&, size_t)> prob;
  std::vector<std::unordered_map<std::string, double>> pSeen(static_cast<size_t>(order));
  prob = [&](const std::vector<std::string>& g, size_t from) -> double {
    size_t n = g.size() - from;
    if (n == 1) return p1.count(g.back()) ? p1[g.back()] : 0.0;
    std::string key = g[from], hist = g[from];
    for (size_t k = from + 1; k < g.size(); ++k) key += " " + g[k];
    for (size_t k = from + 1; k + 1 < g.size(); ++k) hist += " " + g[k];
    if (auto it = pSeen[n - 1].find(key); it != pSeen[n - 1].end()) return it->second;
    double a = 1.0;
    if (auto it = alpha[n - 2].find(hist); it != alpha[n - 2].end()) a = it->second;
    return a * prob(g, from + 1);
  };
  for (size_t n = 2; n <= static_cast<size_t>(order); ++n) {
    std::unordered_map<std::string, std::pair<double, double>> mass;  // hist → seen p, lower p
    for (const auto& [gram, c] : counts[n - 1]) {
      check();
      size_t cut = gram.rfind(' ');
      std::string hist = gram.substr(0, cut);
      double p = (c - kNgramDiscount) / histories[n - 1][hist];
      pSeen[n - 1][gram] = p;
      auto words = splitWords(gram);
      auto& m = mass[hist];
      m.first += p;
      m.second += prob(words, 1);
    }
    for (const auto& [hist, m] : mass)
      alpha[n - 2][hist] = (1.0 - m.first) / std::max(1e-9, 1.0 - m.second);
  }

  std::string out = "\\data\\\n";
  for (size_t n = 1; n <= static_cast<size_t>(order); ++n)
    out += "ngram " + std::to_string(n) + "=" + std::to_string(counts[n - 1].size()) + "\n";
  char line[512];
  for (size_t n = 1; n <= static_cast<size_t>(order); ++n) {
    out += "\n\\" + std::to_string(n) + "-grams:\n";
    std::map<std::string, double> sorted;
    for (const auto& [g, c] : counts[n - 1])
      sorted[g] = n == 1 ? (g == "<s>" ? -99.0 : std::log10(p1[g])) : std::log10(pSeen[n - 1][g]);
    for (const auto& [g, lp] : sorted) {
      check();
      bool hasBackoff = n < static_cast<size_t>(order) && alpha[n - 1].count(g);
      if (hasBackoff)
        std::snprintf(line, sizeof line, "%.4f %s %.4f\n", lp, g.c_str(),
                      std::log10(std::max(1e-99, alpha[n - 1][g])));
      else
        std::snprintf(line, sizeof line, "%.4f %s\n", lp, g.c_str());
      out += line;
    }
  }
  out += "\n\\end\\\n";
  return out;
}

}  // namespace parley::dialog::local
