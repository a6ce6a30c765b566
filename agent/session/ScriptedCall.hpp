#pragma once
// One whole scripted call, start to end, on the calling thread: renders the caller's turns,
// starts the local engines (or uses the given/cloud providers), makes a loop with its
// websocket/HTTP services, runs a Session over a ScriptedCallerLeg in virtual or real time, and
// tears everything down. `parley console` and the end-to-end conversation tests use it.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "agent/session/CallerScript.hpp"
#include "agent/session/ProviderSettings.hpp"
#include "agent/session/SessionObserver.hpp"

namespace parley::tools {
struct Tenant;
class BookingStore;
}  // namespace parley::tools

namespace parley::agent {

struct ScriptedCallSetup {
  std::shared_ptr<const tools::Tenant> tenant;
  CallerScript script;
  std::shared_ptr<tools::BookingStore> store;
  /// "local" (embedded engines, started for this call) or "cloud" (environment keys).
  std::string providers = "local";
  /// Replaces the provider endpoints (tests with protocol peers); `providers` is then ignored.
  std::optional<ProviderSettings> providerSettings;
  /// Adjusts the chosen endpoints (e.g. one role pointed at a failing test peer).
  std::function<void(ProviderSettings&)> adjustProviders;
  /// Changes to the conversation's knobs (applied over the defaults).
  std::optional<dialog::ConversationConfig> conversation;
  bool realtime = false;
  /// The wall time the call happens at (virtual time starts here; the policy's "today").
  std::chrono::system_clock::time_point wallStart = std::chrono::system_clock::now();
  std::vector<SessionObserver*> observers;  ///< borrowed
  std::string callId;                       ///< "" = generated
};

struct ScriptedCallResult {
  dialog::CallRecord record;
  std::vector<int16_t> agentAudio;    ///< 16 kHz mono, as the caller heard it
  std::vector<int16_t> callerAudio;   ///< 16 kHz mono, aligned with agentAudio
  std::vector<int64_t> turnStartsMs;  ///< media time each caller turn started (-1: not reached)
  int64_t mediaMs = 0;
};

/// Runs the call. Throws core::Error (unknown voice, unreadable WAV, local engines that cannot
/// start) before the call; once it runs, failures end up in the record.
ScriptedCallResult runScriptedCall(ScriptedCallSetup setup);

}  // namespace parley::agent
