#pragma once
// Runs one round of the LLM's tool calls off the conversation's loop thread, so a slow booking
// store never stalls the 20 ms media path (DESIGN.md §2 "Never block a loop") and the agent can
// say a filler while it waits. The round's calls run in order on one libuv thread-pool job —
// ToolRegistry::call is safe from one thread at a time — and the results come back on the loop.
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

/// The real executor: uv_queue_work on `loop` with a shared registry.
class ThreadPoolToolExecutor final : public ToolExecutor {
 public:
  /// `loop` is borrowed; `registry` is shared with the background job so it outlives it.
  ThreadPoolToolExecutor(uv_loop_t* loop, std::shared_ptr<tools::ToolRegistry> registry);
  ~ThreadPoolToolExecutor() override;
  void run(std::vector<ToolCall> calls, Done done) override;
  void cancel() override;
  bool busy() const override { return job_ != nullptr; }

  /// Runs a round synchronously on the calling thread (used by the job; exposed for tests).
  static std::vector<ToolResult> runRound(tools::ToolRegistry& registry,
                                          const std::vector<ToolCall>& calls);

 private:
  struct Job;
  uv_loop_t* loop_;
  std::shared_ptr<tools::ToolRegistry> registry_;
  Job* job_ = nullptr;  ///< the pending job (owned by libuv until its after-work callback)
};

}  // namespace parley::dialog
