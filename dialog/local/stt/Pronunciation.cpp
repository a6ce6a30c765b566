#include "dialog/local/stt/Pronunciation.hpp"

// clang-format off
#include <flite/flite.h>
// clang-format on

#include <cctype>
#include <mutex>

#include "dialog/local/tts/Synthesizer.hpp"

extern "C" cst_lexicon* cmu_lex_init(void);  // libflite_cmulex; no installed header declares it

namespace parley::dialog::local {

std::string pronounce(const std::string& word) {
  std::string clean;
  for (char c : word) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u) || c == '\'') clean += static_cast<char>(std::tolower(u));
  }
  if (clean.find_first_not_of('\'') == std::string::npos) return {};
  makeFlite("slt");  // flite_init() and the CMU lexicon, once, under fliteMutex()
  std::lock_guard lock(fliteMutex());
  static cst_lexicon* lex = cmu_lex_init();
  cst_val* phones = lex_lookup(lex, clean.c_str(), nullptr, nullptr);
  std::string out;
  for (const cst_val* v = phones; v; v = val_cdr(v)) {
    std::string p = val_string(val_car(v));
    if (p == "pau") continue;
    while (!p.empty() && std::isdigit(static_cast<unsigned char>(p.back()))) p.pop_back();
    if (p == "ax") p = "ah";
    for (auto& c : p) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += (out.empty() ? "" : " ") + p;
  }
  delete_val(phones);
  return out;
}

}  // namespace parley::dialog::local
