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
  bool prefetch = false;    ///< results go to the executor's memory, not to `done`
  uint64_t generation = 0;  ///< prefetch: the executor's prefetchGeneration_ when started
};

/// One thread-pool job: some of a round's calls, run in the listed order.
struct ThreadPoolToolExecutor::Job {
  uv_work_t req{};
  std::shared_ptr<Round> round;
  std::vector<size_t> indices;
};

namespace {

/// The memory key of a call: its name and its arguments as canonical JSON (keys sorted, no
/// spaces), so {"a":1, "b":2} and {"b":2,"a":1} match. "" for unparsable arguments (never kept).
std::string prefetchKey(const ToolCall& call) {
  auto first = call.arguments.find_first_not_of(" \t\r\n");
  nlohmann::json args = first == std::string::npos
                            ? nlohmann::json::object()
                            : nlohmann::json::parse(call.arguments, nullptr, false);
  if (args.is_discarded()) return "";
  return call.name + "\n" + args.dump();
}

}  // namespace

ThreadPoolToolExecutor::ThreadPoolToolExecutor(uv_loop_t* loop,
                                               std::shared_ptr<tools::ToolRegistry> registry)
    : loop_(loop), registry_(std::move(registry)) {}

ThreadPoolToolExecutor::~ThreadPoolToolExecutor() {
  cancel();
  if (prefetch_) prefetch_->owner = nullptr;
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
  if (round->prefetch) return round->owner->storePrefetched(*round);
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
  if (!prefetched_.empty() && std::chrono::steady_clock::now() - prefetchedAt_ > kPrefetchTtl)
    prefetched_.clear();
  // Reads one job each (or from memory); everything else in one ordered job.
  std::vector<std::vector<size_t>> groups;
  std::vector<size_t> ordered;
  for (size_t i = 0; i < round->calls.size(); ++i) {
    const ToolCall& call = round->calls[i];
    if (!registry_->readOnly(call.name)) {
      ordered.push_back(i);
      continue;
    }
    auto hit = prefetched_.empty() ? prefetched_.end() : prefetched_.find(prefetchKey(call));
    if (hit != prefetched_.end()) {
      round->results[i] = std::move(hit->second);
      round->results[i].toolCallId = call.id;
      prefetched_.erase(hit);  // answers one call: a repeat asks the store again
      continue;
    }
    groups.push_back({i});
  }
  if (!ordered.empty()) {
    groups.push_back(std::move(ordered));
    forgetPrefetched();  // the writes may change what the lookups would return
  }
  if (groups.empty()) groups.emplace_back();  // still answers on the loop, never inside run()
  round_ = round;
  queue(round, std::move(groups));
}

void ThreadPoolToolExecutor::prefetch(std::vector<ToolCall> calls) {
  if (prefetch_) prefetch_->owner = nullptr;  // a newer prefetch replaces an unfinished one
  prefetch_ = nullptr;
  auto round = std::make_shared<Round>();
  round->owner = this;
  round->registry = registry_;
  round->prefetch = true;
  round->generation = prefetchGeneration_;
  for (auto& c : calls)
    if (registry_->readOnly(c.name) && !prefetchKey(c).empty())
      round->calls.push_back(std::move(c));
  if (round->calls.empty()) return;
  round->results.resize(round->calls.size());
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < round->calls.size(); ++i) groups.push_back({i});
  prefetch_ = round;
  queue(round, std::move(groups));
}

void ThreadPoolToolExecutor::storePrefetched(Round& round) {
  round.owner = nullptr;
  prefetch_ = nullptr;
  if (round.generation != prefetchGeneration_) return;  // a write came first: stale
  for (size_t i = 0; i < round.calls.size(); ++i) {
    ToolResult r = std::move(round.results[i]);
    if (r.error) continue;  // a failed lookup is asked again when needed
    r.prefetched = true;
    prefetched_[prefetchKey(round.calls[i])] = std::move(r);
  }
  prefetchedAt_ = std::chrono::steady_clock::now();
}

void ThreadPoolToolExecutor::forgetPrefetched() {
  prefetched_.clear();
  ++prefetchGeneration_;
}

void ThreadPoolToolExecutor::queue(const std::shared_ptr<Round>& round,
                                   std::vector<std::vector<size_t>> groups) {
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
      round->owner = nullptr;  // the jobs already queued finish and are dropped
      if (round == round_) round_ = nullptr;
      if (round == prefetch_) prefetch_ = nullptr;
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
