// Local STT benchmark (issue 6), run by scripts/bench-local-stt, never by ctest. Decodes each
// clip the way `parley local stt` decodes a stream — 20 ms steps, leading and trailing silence
// (digital zeros, as console's scripted caller and a quiet RTP leg send), the clips of one
// caller voice one after another on the same decoder (the cepstral means carry over between
// utterances as in a call) — over three kinds of stream:
//   wide_16k       16 kHz wideband audio sent at sample_rate=16000 (WebRTC callers);
//   narrow_in_16k  the same speech through a phone line (8 kHz, G.711 µ-law) and resampled to
//                  16 kHz before it is sent at sample_rate=16000 — what every session sends for
//                  a SIP caller (the worker's frames are 16 kHz) and for console's kal voice;
//   narrow_8k      the phone-line audio sent at sample_rate=8000 (the server resamples).
// Prints JSON: word error rate and real-time factor (decoder CPU / audio time) per
// configuration, stream kind and set. Input lines on stdin:
// "<set>\t<wav path>\t<reference transcript>[\t<call>]" — clips with the same set and call
// (e.g. the flite voice) form one stream; without a call each clip is its own stream.
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
#include "media/codec/G711.hpp"
#include "tools/TenantLoader.hpp"

using namespace parley;
using namespace parley::dialog::local;

namespace {

/// Silence before and after each clip (s): console's caller starts 0.6 s after the agent.
constexpr double kLeadS = 0.6, kTrailS = 0.5;
/// The server decodes in 20 ms steps of 16 kHz audio (LocalSttService.cpp).
constexpr size_t kStep = 320;

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

std::vector<int16_t> resample(const std::vector<int16_t>& in, int from, int to) {
  if (from == to) return in;
  media::Resampler r(from, to);
  std::vector<int16_t> out(r.maxOutput(in.size()));
  out.resize(r.process(in, out));
  return out;
}

/// `pcm` at `rate` through a G.711 µ-law phone line: 8 kHz, 8-bit companded.
std::vector<int16_t> phoneLine(const std::vector<int16_t>& pcm, int rate) {
  std::vector<int16_t> narrow = resample(pcm, rate, 8000);
  std::vector<uint8_t> law(narrow.size());
  media::g711::encodeUlaw(narrow, law);
  media::g711::decodeUlaw(law, narrow);
  return narrow;
}

struct Totals {
  size_t errors = 0, refWords = 0;
  double cpuS = 0, audioS = 0;
};

struct Clip {
  std::string set, path, ref, call;
  std::vector<int16_t> pcm;  ///< mono at `rate`
  int rate = 16000;
};

/// One stream kind: what audio is sent and at which sample_rate.
struct StreamKind {
  std::string name;
  int sentRate;        ///< the stream's sample_rate parameter
  bool narrow;         ///< through the phone line first
  bool needsWideband;  ///< only for clips recorded at 16 kHz or more
};

}  // namespace

int main(int argc, char** argv) {
  std::string tenantFile = argc > 1 ? argv[1] : "config/tenants/demo.yaml";
  auto tenant = std::make_shared<const tools::Tenant>(tools::loadTenantFile(tenantFile));
  struct Config {
    std::string name;
    float weight;
    bool humanOnly;  ///< the generic model is only the reference point on human speech
  };
  const std::vector<Config> configs = {{"generic", 0.0f, true},
                                       {"domain_mix", kDomainLmWeight, false}};
  const std::vector<StreamKind> kinds = {{"wide_16k", 16000, false, true},
                                         {"narrow_in_16k", 16000, true, false},
                                         {"narrow_8k", 8000, true, false}};
  std::vector<std::unique_ptr<SphinxDecoder>> decoders;
  double startupCpuS = 0;
  for (const auto& c : configs) {
    SphinxModel m;
    m.modelDir = SphinxModel::defaultModelDir();
    m.tenants = {tenant};
    m.domainWeight = c.weight;
    double c0 = cpuSeconds();
    decoders.push_back(std::make_unique<SphinxDecoder>(m));
    startupCpuS = cpuSeconds() - c0;  // the last one: the served configuration
  }
  // What a pool pays: a decoder from the shared domain model, and one for a stream with a
  // keyword outside the vocabulary (the shared model plus a keyword model of its own).
  double pooledCpuS = 0, keywordCpuS = 0;
  {
    SphinxModel m;
    m.modelDir = SphinxModel::defaultModelDir();
    m.tenants = {tenant};
    SharedDomainModel shared;
    SphinxDecoder first(m, &shared);
    double c0 = cpuSeconds();
    SphinxDecoder pooled(m, &shared);
    pooledCpuS = cpuSeconds() - c0;
    m.keywords = {{"okonkwo", 3}};
    c0 = cpuSeconds();
    SphinxDecoder withKeyword(m, &shared);
    keywordCpuS = cpuSeconds() - c0;
  }

  // Clips grouped into streams, in input order.
  std::vector<std::vector<Clip>> streams;
  std::map<std::string, size_t> streamOf;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::vector<std::string> f;
    std::istringstream in(line);
    for (std::string x; std::getline(in, x, '\t');) f.push_back(x);
    if (f.size() < 3) continue;
    Clip c{f[0], f[1], f[2], f.size() > 3 ? f[3] : ""};
    media::PcmAudio a = media::WavFile::read(c.path);
    c.pcm.resize(a.frames());
    for (size_t i = 0; i < c.pcm.size(); ++i)
      c.pcm[i] = a.samples[i * static_cast<size_t>(a.channels)];
    c.rate = a.sampleRate;
    std::string key = c.set + "/" + c.call;
    if (c.call.empty() || !streamOf.count(key)) {
      streamOf[key] = streams.size();
      streams.emplace_back();
    }
    streams[streamOf[key]].push_back(std::move(c));
  }

  std::map<std::string, std::map<std::string, std::map<std::string, Totals>>> totals;
  nlohmann::json clips = nlohmann::json::array();
  for (size_t k = 0; k < configs.size(); ++k) {
    for (const auto& kind : kinds) {
      for (const auto& stream : streams) {
        if (configs[k].humanOnly && stream.front().set != "human") continue;
        if (kind.needsWideband && stream.front().rate < 16000) continue;
        decoders[k]->reset(kind.sentRate);       // a new stream
        media::Resampler serverUp(8000, 16000);  // the server's, for a whole 8 kHz stream
        for (const auto& clip : stream) {
          std::vector<int16_t> sent = kind.narrow ? phoneLine(clip.pcm, clip.rate) : clip.pcm;
          int rate = kind.narrow ? 8000 : clip.rate;
          if (kind.sentRate == 16000) sent = resample(sent, rate, 16000);  // the caller's side
          std::vector<int16_t> pcm(static_cast<size_t>(kLeadS * 16000), 0);
          if (kind.sentRate == 8000) {
            std::vector<int16_t> up(serverUp.maxOutput(sent.size()));
            up.resize(serverUp.process(sent, up));
            pcm.insert(pcm.end(), up.begin(), up.end());
          } else {
            pcm.insert(pcm.end(), sent.begin(), sent.end());
          }
          pcm.resize(pcm.size() + static_cast<size_t>(kTrailS * 16000), 0);
          double audioS = static_cast<double>(pcm.size()) / 16000.0;
          double c0 = cpuSeconds();
          decoders[k]->start();
          for (size_t off = 0; off < pcm.size(); off += kStep)
            decoders[k]->process(
                std::span<const int16_t>(pcm).subspan(off, std::min(kStep, pcm.size() - off)));
          auto h = decoders[k]->finish();
          double cpu = cpuSeconds() - c0;
          auto rw = words(clip.ref), hw = words(h.text);
          size_t e = wordErrors(rw, hw);
          auto& tt = totals[configs[k].name][kind.name][clip.set];
          tt.errors += e;
          tt.refWords += rw.size();
          tt.cpuS += cpu;
          tt.audioS += audioS;
          clips.push_back({{"config", configs[k].name},
                           {"stream", kind.name},
                           {"set", clip.set},
                           {"call", clip.call},
                           {"reference", clip.ref},
                           {"hypothesis", h.text},
                           {"errors", e}});
        }
      }
    }
  }
  nlohmann::json out = {
      {"bench", "local-stt"},
      {"engine", "pocketsphinx 5prealpha en-us"},
      {"domain_weight", kDomainLmWeight},
      {"decoder_startup_cpu_s", startupCpuS},
      {"pooled_decoder_cpu_s", pooledCpuS},
      {"keyword_decoder_cpu_s", keywordCpuS},
      {"keyword_vs_own_domain_ratio", startupCpuS > 0 ? keywordCpuS / startupCpuS : 0.0},
      {"tenant", tenant->id}};
  auto summary = [](const Totals& tt) {
    return nlohmann::json{{"wer", tt.refWords ? double(tt.errors) / double(tt.refWords) : 0.0},
                          {"words", tt.refWords},
                          {"audio_seconds", tt.audioS},
                          {"real_time_factor", tt.audioS > 0 ? tt.cpuS / tt.audioS : 0.0}};
  };
  for (const auto& [config, byKind] : totals) {
    for (const auto& [kind, sets] : byKind) {
      Totals all;
      for (const auto& [set, tt] : sets) {
        out[config][kind][set] = summary(tt);
        all.errors += tt.errors;
        all.refWords += tt.refWords;
        all.cpuS += tt.cpuS;
        all.audioS += tt.audioS;
      }
      out[config][kind]["all"] = summary(all);
    }
  }
  out["clips"] = clips;
  std::cout << out.dump(2) << "\n";
  return 0;
}
