#include "dialog/local/LocalProviders.hpp"

#include <future>
#include <stdexcept>

#include "core/Log.hpp"
#include "core/LoopThread.hpp"
#include "dialog/local/LocalChatService.hpp"

namespace parley::dialog::local {

/// One server with its service on its own loop thread.
struct LocalProviders::Unit {
  explicit Unit(const std::string& name) : thread(name) {}
  core::LoopThread thread;
  std::unique_ptr<LocalService> service;
  std::unique_ptr<LocalServer> server;

  /// Runs `fn` on the loop thread and waits; rethrows what it threw.
  void run(const std::function<void()>& fn) {
    std::promise<void> done;
    if (!thread.post([&] {
          try {
            fn();
            done.set_value();
          } catch (...) {
            done.set_exception(std::current_exception());
          }
        }))
      throw std::runtime_error("loop thread " + thread.name() + " is stopping");
    done.get_future().get();
  }
  void shutdown() {
    if (!thread.running()) return;
    run([this] {
      if (server) server->close();
    });
    // Let libwebsockets close its handles on the loop, then free the rest there.
    for (int i = 0; i < 5; ++i) run([] {});
    run([this] {
      server.reset();
      service.reset();
    });
    thread.stop();
  }
};

LocalProviders::LocalProviders(LocalProvidersConfig config) : config_(std::move(config)) {}

LocalProviders::~LocalProviders() {
  stop();
}

void LocalProviders::start() {
  if (running_) return;
  if (config_.llm && config_.tenants.empty())
    throw std::invalid_argument("the local booking policy needs at least one tenant");
  core::Logger log("local-providers");
  const std::stop_token cancel = cancelStart_.get_token();
  try {
    throwIfCancelled(cancel);
    if (config_.llm) {
      auto u = std::make_unique<Unit>("local-llm");
      u->run([&] {
        auto svc = std::make_unique<LocalChatService>(config_.tenants.front(), *config_.clock);
        for (size_t i = 1; i < config_.tenants.size(); ++i) svc->addTenant(config_.tenants[i]);
        u->service = std::move(svc);
        u->server = std::make_unique<LocalServer>(u->thread.loop(), *u->service, config_.host,
                                                  config_.llmPort);
        llmPort_ = u->server->port();
      });
      units_.push_back(std::move(u));
    }
    throwIfCancelled(cancel);
    if (config_.tts) {
      auto u = std::make_unique<Unit>("local-tts");
      u->run([&] {
        u->service = std::make_unique<LocalTtsService>(u->thread.loop(), config_.ttsOptions);
        u->server = std::make_unique<LocalServer>(u->thread.loop(), *u->service, config_.host,
                                                  config_.ttsPort);
        ttsPort_ = u->server->port();
      });
      units_.push_back(std::move(u));
    }
    throwIfCancelled(cancel);
    if (config_.stt) {
      auto u = std::make_unique<Unit>("local-stt");
      u->run([&] {
        LocalSttOptions o = config_.sttOptions;
        o.model.stop = cancel;
        if (o.model.modelDir.empty()) o.model.modelDir = SphinxModel::defaultModelDir();
        if (o.model.tenants.empty()) o.model.tenants = config_.tenants;
        u->service = std::make_unique<LocalSttService>(u->thread.loop(), std::move(o));
        u->server = std::make_unique<LocalServer>(u->thread.loop(), *u->service, config_.host,
                                                  config_.sttPort);
        sttPort_ = u->server->port();
      });
      units_.push_back(std::move(u));
    }
  } catch (...) {
    stop();
    throw;
  }
  running_ = true;
  auto u = urls();
  log.info("local providers listening: stt {} tts {} llm {}", u.deepgramListen, u.elevenLabsStream,
           u.openAiBase);
}

void LocalProviders::stop() {
  for (auto it = units_.rbegin(); it != units_.rend(); ++it) (*it)->shutdown();
  units_.clear();
  running_ = false;
}

LocalProviderUrls LocalProviders::urls() const {
  LocalProviderUrls u;
  std::string base = config_.host;
  if (sttPort_) u.deepgramListen = "ws://" + base + ":" + std::to_string(sttPort_) + "/v1/listen";
  if (ttsPort_)
    u.elevenLabsStream =
        "ws://" + base + ":" + std::to_string(ttsPort_) + "/v1/text-to-speech/{voice}/stream-input";
  if (llmPort_) u.openAiBase = "http://" + base + ":" + std::to_string(llmPort_) + "/v1";
  return u;
}

}  // namespace parley::dialog::local
