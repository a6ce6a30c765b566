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
#include <uv.h>

#include <functional>
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

  /// Runs one call synchronously on the calling thread, timing it (used by the jobs).
  static ToolResult runCall(tools::ToolRegistry& registry, const ToolCall& call);

 private:
  struct Round;
  struct Job;
  static void finishJob(uv_work_t* req, int status);
  uv_loop_t* loop_;
  std::shared_ptr<tools::ToolRegistry> registry_;
  std::shared_ptr<Round> round_;  ///< the pending round (its jobs hold it too)
};

}  // namespace parley::dialog
