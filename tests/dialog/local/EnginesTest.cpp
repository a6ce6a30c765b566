// The local engines alone (no sockets): flite and espeak-ng synthesis with word times, the
// booking-domain language model, and pocketsphinx decoding flite speech through it.
#include <doctest/doctest.h>

#include <stop_token>

#include "dialog/local/stt/DomainLanguageModel.hpp"
#include "dialog/local/stt/SphinxDecoder.hpp"
#include "dialog/local/tts/Synthesizer.hpp"
#include "media/Resampler.hpp"
#include "tests/tools/TestSupport.hpp"

using namespace parley;
using namespace parley::dialog::local;

namespace {
std::vector<int16_t> to16k(const SynthAudio& a) {
  if (a.sampleRate == 16000) return a.samples;
  media::Resampler r(a.sampleRate, 16000);
  std::vector<int16_t> out(r.maxOutput(a.samples.size()));
  out.resize(r.process(a.samples, out));
  return out;
}
}  // namespace

TEST_CASE("flite speaks with its voice's native rate and word times") {
  auto slt = makeFlite("slt");
  CHECK(slt->nativeRate() == 16000);
  auto a = slt->synthesize("Book a cleaning on Tuesday.");
  CHECK(a.sampleRate == 16000);
  CHECK(a.samples.size() > 8000);
  REQUIRE(a.words.size() == 5);
  CHECK(a.words[1].textOffset == 5);  // "a"
  CHECK(a.words[2].textLength == 8);  // "cleaning"
  for (size_t i = 1; i < a.words.size(); ++i) CHECK(a.words[i].startMs >= a.words[i - 1].endMs - 1);
  CHECK(a.words.back().endMs <= 1000.0 * static_cast<double>(a.samples.size()) / a.sampleRate + 1);
  CHECK_THROWS_AS(makeFlite("nobody"), std::invalid_argument);
}

TEST_CASE("espeak-ng speaks other languages with word times") {
  auto de = makeEspeak("de");
  auto a = de->synthesize("Guten Tag");
  CHECK(a.sampleRate == 22050);
  CHECK(a.samples.size() > 5000);
  CHECK(a.words.size() == 2);
  CHECK_THROWS(makeEspeak("no-such-language-xx"));
}

TEST_CASE("domain language model is a valid ARPA bigram over known words") {
  auto corpus = bookingCorpus(tools::test::demoTenant().get());
  CHECK(corpus.size() > 500);
  std::string arpa = buildArpaModel({"book a cleaning", "book a checkup", "zzz unknown"},
                                    {"book", "a", "cleaning", "checkup"});
  CHECK(arpa.find("ngram 1=6") != std::string::npos);  // 4 words + <s> + </s>
  CHECK(arpa.find("\\2-grams:") != std::string::npos);
  CHECK(arpa.find("zzz") == std::string::npos);
  CHECK(buildArpaModel({"zzz"}, {"book"}).empty());
}

TEST_CASE("a stream's keywords make a corpus of their own, weighted by boost") {
  MESSAGE("booking corpus sentences: " << bookingCorpus(tools::test::demoTenant().get()).size());
  auto one = keywordCorpus({{"Okonkwo", 3}});
  CHECK(one.size() == 1 + 3 * kKeywordSentencesPerBoost);  // the phrase, then its contexts
  CHECK(one.front() == "okonkwo");
  size_t named = 0;
  for (const auto& s : one) {
    CHECK((" " + s + " ").find(" okonkwo ") != std::string::npos);
    named += s.rfind("my name is", 0) == 0;
  }
  CHECK(named > 0);
  CHECK(keywordCorpus({{"Okonkwo", 3}}) == one);  // deterministic
  // Boost 0 still names the word once; negative boosts are 0; no letters, no sentence.
  CHECK(keywordCorpus({{"Haddad", 0}, {"Quist", -4}, {"123", 2}}) ==
        std::vector<std::string>{"haddad", "quist"});
  // A hostile stream's 100 keywords at the largest boost share a bounded corpus by boost.
  std::vector<DomainKeyword> many;
  for (int i = 0; i < 100; ++i) many.push_back({"name" + std::string(1, char('a' + i % 26)), 10});
  many.front().boost = 0;
  auto bounded = keywordCorpus(many);
  CHECK(bounded.size() <= 100 + kMaxKeywordSentences + 100);  // phrases, then rounding
  CHECK(bounded.size() >= kMaxKeywordSentences);
  // The keyword model's share grows with total boost, within its bounds.
  CHECK(keywordModelWeight({{"okonkwo", 0}}) == doctest::Approx(kMinKeywordLmWeight));
  CHECK(keywordModelWeight({{"okonkwo", 3}}) == doctest::Approx(3 * kKeywordLmWeightPerBoost));
  CHECK(keywordModelWeight({{"a", 2}, {"b", 1}}) == doctest::Approx(3 * kKeywordLmWeightPerBoost));
  CHECK(keywordModelWeight({{"a", 10}, {"b", 10}, {"c", 10}}) ==
        doctest::Approx(kMaxKeywordLmWeight));
}

TEST_CASE("pocketsphinx with the domain model transcribes a flite booking sentence") {
  SphinxModel m;
  m.modelDir = SphinxModel::defaultModelDir();
  m.tenants = {tools::test::demoTenant()};
  SphinxDecoder d(m);
  auto kal = makeFlite("kal");
  auto pcm = to16k(kal->synthesize("I'd like to book a cleaning next Tuesday at two thirty."));
  d.start();
  for (size_t off = 0; off < pcm.size(); off += 320)
    d.process(std::span<const int16_t>(pcm).subspan(off, std::min<size_t>(320, pcm.size() - off)));
  auto h = d.finish();
  MESSAGE("heard: " << h.text);
  // The first utterance of a fresh decoder is already right (the decoder primed itself).
  CHECK(h.text == "i'd like to book a cleaning next tuesday at two thirty");
  REQUIRE(h.words.size() == 11);
  CHECK(h.words[5].word == "cleaning");
  CHECK(h.words[5].startS > h.words[4].startS);
}

TEST_CASE("a pooled decoder starts each stream like a fresh one (no previous caller's CMN)") {
  SphinxModel m;
  m.modelDir = SphinxModel::defaultModelDir();
  m.tenants = {tools::test::demoTenant()};
  SphinxPool pool(m, 1);
  auto kal = makeFlite("kal");
  // A whole call's worth of speech and digital silence moves the live cepstral means; the next
  // stream on the same decoder must hear the same audio the same way.
  std::vector<int16_t> call;
  for (const char* line : {"Hi, I would like to book a cleaning.", "Tomorrow, please.",
                           "My name is John Smith.", "Yes, please."}) {
    auto pcm = to16k(kal->synthesize(line));
    call.insert(call.end(), pcm.begin(), pcm.end());
    call.insert(call.end(), 16000 * 6, 0);
  }
  auto decode = [&](SphinxDecoder& d) {
    std::string all;
    d.start();
    for (size_t off = 0; off < call.size(); off += 320) {
      d.process(
          std::span<const int16_t>(call).subspan(off, std::min<size_t>(320, call.size() - off)));
      if (!d.inSpeech() && off % 16000 == 0) {  // endpoint in each silence, as the server does
        auto h = d.finish();
        if (!h.text.empty()) all += (all.empty() ? "" : " | ") + h.text;
        d.start();
      }
    }
    auto h = d.finish();
    if (!h.text.empty()) all += (all.empty() ? "" : " | ") + h.text;
    return all;
  };
  // The first stream runs on a decoder that has only decoded the priming sentence; the front
  // end's noise estimate (which pocketsphinx carries across utterances and does not let us
  // reset) differs from one that has heard a call, so the streams compared are the 2nd and 3rd.
  auto first = pool.acquire();
  std::string once = decode(*first);
  pool.release(std::move(first));
  auto second = pool.acquire();
  std::string twice = decode(*second);
  pool.release(std::move(second));
  auto again = pool.acquire();
  std::string thrice = decode(*again);
  MESSAGE("first stream: " << once << " / second: " << twice);
  CHECK(once.find("book a cleaning") != std::string::npos);
  CHECK(twice.find("book a cleaning") != std::string::npos);
  CHECK(thrice == twice);
  pool.release(std::move(again));
}

TEST_CASE("a cancelled model load throws ModelLoadCancelled and builds nothing") {
  std::stop_source stop;
  stop.request_stop();
  auto corpus = bookingCorpus(tools::test::demoTenant().get());
  std::vector<std::string> words = {"book", "a", "cleaning"};
  CHECK_THROWS_AS(buildArpaModel(corpus, words, kNgramOrder, stop.get_token()), ModelLoadCancelled);
  // The same input without a stop request builds a model: the throw came from the token.
  CHECK_FALSE(buildArpaModel(corpus, words).empty());

  SphinxModel m;
  m.modelDir = SphinxModel::defaultModelDir();
  m.tenants = {tools::test::demoTenant()};
  m.stop = stop.get_token();
  CHECK_THROWS_AS(SphinxDecoder{m}, ModelLoadCancelled);
  SphinxPool pool(m, 2);
  CHECK_THROWS_AS(pool.warm(1), ModelLoadCancelled);
}

TEST_CASE("pooled decoders share one domain model and hear the same") {
  SphinxModel m;
  m.modelDir = SphinxModel::defaultModelDir();
  m.tenants = {tools::test::demoTenant()};
  auto pcm = to16k(makeFlite("kal")->synthesize("Can I move my appointment to Friday at ten?"));
  auto decode = [&](SphinxDecoder& d) {
    d.start();
    d.process(pcm);
    d.process(std::vector<int16_t>(16000, 0));
    return d.finish().text;
  };
  SharedDomainModel shared;
  SphinxDecoder first(m, &shared);
  CHECK(shared.arpa.find("\\3-grams:") != std::string::npos);
  const std::string arpa = shared.arpa;
  shared.sentences.clear();  // a second decoder needs only the ARPA text
  SphinxDecoder second(m, &shared);
  CHECK(shared.arpa == arpa);
  SphinxDecoder alone(m);  // builds its own from the corpus
  std::string heard = decode(first);
  MESSAGE("heard: " << heard);
  CHECK(heard.find("friday") != std::string::npos);
  CHECK(decode(second) == heard);
  CHECK(decode(alone) == heard);
}
