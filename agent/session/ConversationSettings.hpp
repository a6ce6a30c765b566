#pragma once
// The `conversation:` block of config/parley.yaml: the turn-taking knobs of every call
// (dialog::ConversationConfig, DESIGN.md §6). Durations are seconds in YAML, as LiveKit's
// AgentSession takes them (min_endpointing_delay=0.5 …), and milliseconds in ConversationConfig.
// The worker (WorkerContext::providerSettingsFor) and `parley console` both read it. A tenant
// file may override some of the keys for its own calls in a `conversation:` block of its own.
#include "core/Config.hpp"
#include "dialog/conversation/ConversationConfig.hpp"
#include "tools/Tenant.hpp"

namespace parley::agent {

/// Declares the conversation.* keys (type, default, range, one-line doc) in `schema`.
void addConversationKeys(core::ConfigSchema& schema);

/// The conversation knobs from a config validated against a schema with those keys. Each key is
/// range-checked by the schema; this adds the checks across keys (min_endpointing_delay ≤
/// max_endpointing_delay, finalize_after_silence ≤ min_endpointing_delay) and throws
/// core::ConfigError naming the key, where it was set and what to fix.
dialog::ConversationConfig conversationConfigFrom(const core::Config& config);

/// A tenant's calls: `worker` with the keys of the tenant's `conversation:` block
/// (tools::Tenant::conversationYaml, same keys, units and ranges as the worker's block) over it.
/// Environment overrides do not apply to it. Throws core::ConfigError naming the key and the
/// tenant file:line (unknown key, wrong type, out of range, or a cross-key rule broken by the
/// merged values). No block: `worker` as is.
dialog::ConversationConfig tenantConversationConfig(const dialog::ConversationConfig& worker,
                                                    const tools::Tenant& tenant);

}  // namespace parley::agent
