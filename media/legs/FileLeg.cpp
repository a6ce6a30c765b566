#include "media/legs/FileLeg.hpp"

#include <algorithm>

#include "core/Error.hpp"
#include "core/Log.hpp"
#include "media/FrameConverter.hpp"
#include "media/WavFile.hpp"

namespace parley::media {

FileLeg::FileLeg(FileLegOptions options, Pacer* pacer)
    : options_(std::move(options)), pacer_(pacer), playout_(options_.playoutCapacitySamples) {
  const auto lead = static_cast<size_t>(std::max(0, options_.leadingSilenceMs) / kFrameMs);
  input_.resize(lead);
  if (!options_.inputPath.empty()) {
    PcmAudio audio = WavFile::read(options_.inputPath);
    InboundConverter conv(audio.sampleRate, audio.channels);
    // Feed in 100 ms blocks so the converter's FIFO never overflows.
    const size_t block = static_cast<size_t>(audio.sampleRate / 10 * audio.channels);
    AudioFrame f;
    for (size_t off = 0; off < audio.samples.size(); off += block) {
      size_t n = std::min(block, audio.samples.size() - off);
      conv.push(std::span<const int16_t>(audio.samples.data() + off, n));
      while (conv.pop(f)) input_.push_back(f);
    }
    if (conv.popPadded(f)) input_.push_back(f);
  }
  std::sort(options_.dtmf.begin(), options_.dtmf.end(),
            [](const auto& a, const auto& b) { return a.atMs < b.atMs; });
  // Reserve the whole recording up front so step() does not reallocate as it goes.
  size_t expected =
      input_.size() + static_cast<size_t>(std::max(0, options_.trailingSilenceMs) / kFrameMs) + 1;
  agent_.reserve(expected * kFrameSamples);
  if (options_.recordStereo) caller_.reserve(expected * kFrameSamples);
}

FileLeg::~FileLeg() {
  if (pacer_) pacer_->remove(this);
}

void FileLeg::start() {
  if (started_) return;
  started_ = true;
  if (listener_) listener_->onLegConnected();
  if (pacer_) pacer_->add(this);
}

bool FileLeg::sendAudio(const AudioFrame& frame) {
  if (ended_) return false;
  return playout_.push(frame);
}

size_t FileLeg::sendSamples(std::span<const int16_t> samples) {
  if (ended_) return 0;
  return playout_.write(samples);
}

void FileLeg::sendDtmf(char digit, int durationMs) {
  (void)durationMs;
  if (!ended_) sentDtmf_.push_back(digit);
}

void FileLeg::onPacerTick(int64_t deadlineNs) {
  (void)deadlineNs;
  step();
}

bool FileLeg::step() {
  if (ended_) return false;
  if (!started_) start();
  const int64_t nowMs = mediaTimeMs();
  const size_t trailing = options_.trailingSilenceMs < 0
                              ? SIZE_MAX
                              : static_cast<size_t>(options_.trailingSilenceMs / kFrameMs);
  if (options_.trailingSilenceMs >= 0 && frameIndex_ >= input_.size() + trailing) {
    finish(HangupReason::Remote);
    return false;
  }
  AudioFrame in;
  if (frameIndex_ < input_.size()) in = input_[frameIndex_];
  ++frameIndex_;
  if (options_.recordStereo) caller_.insert(caller_.end(), in.samples.begin(), in.samples.end());
  if (listener_) listener_->onLegAudio(in);
  while (!ended_ && nextDtmf_ < options_.dtmf.size() && options_.dtmf[nextDtmf_].atMs <= nowMs) {
    if (listener_) listener_->onLegDtmf(DtmfEvent{options_.dtmf[nextDtmf_].digit, 100});
    ++nextDtmf_;
  }
  if (ended_) return false;  // the listener hung up from a callback

  AudioFrame out;
  if (playout_.pop(out)) {
    agentSpeaking_ = true;
  } else {
    out.clear();
  }
  agent_.insert(agent_.end(), out.samples.begin(), out.samples.end());
  if (agentSpeaking_ && playout_.empty()) {
    agentSpeaking_ = false;
    if (listener_) listener_->onLegPlayoutDrained();
  }
  return !ended_;
}

size_t FileLeg::runToEnd(size_t maxFrames) {
  size_t n = 0;
  while (n < maxFrames && step()) ++n;
  return n;
}

void FileLeg::finish(HangupReason reason) {
  if (ended_) return;
  ended_ = true;
  if (pacer_) pacer_->remove(this);
  playout_.flush();
  try {
    writeRecording();
  } catch (const core::Error& e) {
    // The call is over either way; a failed recording must not stop the hangup reaching the
    // session.
    core::Logger("media").with("leg", options_.id).error("{}", e.what());
  }
  if (listener_) listener_->onLegHangup(reason);
}

void FileLeg::writeRecording() {
  if (options_.recordPath.empty()) return;
  // Once per call at hangup, like a call recorder closing its file; not per frame.
  if (!options_.recordStereo) {
    WavFile::write(options_.recordPath, kInternalRate, 1, agent_);
    return;
  }
  std::vector<int16_t> stereo(agent_.size() * 2);
  for (size_t i = 0; i < agent_.size(); ++i) {
    stereo[2 * i] = i < caller_.size() ? caller_[i] : int16_t{0};
    stereo[2 * i + 1] = agent_[i];
  }
  WavFile::write(options_.recordPath, kInternalRate, 2, stereo);
}

}  // namespace parley::media
