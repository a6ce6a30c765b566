#include "dialog/conversation/ToolExecutor.hpp"

#include <chrono>

#include "core/Error.hpp"
#include "tools/ToolRegistry.hpp"

namespace parley::dialog {

/// One round: shared by its jobs; lives on until the last job's after-work callback.
struct ThreadPoolToolExecutor::Round {
  ThreadPoolToolExecutor* owner = nullptr;  ///< null once cancelled or the executor died
  std::shared_ptr<tools::ToolRegistry> registry;
  std::vector<ToolCall> calls;
  /// One slot per call, by index. Each slot is written by exactly one job and read on the loop
  /// after every job finished (uv_after_work orders the memory), so no lock is needed.
  std::vector<ToolResult> results;
  size_t pendingJobs = 0;  ///< touched on the loop thread only
  Done done;
};

/// One thread-pool job: some of a round's calls, run in the listed order.
struct ThreadPoolToolExecutor::Job {
  uv_work_t req{};
  std::shared_ptr<Round> round;
  std::vector<size_t> indices;
};

ThreadPoolToolExecutor::ThreadPoolToolExecutor(uv_loop_t* loop,
                                               std::shared_ptr<tools::ToolRegistry> registry)
    : loop_(loop), registry_(std::move(registry)) {}

ThreadPoolToolExecutor::~ThreadPoolToolExecutor() {
  cancel();
}

ToolResult ThreadPoolToolExecutor::runCall(tools::ToolRegistry& registry, const ToolCall& call) {
  auto t0 = std::chrono::steady_clock::now();
  nlohmann::json r = registry.call(call.name, call.arguments, call.id);
  auto t1 = std::chrono::steady_clock::now();
  ToolResult res;
  res.toolCallId = call.id;
  res.name = call.name;
  res.error = r.is_object() && r.contains("error");
  res.json = r.dump();
  res.durationMs = std::chrono::duration<double, std::milli>(t1 - t0).count();
  return res;
}

void ThreadPoolToolExecutor::finishJob(uv_work_t* req, int /*status*/) {
  std::unique_ptr<Job> job(static_cast<Job*>(req->data));
  std::shared_ptr<Round> round = std::move(job->round);
  job.reset();
  if (--round->pendingJobs > 0 || !round->owner) return;  // more to come, or cancelled
  round->owner->round_ = nullptr;
  round->owner = nullptr;
  auto done = std::move(round->done);
  done(std::move(round->results));
}

void ThreadPoolToolExecutor::run(std::vector<ToolCall> calls, Done done) {
  cancel();
  auto round = std::make_shared<Round>();
  round->owner = this;
  round->registry = registry_;
  round->calls = std::move(calls);
  round->results.resize(round->calls.size());
  round->done = std::move(done);
  // Reads one job each; everything else in one ordered job.
  std::vector<std::vector<size_t>> groups;
  std::vector<size_t> ordered;
  for (size_t i = 0; i < round->calls.size(); ++i) {
    if (registry_->readOnly(round->calls[i].name))
      groups.push_back({i});
    else
      ordered.push_back(i);
  }
  if (!ordered.empty()) groups.push_back(std::move(ordered));
  if (groups.empty()) groups.emplace_back();  // an empty round still answers, on the loop
  round_ = round;
  for (auto& indices : groups) {
    auto job = std::make_unique<Job>();
    job->req.data = job.get();
    job->round = round;
    job->indices = std::move(indices);
    int rc = uv_queue_work(
        loop_, &job->req,
        [](uv_work_t* req) {
          auto* j = static_cast<Job*>(req->data);
          for (size_t i : j->indices)
            j->round->results[i] = runCall(*j->round->registry, j->round->calls[i]);
        },
        &ThreadPoolToolExecutor::finishJob);
    if (rc != 0) {
      cancel();  // the jobs already queued finish and are dropped
      throw core::SystemError("uv_queue_work", rc);
    }
    ++round->pendingJobs;
    job.release();  // owned by libuv until finishJob
  }
}

void ThreadPoolToolExecutor::cancel() {
  if (round_) round_->owner = nullptr;
  round_ = nullptr;
}

}  // namespace parley::dialog
