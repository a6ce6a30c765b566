// Local STT benchmark (issue 6), run by scripts/bench-local-stt, never by ctest. Decodes each
// clip with pocketsphinx twice — generic English model alone, and mixed with the booking-domain
// model of the demo tenant (what `parley local stt` serves) — and prints JSON: word error rate
// per set and configuration, and the real-time factor (decoder CPU time / audio time).
// Input lines on stdin: "<set>\t<wav path>\t<reference transcript>".
#include <ctime>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "dialog/local/policy/Utterance.hpp"
#include "dialog/local/stt/SphinxDecoder.hpp"
#include "media/Resampler.hpp"
#include "media/WavFile.hpp"
#include "tools/TenantLoader.hpp"

using namespace parley;
using namespace parley::dialog::local;

namespace {

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(normalizeText(s));
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

/// Word-level Levenshtein distance (substitutions + deletions + insertions).
size_t wordErrors(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
  std::vector<size_t> prev(hyp.size() + 1), cur(hyp.size() + 1);
  for (size_t j = 0; j <= hyp.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= ref.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= hyp.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[hyp.size()];
}

double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Totals {
  size_t errors = 0, refWords = 0;
  double cpuS = 0, audioS = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string tenantFile = argc > 1 ? argv[1] : "config/tenants/demo.yaml";
  auto tenant = std::make_shared<const tools::Tenant>(tools::loadTenantFile(tenantFile));
  struct Config {
    std::string name;
    float weight;
  };
  const std::vector<Config> configs = {{"generic", 0.0f}, {"domain_mix", kDomainLmWeight}};
  std::vector<std::unique_ptr<SphinxDecoder>> decoders;
  for (const auto& c : configs) {
    SphinxModel m;
    m.modelDir = SphinxModel::defaultModelDir();
    m.tenants = {tenant};
    m.domainWeight = c.weight;
    decoders.push_back(std::make_unique<SphinxDecoder>(m));
  }
  std::map<std::string, std::map<std::string, Totals>> totals;  // config → set → totals
  nlohmann::json clips = nlohmann::json::array();
  std::string line;
  while (std::getline(std::cin, line)) {
    size_t t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    std::string set = line.substr(0, t1), path = line.substr(t1 + 1, t2 - t1 - 1),
                ref = line.substr(t2 + 1);
    media::PcmAudio a = media::WavFile::read(path);
    std::vector<int16_t> mono(a.frames());
    for (size_t i = 0; i < mono.size(); ++i)
      mono[i] = a.samples[i * static_cast<size_t>(a.channels)];
    if (a.sampleRate != 16000) {
      media::Resampler r(a.sampleRate, 16000);
      std::vector<int16_t> out(r.maxOutput(mono.size()));
      out.resize(r.process(mono, out));
      mono = std::move(out);
    }
    double audioS = static_cast<double>(mono.size()) / 16000.0;
    nlohmann::json clip = {{"set", set}, {"file", path}, {"reference", ref}, {"seconds", audioS}};
    for (size_t k = 0; k < configs.size(); ++k) {
      double c0 = cpuSeconds();
      decoders[k]->start();
      decoders[k]->process(mono);
      auto h = decoders[k]->finish();
      double cpu = cpuSeconds() - c0;
      auto rw = words(ref), hw = words(h.text);
      size_t e = wordErrors(rw, hw);
      auto& tt = totals[configs[k].name][set];
      tt.errors += e;
      tt.refWords += rw.size();
      tt.cpuS += cpu;
      tt.audioS += audioS;
      clip[configs[k].name] = {{"hypothesis", h.text}, {"errors", e}, {"words", rw.size()}};
    }
    clips.push_back(clip);
  }
  nlohmann::json out = {{"bench", "local-stt"},
                        {"engine", "pocketsphinx 5prealpha en-us"},
                        {"domain_weight", kDomainLmWeight},
                        {"tenant", tenant->id}};
  for (const auto& [config, sets] : totals) {
    nlohmann::json j = nlohmann::json::object();
    Totals all;
    for (const auto& [set, tt] : sets) {
      j[set] = {{"wer", tt.refWords ? double(tt.errors) / double(tt.refWords) : 0.0},
                {"words", tt.refWords},
                {"audio_seconds", tt.audioS},
                {"real_time_factor", tt.audioS > 0 ? tt.cpuS / tt.audioS : 0.0}};
      all.errors += tt.errors;
      all.refWords += tt.refWords;
      all.cpuS += tt.cpuS;
      all.audioS += tt.audioS;
    }
    j["all"] = {{"wer", all.refWords ? double(all.errors) / double(all.refWords) : 0.0},
                {"real_time_factor", all.audioS > 0 ? all.cpuS / all.audioS : 0.0}};
    out[config] = j;
  }
  out["clips"] = clips;
  std::cout << out.dump(2) << "\n";
  return 0;
}
