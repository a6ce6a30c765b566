#include "tests/agent/bench/LoadClient.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tests/agent/bench/BenchUtil.hpp"

namespace parley::bench {
namespace {

constexpr int64_t kFrameNs = 20'000'000;
constexpr size_t kBatch = 64;
constexpr size_t kMaxPacket = 1500;

}  // namespace

LoadClient::LoadClient(LoadConfig config)
    : config_(config), records_(static_cast<size_t>(config.calls)) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  int size = 32 * 1024 * 1024;
  // FORCE needs CAP_NET_ADMIN; the plain option is capped by net.core.[rw]mem_max.
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  timeval tv{0, 100'000};  // the receiver checks stop_ every 100 ms
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    throw std::runtime_error(std::string("bind: ") + std::strerror(errno));
  }
  socklen_t len = sizeof a;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

LoadClient::~LoadClient() {
  stop();
  if (fd_ >= 0) ::close(fd_);
}

void LoadClient::start() {
  stop_ = false;
  receiver_ = std::thread([this] { receiveLoop(); });
  sender_ = std::thread([this] { sendLoop(); });
}

void LoadClient::stop() {
  stop_ = true;
  if (sender_.joinable()) sender_.join();
  if (receiver_.joinable()) receiver_.join();
}

void LoadClient::sendLoop() {
  const CallerCycle& cyc = *config_.cycle;
  const auto frames = static_cast<int>(cyc.payloads.size());
  const int n = config_.calls;
  std::vector<int> phase(static_cast<size_t>(n));
  std::vector<uint16_t> seq(static_cast<size_t>(n));
  std::vector<uint32_t> ts(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    // Spread evenly over the cycle (golden-ratio order, so any prefix of calls is spread too).
    phase[static_cast<size_t>(i)] =
        static_cast<int>(static_cast<double>(frames) * std::fmod(0.6180339887 * i, 1.0));
    seq[static_cast<size_t>(i)] = static_cast<uint16_t>(i * 7919);
    ts[static_cast<size_t>(i)] = static_cast<uint32_t>(i) * 104729u;
  }
  std::vector<sockaddr_in> dest(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& d = dest[static_cast<size_t>(i)];
    d.sin_family = AF_INET;
    d.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d.sin_port = htons(static_cast<uint16_t>(config_.rtpBase + 2 * i));
  }
  std::vector<std::array<uint8_t, kMaxPacket>> bufs(kBatch);
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  struct Pending {
    int call;
    int kind;  // 1 onset, 2 last speech
  };
  std::vector<Pending> events;
  const int64_t t0 = monoNs() + 50'000'000;
  for (int64_t k = 0; !stop_; ++k) {
    const int64_t deadline = t0 + k * kFrameNs;
    timespec at{static_cast<time_t>(deadline / 1'000'000'000),
                static_cast<long>(deadline % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
    }
    sendLateNs_.push_back(monoNs() - deadline);
    size_t batch = 0;
    events.clear();
    auto flush = [&] {
      size_t off = 0;
      while (off < batch) {
        int r = sendmmsg(fd_, msgs.data() + off, static_cast<unsigned>(batch - off), 0);
        if (r <= 0) break;  // a full socket buffer drops the rest: seen as loss by the worker
        off += static_cast<size_t>(r);
      }
      const int64_t now = monoNs();
      for (const auto& e : events) {
        auto& rec = records_[static_cast<size_t>(e.call)];
        (e.kind == 1 ? rec.onsetSentNs : rec.lastSpeechSentNs).push_back(now);
      }
      events.clear();
      batch = 0;
    };
    for (int i = 0; i < n; ++i) {
      const auto si = static_cast<size_t>(i);
      const int f = static_cast<int>((k + phase[si]) % frames);
      const auto& payload = cyc.payloads[static_cast<size_t>(f)];
      auto& b = bufs[batch];
      b[0] = 0x80;
      b[1] = cyc.payloadType;
      b[2] = static_cast<uint8_t>(seq[si] >> 8);
      b[3] = static_cast<uint8_t>(seq[si] & 0xFF);
      const uint32_t t = ts[si];
      b[4] = static_cast<uint8_t>(t >> 24);
      b[5] = static_cast<uint8_t>(t >> 16);
      b[6] = static_cast<uint8_t>(t >> 8);
      b[7] = static_cast<uint8_t>(t);
      const uint32_t ssrc = 0x10000000u + static_cast<uint32_t>(i);
      b[8] = static_cast<uint8_t>(ssrc >> 24);
      b[9] = static_cast<uint8_t>(ssrc >> 16);
      b[10] = static_cast<uint8_t>(ssrc >> 8);
      b[11] = static_cast<uint8_t>(ssrc);
      std::memcpy(b.data() + 12, payload.data(), payload.size());
      ++seq[si];
      ts[si] += cyc.ticksPerFrame;
      iov[batch] = {b.data(), 12 + payload.size()};
      msgs[batch].msg_hdr = msghdr{};
      msgs[batch].msg_hdr.msg_name = &dest[si];
      msgs[batch].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      msgs[batch].msg_hdr.msg_iov = &iov[batch];
      msgs[batch].msg_hdr.msg_iovlen = 1;
      if (f == cyc.onsetFrame) events.push_back({i, 1});
      if (f == cyc.lastSpeechFrame) events.push_back({i, 2});
      if (++batch == kBatch) flush();
    }
    if (batch > 0) flush();
  }
}

void LoadClient::receiveLoop() {
  std::vector<std::array<uint8_t, kMaxPacket>> bufs(kBatch);
  std::array<iovec, kBatch> iov{};
  std::array<sockaddr_in, kBatch> from{};
  std::array<mmsghdr, kBatch> msgs{};
  std::vector<int64_t> lastAudioNs(records_.size(), 0);
  while (!stop_) {
    for (size_t j = 0; j < kBatch; ++j) {
      iov[j] = {bufs[j].data(), kMaxPacket};
      msgs[j].msg_hdr = msghdr{};
      msgs[j].msg_hdr.msg_name = &from[j];
      msgs[j].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      msgs[j].msg_hdr.msg_iov = &iov[j];
      msgs[j].msg_hdr.msg_iovlen = 1;
    }
    int r = recvmmsg(fd_, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (r <= 0) continue;  // timeout (checks stop_) or EINTR
    const int64_t now = monoNs();
    for (int j = 0; j < r; ++j) {
      const auto sj = static_cast<size_t>(j);
      const size_t len = msgs[sj].msg_len;
      const int port = ntohs(from[sj].sin_port);
      const int rel = port - config_.rtpBase;
      if (len < 12 || rel < 0 || (rel & 1) != 0 || rel / 2 >= config_.calls) continue;
      const auto call = static_cast<size_t>(rel / 2);
      const uint8_t* p = bufs[sj].data();
      if ((p[0] & 0xC0) != 0x80) continue;
      CallerRecord& rec = records_[call];
      ++rec.received;
      const auto s = static_cast<uint16_t>((p[2] << 8) | p[3]);
      if (rec.seqKnown) {
        const auto d = static_cast<uint16_t>(s - rec.nextSeq);
        if (d < 1000) {
          rec.seqGaps += d;
          rec.nextSeq = static_cast<uint16_t>(s + 1);
        }  // else a duplicate or reordered packet
      } else {
        rec.seqKnown = true;
        rec.nextSeq = static_cast<uint16_t>(s + 1);
      }
      const size_t header = 12 + 4 * static_cast<size_t>(p[0] & 0x0F);
      if (len <= header) continue;
      bool audio = false;
      if (config_.opus) {
        audio = len - header > config_.opusSilenceMaxBytes;
      } else {
        for (size_t b = header; b < len && !audio; ++b) audio = p[b] != 0xFF && p[b] != 0x7F;
      }
      if (!audio) continue;
      ++rec.agentAudio;
      int64_t& last = lastAudioNs[call];
      if (last != 0 && now - last <= kRunGapNs && !rec.agentRuns.empty()) {
        rec.agentRuns.back().second = now;
      } else {
        rec.agentRuns.emplace_back(now, now);
      }
      last = now;
    }
  }
}

}  // namespace parley::bench
