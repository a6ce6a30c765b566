#pragma once
// The measured side of scripts/bench-calls: a worker process that runs N real calls, each a real
// agent::Session on a real media::sip::SipLeg (plain RTP, PCMU 8 kHz or Opus 48 kHz clock) on
// the worker's media-loop setup (agent/Worker.cpp: one LoopThread per core, each with its Pacer,
// WsClientContext and CurlMulti). The load client starts it as a child process
// (`parley_bench_calls --worker`) and drives it over stdin/stdout, one JSON object per line:
//
//   → {"cmd":"start","codec":"pcmu"|"opus","calls":N,"rtpBase":P,"client":"127.0.0.1:port",
//      "stt":url,"llm":baseUrl,"tts":url,"aec":bool,"tenant":path}
//   ← {"ok":true,"rssBaseline":bytes,"started":N,"errors":[...]}
//      Call i listens on 127.0.0.1:P+2i (RTCP P+2i+1) and sends its RTP to "client".
//   → {"cmd":"mark"}    starts the measurement window (CPU, pacer, per-turn data)
//   ← {"ok":true,"monoNs":t}
//   → {"cmd":"stats"}   ends it
//   ← {"ok":true,"cpuS":…,"wallS":…,"rss":…,"loops":[…],"turns":[…],"bargeIns":[…],…}
//   → {"cmd":"stop"}    hangs every call up and exits 0 after ← {"ok":true}
//
// Times are CLOCK_MONOTONIC ns (std::chrono::steady_clock, as core::SystemClock), the same
// clock as the load client's on this machine, so events match across the two processes.
namespace parley::bench {

/// Runs the worker side until "stop" or end of input. Returns the exit code.
int runBenchWorker();

}  // namespace parley::bench
