#include "dialog/conversation/ToolExecutor.hpp"

#include <chrono>

#include "core/Error.hpp"
#include "tools/ToolRegistry.hpp"

namespace parley::dialog {

struct ThreadPoolToolExecutor::Job {
  uv_work_t req{};
  ThreadPoolToolExecutor* owner = nullptr;  ///< null once cancelled or the executor died
  std::shared_ptr<tools::ToolRegistry> registry;
  std::vector<ToolCall> calls;
  std::vector<ToolResult> results;
  Done done;
};

ThreadPoolToolExecutor::ThreadPoolToolExecutor(uv_loop_t* loop,
                                               std::shared_ptr<tools::ToolRegistry> registry)
    : loop_(loop), registry_(std::move(registry)) {}

ThreadPoolToolExecutor::~ThreadPoolToolExecutor() {
  cancel();
}

std::vector<ToolResult> ThreadPoolToolExecutor::runRound(tools::ToolRegistry& registry,
                                                         const std::vector<ToolCall>& calls) {
  std::vector<ToolResult> out;
  for (const auto& c : calls) {
    auto t0 = std::chrono::steady_clock::now();
    nlohmann::json r = registry.call(c.name, c.arguments, c.id);
    auto t1 = std::chrono::steady_clock::now();
    ToolResult res;
    res.toolCallId = c.id;
    res.name = c.name;
    res.error = r.is_object() && r.contains("error");
    res.json = r.dump();
    res.durationMs = std::chrono::duration<double, std::milli>(t1 - t0).count();
    out.push_back(std::move(res));
  }
  return out;
}

void ThreadPoolToolExecutor::run(std::vector<ToolCall> calls, Done done) {
  cancel();
  auto* job = new Job;
  job->req.data = job;
  job->owner = this;
  job->registry = registry_;
  job->calls = std::move(calls);
  job->done = std::move(done);
  int rc = uv_queue_work(
      loop_, &job->req,
      [](uv_work_t* req) {
        auto* j = static_cast<Job*>(req->data);
        j->results = runRound(*j->registry, j->calls);
      },
      [](uv_work_t* req, int /*status*/) {
        std::unique_ptr<Job> j(static_cast<Job*>(req->data));
        if (!j->owner) return;  // cancelled: the result is dropped
        j->owner->job_ = nullptr;
        auto onDone = std::move(j->done);
        auto results = std::move(j->results);
        j.reset();
        onDone(std::move(results));
      });
  if (rc != 0) {
    delete job;
    throw core::SystemError("uv_queue_work", rc);
  }
  job_ = job;
}

void ThreadPoolToolExecutor::cancel() {
  if (job_) job_->owner = nullptr;
  job_ = nullptr;
}

}  // namespace parley::dialog
