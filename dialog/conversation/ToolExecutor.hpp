#pragma once
// Runs one round of the LLM's tool calls off the conversation's loop thread, so a slow booking
// store never stalls the 20 ms media path (DESIGN.md §2 "Never block a loop") and the agent can
// say a filler while it waits. The LLM marks calls of one round as independent by sending them
// together (OpenAI `parallel_tool_calls`, on by default), so:
//  * readOnly tools (ToolDefinition::readOnly: availability, lookups) each get their own libuv
//    thread-pool job and run concurrently;
//  * every other call (book, cancel, reschedule, end, transfer) runs in one job, one after the
//    other in the LLM's order, so two writes of one round never race; writes of different calls
//    to one tenant are serialized by the store (BookingStore is thread-safe, one transaction each);
//  * the results come back on the loop in the calls' order, once the whole round is done.
// At call start the conversation may prefetch() lookups its first turns will need (the caller's
// appointments, availability; issue 7 "Call start"), so those calls are answered from memory.
#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dialog/llm/LlmClient.hpp"

namespace parley::tools {
class ToolRegistry;
}

namespace parley::dialog {

struct ToolResult {
  std::string toolCallId;
  std::string name;
  std::string json;  ///< the result object as JSON text (a tool error is {"error": …})
  double durationMs = 0;
  bool error = false;
  bool prefetched = false;  ///< answered from a prefetch() made earlier in the call
};

/// Executes tool rounds. Events: `done` runs on the loop thread once per run() unless cancelled.
class ToolExecutor {
 public:
  using Done = std::function<void(std::vector<ToolResult>)>;
  virtual ~ToolExecutor() = default;
  /// Starts a round; at most one at a time.
  virtual void run(std::vector<ToolCall> calls, Done done) = 0;
  /// Drops the pending round's result (it still finishes in the background). Idempotent.
  virtual void cancel() = 0;
  virtual bool busy() const = 0;
  /// Starts `calls` in the background (call start, in parallel with the greeting) and keeps
  /// their results, so a later run() with a call of the same name and arguments is answered
  /// from memory. Only readOnly calls are prefetched; the others are ignored. Default: nothing.
  virtual void prefetch(std::vector<ToolCall> /*calls*/) {}
};

/// The real executor: uv_queue_work on `loop` with a shared registry. libuv's pool has
/// UV_THREADPOOL_SIZE threads (default 4) shared by the process, so a round's reads run at most
/// that wide; a busy pool delays them, never drops them.
class ThreadPoolToolExecutor final : public ToolExecutor {
 public:
  /// `loop` is borrowed; `registry` is shared with the background jobs so it outlives them. Every
  /// tool must be added before the first run(). Throws core::SystemError if libuv refuses a job.
  ThreadPoolToolExecutor(uv_loop_t* loop, std::shared_ptr<tools::ToolRegistry> registry);
  ~ThreadPoolToolExecutor() override;
  void run(std::vector<ToolCall> calls, Done done) override;
  void cancel() override;
  bool busy() const override { return round_ != nullptr; }
  /// Each prefetched result answers one later call with the same name and arguments (compared as
  /// parsed JSON), within kPrefetchTtl; a round with a non-readOnly call (a booking changes what
  /// lookups return) forgets them all, including prefetches still running.
  void prefetch(std::vector<ToolCall> calls) override;

  /// How long prefetched results stay usable: the first turns of a call, not the whole call
  /// (availability changes as other callers book).
  static constexpr std::chrono::seconds kPrefetchTtl{120};

  /// Runs one call synchronously on the calling thread, timing it (used by the jobs).
  static ToolResult runCall(tools::ToolRegistry& registry, const ToolCall& call);

 private:
  struct Round;
  struct Job;
  static void finishJob(uv_work_t* req, int status);
  void queue(const std::shared_ptr<Round>& round, std::vector<std::vector<size_t>> groups);
  void storePrefetched(Round& round);
  void forgetPrefetched();
  uv_loop_t* loop_;
  std::shared_ptr<tools::ToolRegistry> registry_;
  std::shared_ptr<Round> round_;     ///< the pending round (its jobs hold it too)
  std::shared_ptr<Round> prefetch_;  ///< the pending prefetch, if any
  /// Prefetched results by name + canonical arguments (loop thread only).
  std::map<std::string, ToolResult> prefetched_;
  std::chrono::steady_clock::time_point prefetchedAt_{};
  uint64_t prefetchGeneration_ = 0;  ///< bumped by forgetPrefetched(): late results are dropped
};

}  // namespace parley::dialog
