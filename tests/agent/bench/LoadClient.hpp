#pragma once
// The caller side of scripts/bench-calls: N callers on ONE UDP socket on loopback, each sending
// a precomputed RTP stream (a spoken utterance, then silence, repeated) paced every 20 ms
// against absolute deadlines, and receiving the agent's RTP. Two threads: a sender
// (clock_nanosleep to each deadline, sendmmsg in batches) and a receiver (recvmmsg). Call i
// talks to the worker's port rtpBase + 2i; replies are told apart by their source port.
//
// What it records (CLOCK_MONOTONIC ns, the worker's clock too), read after stop():
//   per call: when each utterance's first and last speech frame left, and the runs of agent
//   audio received (a run ends after kRunGapNs without agent audio); packets, agent-audio
//   packets and sequence gaps (outbound frames the worker never sent or the kernel dropped).
// Agent audio = a PCMU payload with any non-zero sample, or an Opus packet longer than
// `opusSilenceMaxBytes` (the worker sends digital silence as tiny packets).
#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

namespace parley::bench {

/// One cycle of a caller's RTP payloads, 20 ms each.
struct CallerCycle {
  std::vector<std::vector<uint8_t>> payloads;
  int onsetFrame = 0;       ///< first frame of the utterance with speech
  int lastSpeechFrame = 0;  ///< last frame of the utterance with speech
  uint8_t payloadType = 0;
  uint32_t ticksPerFrame = 160;  ///< RTP clock ticks per 20 ms
};

struct LoadConfig {
  int calls = 0;
  uint16_t rtpBase = 0;  ///< worker port of call 0; call i is rtpBase + 2i
  const CallerCycle* cycle = nullptr;
  bool opus = false;
  size_t opusSilenceMaxBytes = 8;
};

struct CallerRecord {
  std::vector<int64_t> onsetSentNs;
  std::vector<int64_t> lastSpeechSentNs;
  std::vector<std::pair<int64_t, int64_t>> agentRuns;  ///< [first, last] agent-audio packet
  uint64_t received = 0;
  uint64_t agentAudio = 0;
  uint64_t seqGaps = 0;
  // receiver-thread state
  bool seqKnown = false;
  uint16_t nextSeq = 0;
};

class LoadClient {
 public:
  /// A gap this long without agent audio ends a run (the agent stopped talking).
  static constexpr int64_t kRunGapNs = 100'000'000;

  /// Binds 127.0.0.1:0 with large socket buffers. Throws std::runtime_error on failure.
  explicit LoadClient(LoadConfig config);
  ~LoadClient();
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  uint16_t port() const { return port_; }
  /// Starts sending and receiving. Call i starts at a phase spread evenly over the cycle.
  void start();
  /// Stops and joins both threads; the records are complete afterwards.
  void stop();

  const std::vector<CallerRecord>& records() const { return records_; }
  /// How late the sender woke for each tick (ns).
  const std::vector<int64_t>& sendLateNs() const { return sendLateNs_; }

 private:
  void sendLoop();
  void receiveLoop();

  LoadConfig config_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::vector<CallerRecord> records_;
  std::vector<int64_t> sendLateNs_;
  std::atomic<bool> stop_{false};
  std::thread sender_, receiver_;
};

}  // namespace parley::bench
