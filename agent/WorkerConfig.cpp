#include "agent/WorkerConfig.hpp"

#include <thread>

#include "agent/fleet/RedisUrl.hpp"
#include "agent/session/ConversationSettings.hpp"
#include "core/Error.hpp"
#include "media/sip/SipSdp.hpp"

namespace parley::agent {
namespace {

std::optional<std::string> validListen(const std::string& v) {
  if (!core::SocketAddress::parse(v))
    return "must be a numeric host:port such as 0.0.0.0:8080 or [::]:8080, got '" + v + "'";
  return std::nullopt;
}

std::optional<std::string> validComponentLevels(const std::string& v) {
  // "media=debug,sip=info"
  size_t i = 0;
  while (i < v.size()) {
    size_t j = v.find(',', i);
    if (j == std::string::npos) j = v.size();
    std::string item = v.substr(i, j - i);
    auto eq = item.find('=');
    core::LogLevel l;
    if (!item.empty() && (eq == std::string::npos || eq == 0 ||
                          !core::parseLogLevel(item.substr(eq + 1), l)))
      return "must be component=level pairs separated by commas, got '" + item + "'";
    i = j + 1;
  }
  return std::nullopt;
}

std::optional<std::string> validPortRange(const std::string& v) {
  // "10000-20000": two ports per call (RTP even, RTCP odd), so at least two ports.
  auto dash = v.find('-');
  try {
    if (dash != std::string::npos) {
      long a = std::stol(v.substr(0, dash)), b = std::stol(v.substr(dash + 1));
      if (a >= 1024 && b <= 65535 && b > a) return std::nullopt;
    }
  } catch (const std::exception&) {
  }
  return "must be first-last within 1024-65535 with first < last, got '" + v + "'";
}

std::optional<std::string> validSipCodecs(const std::string& v) {
  if (media::sip::parseCodecList(v)) return std::nullopt;
  return "must be a comma list of PCMU, PCMA, opus, got '" + v + "'";
}

std::optional<std::string> validRedisUrl(const std::string& v) {
  std::string why;
  if (v.empty() || RedisUrl::parse(v, &why)) return std::nullopt;
  return "must be redis://[:password@]host:port[/db]: " + why;  // never echo it: a password
}

core::ConfigSchema buildSchema() {
  using core::ConfigType;
  core::ConfigSchema s;
  s.add({.path = "http.listen", .defaultValue = "0.0.0.0:8080",
         .doc = "address:port of the HTTP server (WHIP, API, health, metrics)",
         .validate = validListen});
  s.add({.path = "http.max_body_bytes", .type = ConfigType::Int, .defaultValue = "65536",
         .doc = "largest request body accepted, bytes (larger → 413)", .min = 1024,
         .max = 16 * 1024 * 1024});
  s.add({.path = "http.max_header_bytes", .type = ConfigType::Int, .defaultValue = "8192",
         .doc = "header buffer per request, bytes (larger → refused)", .min = 1024, .max = 65535});
  s.add({.path = "data_dir", .defaultValue = "./data",
         .doc = "directory for everything Parley writes (store, records, certificates)"});
  s.add({.path = "tenants_dir", .defaultValue = "config/tenants",
         .doc = "directory of tenant YAML files"});
  s.add({.path = "workers.threads", .type = ConfigType::Int, .defaultValue = "0",
         .doc = "media event-loop threads; 0 = one per core", .min = 0, .max = 256});
  s.add({.path = "drain_timeout_s", .type = ConfigType::Double, .defaultValue = "600",
         .doc = "after SIGTERM, seconds to let active calls finish", .min = 0, .max = 86400});
  s.add({.path = "drain_grace_s", .type = ConfigType::Double, .defaultValue = "1",
         .doc = "after SIGTERM, seconds /readyz answers 503 before the listener closes, so load "
                "balancers stop sending calls",
         .min = 0, .max = 300});
  s.add({.path = "log.level", .defaultValue = "info", .doc = "default log level",
         .choices = {"trace", "debug", "info", "warn", "error", "off"}});
  s.add({.path = "log.format", .defaultValue = "auto",
         .doc = "auto (text on a TTY, JSON lines otherwise), text or json",
         .choices = {"auto", "text", "json"}});
  s.add({.path = "log.components", .defaultValue = "",
         .doc = "per-component levels, e.g. media=debug,sip=info",
         .validate = validComponentLevels});
  s.add({.path = "providers.deepgram.api_key", .defaultValue = "",
         .doc = "Deepgram key; empty = local STT", .envAliases = {"DEEPGRAM_API_KEY"},
         .secret = true});
  s.add({.path = "providers.deepgram.url", .defaultValue = "wss://api.deepgram.com/v1/listen",
         .doc = "Deepgram live websocket URL (query parameters are added)"});
  s.add({.path = "providers.deepgram.model", .defaultValue = "nova-3", .doc = "Deepgram model"});
  s.add({.path = "providers.deepgram.language", .defaultValue = "en",
         .doc = "Deepgram language code"});
  s.add({.path = "providers.openai.api_key", .defaultValue = "",
         .doc = "OpenAI-compatible LLM key; empty = local scripted policy",
         .envAliases = {"OPENAI_API_KEY"}, .secret = true});
  s.add({.path = "providers.openai.base_url", .defaultValue = "https://api.openai.com/v1",
         .doc = "OpenAI-compatible endpoint base URL", .envAliases = {"OPENAI_BASE_URL"}});
  s.add({.path = "providers.openai.model", .defaultValue = "gpt-4.1-mini",
         .doc = "chat model name at that endpoint"});
  s.add({.path = "providers.openai.tts_base_url", .defaultValue = "",
         .doc = "base URL of /audio/speech; empty = providers.openai.base_url"});
  s.add({.path = "providers.openai.tts_model", .defaultValue = "gpt-4o-mini-tts",
         .doc = "OpenAI speech model"});
  s.add({.path = "providers.openai.tts_voice", .defaultValue = "alloy",
         .doc = "OpenAI speech voice"});
  s.add({.path = "providers.elevenlabs.api_key", .defaultValue = "",
         .doc = "ElevenLabs key; empty = local TTS",
         .envAliases = {"ELEVEN_API_KEY", "ELEVENLABS_API_KEY"},
         .secret = true});
  s.add({.path = "providers.elevenlabs.url",
         .defaultValue = "wss://api.elevenlabs.io/v1/text-to-speech/{voice}/stream-input",
         .doc = "ElevenLabs stream-input websocket URL; {voice} = voice_id"});
  s.add({.path = "providers.elevenlabs.voice_id", .defaultValue = "21m00Tcm4TlvDq8ikWAM",
         .doc = "ElevenLabs voice id"});
  s.add({.path = "providers.elevenlabs.model_id", .defaultValue = "eleven_flash_v2_5",
         .doc = "ElevenLabs model id"});
  // WebRTC / WHIP (issue 8).
  s.add({.path = "webrtc.port", .type = ConfigType::Int, .defaultValue = "0",
         .doc = "UDP port of WebRTC calls (STUN, DTLS, SRTP share it); 0 = a free port per media "
                "loop, calls spread over the loops; N = one socket on the first media loop",
         .min = 0, .max = 65535});
  s.add({.path = "webrtc.public_ip", .defaultValue = "",
         .doc = "IP put in the SDP host candidate; empty = 127.0.0.1 (browsers on this host)"});
  s.add({.path = "webrtc.max_sessions", .type = ConfigType::Int, .defaultValue = "50",
         .doc = "browser calls at once; more → 503 + Retry-After", .min = 0, .max = 100000});
  s.add({.path = "webrtc.bearer_token", .defaultValue = "",
         .doc = "if set, POST /whip/{tenant} needs Authorization: Bearer <token> (else 401)",
         .secret = true});
  s.add({.path = "webrtc.web_dir", .defaultValue = "agent/web",
         .doc = "directory of the test-call page served at /"});
  // SIP trunk (issue 9).
  s.add({.path = "sip.enabled", .type = ConfigType::Bool, .defaultValue = "false",
         .doc = "run the SIP user agent (phone calls over a SIP trunk)"});
  s.add({.path = "sip.listen", .defaultValue = "0.0.0.0:5060",
         .doc = "address:port for SIP over UDP and TCP", .validate = validListen});
  s.add({.path = "sip.tls_listen", .defaultValue = "",
         .doc = "address:port for SIP over TLS (sips, e.g. 0.0.0.0:5061); empty = no TLS; needs "
                "sip.tls_certificate and sip.tls_key",
         .validate = [](const std::string& v) -> std::optional<std::string> {
           if (v.empty()) return std::nullopt;
           return validListen(v);
         }});
  s.add({.path = "sip.tls_certificate", .defaultValue = "",
         .doc = "PEM certificate chain for SIP over TLS (e.g. fullchain.pem)"});
  s.add({.path = "sip.tls_key", .defaultValue = "",
         .doc = "PEM private key of sip.tls_certificate (mode 0600)"});
  s.add({.path = "sip.public_ip", .defaultValue = "",
         .doc = "IP written in SDP (where trunks send RTP); empty = the listen IP, or 127.0.0.1 "
                "when listening on 0.0.0.0"});
  s.add({.path = "sip.rtp_ports", .defaultValue = "10000-20000",
         .doc = "UDP port range for RTP/RTCP, first-last (two ports per call)",
         .validate = validPortRange});
  s.add({.path = "sip.codecs", .defaultValue = "PCMU,PCMA,opus",
         .doc = "codecs we answer with, among those offered (the offerer's order wins)",
         .validate = validSipCodecs});
  s.add({.path = "sip.trunks_file", .defaultValue = "config/sip-trunks.yaml",
         .doc = "YAML file of trunks: inbound source allowlists, outbound URI and credentials"});
  s.add({.path = "sip.media_timeout_s", .type = ConfigType::Double, .defaultValue = "30",
         .doc = "seconds without RTP/RTCP from the caller before the call is ended", .min = 1,
         .max = 3600});
  s.add({.path = "sip.max_calls", .type = ConfigType::Int, .defaultValue = "100",
         .doc = "SIP calls at once; more → 503 + Retry-After", .min = 0, .max = 100000});
  s.add({.path = "sip.retry_after_s", .type = ConfigType::Int, .defaultValue = "5",
         .doc = "Retry-After seconds sent with 503 when full or draining", .min = 1, .max = 3600});
  s.add({.path = "sip.ring_ms", .type = ConfigType::Int, .defaultValue = "0",
         .doc = "milliseconds of ringing (180) before answering", .min = 0, .max = 60000});
  s.add({.path = "sip.session_timer_s", .type = ConfigType::Int, .defaultValue = "1800",
         .doc = "RFC 4028 Session-Expires, seconds; 0 = no session timers", .min = 0,
         .max = 86400});
  // Many workers (issue 10): call records, API keys, admission, webhooks, Redis.
  s.add({.path = "records.file", .defaultValue = "calls.sqlite",
         .doc = "SQLite file of call records, under data_dir"});
  s.add({.path = "api.admin_key_sha256", .defaultValue = "",
         .doc = "SHA-256 (hex) of the admin API key (sees every tenant); empty = none",
         .envAliases = {"PARLEY_ADMIN_KEY_SHA256"}, .secret = true});
  s.add({.path = "api.keys_file", .defaultValue = "config/api-keys.yaml",
         .doc = "YAML list of per-tenant API keys as SHA-256 hashes; missing file = none"});
  s.add({.path = "admission.max_sessions", .type = ConfigType::Int, .defaultValue = "100",
         .doc = "calls at once on this worker, every leg; more → 503 + Retry-After (WHIP, SIP)",
         .min = 0, .max = 100000});
  s.add({.path = "admission.load_threshold", .type = ConfigType::Double, .defaultValue = "0.7",
         .doc = "refuse new calls at or above this load (max of CPU per core and loop lag / "
                "lag_budget_ms, smoothed)",
         .min = 0, .max = 100});
  s.add({.path = "admission.lag_budget_ms", .type = ConfigType::Double, .defaultValue = "50",
         .doc = "event-loop lag that counts as load 1.0, ms", .min = 1, .max = 10000});
  s.add({.path = "admission.retry_after_s", .type = ConfigType::Int, .defaultValue = "5",
         .doc = "Retry-After seconds sent when a call is refused (full, overloaded)", .min = 1,
         .max = 3600});
  s.add({.path = "api.rate_limit_per_min", .type = ConfigType::Int, .defaultValue = "100",
         .doc = "requests per minute per API key (bursts up to this); more → 429 + Retry-After",
         .min = 1, .max = 1000000});
  s.add({.path = "webhooks.file", .defaultValue = "config/webhooks.yaml",
         .doc = "YAML of per-tenant webhook URLs and where their secrets are (env or 0600 file); "
                "missing file = no webhooks"});
  s.add({.path = "webhooks.outbox_file", .defaultValue = "webhooks.sqlite",
         .doc = "SQLite outbox of undelivered webhook events, under data_dir"});
  s.add({.path = "webhooks.timeout_ms", .type = ConfigType::Int, .defaultValue = "10000",
         .doc = "deadline of one delivery, ms", .min = 100, .max = 120000});
  s.add({.path = "webhooks.initial_backoff_ms", .type = ConfigType::Int, .defaultValue = "1000",
         .doc = "wait after the first failed delivery, ms; doubles per attempt", .min = 10,
         .max = 3600000});
  s.add({.path = "webhooks.max_backoff_s", .type = ConfigType::Double, .defaultValue = "3600",
         .doc = "longest wait between attempts, s", .min = 0.01, .max = 86400});
  s.add({.path = "webhooks.max_age_h", .type = ConfigType::Double, .defaultValue = "24",
         .doc = "events older than this are given up (marked dead), hours", .min = 0.001,
         .max = 720});
  s.add({.path = "webhooks.claim_idle_ms", .type = ConfigType::Int, .defaultValue = "60000",
         .doc = "with redis: a webhook event a worker read but did not finish for this long "
                "(it died) is taken over by another worker, ms",
         .min = 500, .max = 3600000});
  s.add({.path = "redis.url", .defaultValue = "",
         .doc = "redis://[:password@]host:port[/db] of the fleet's Redis; empty = this worker "
                "runs alone",
         .envAliases = {"REDIS_URL"}, .secret = true, .validate = validRedisUrl});
  s.add({.path = "redis.prefix", .defaultValue = "parley",
         .doc = "prefix of every Redis key and stream this fleet uses"});
  s.add({.path = "redis.calls_stream_maxlen", .type = ConfigType::Int, .defaultValue = "100000",
         .doc = "approximate length cap of the <prefix>:calls stream (XADD MAXLEN ~)", .min = 100,
         .max = 100000000});
  s.add({.path = "availability_cache.ttl_s", .type = ConfigType::Double, .defaultValue = "30",
         .doc = "how long check_availability's store reads are reused, s (per tenant/staff/day; "
                "dropped on every booking change, fleet-wide with redis); 0 = no cache",
         .min = 0, .max = 3600});
  s.add({.path = "availability_cache.max_entries", .type = ConfigType::Int,
         .defaultValue = "50000", .doc = "most cached tenant/staff/day entries (memory bound)",
         .min = 100, .max = 10000000});
  s.add({.path = "fleet.worker_id", .defaultValue = "",
         .doc = "this worker's id in the registry; empty = hostname-pid"});
  s.add({.path = "fleet.advertise_url", .defaultValue = "",
         .doc = "base URL other workers redirect WHIP calls to; empty = http://<listen ip>:<port>"});
  s.add({.path = "fleet.heartbeat_ms", .type = ConfigType::Int, .defaultValue = "2000",
         .doc = "registry heartbeat interval, ms", .min = 100, .max = 60000});
  s.add({.path = "fleet.ttl_ms", .type = ConfigType::Int, .defaultValue = "10000",
         .doc = "registry entry lifetime without a heartbeat, ms (a dead worker drops out)",
         .min = 300, .max = 600000});
  s.add({.path = "fleet.outbound_poll_ms", .type = ConfigType::Int, .defaultValue = "500",
         .doc = "how often a worker with room looks for outbound jobs, ms", .min = 10,
         .max = 60000});
  s.add({.path = "fleet.outbound_claim_idle_ms", .type = ConfigType::Int, .defaultValue = "60000",
         .doc = "an outbound job idle this long belongs to a dead worker and is taken over, ms",
         .min = 100, .max = 3600000});
  addConversationKeys(s);  // conversation.* (issue 7)
  return s;
}

}  // namespace

const core::ConfigSchema& workerConfigSchema() {
  static const core::ConfigSchema schema = buildSchema();
  return schema;
}

WorkerSettings loadWorkerSettings(const std::optional<std::filesystem::path>& file,
                                  const core::EnvLookup& env) {
  core::Config cfg = core::Config::load(workerConfigSchema(), file, env);
  WorkerSettings s{.raw = cfg};
  s.httpListen = *core::SocketAddress::parse(cfg.getString("http.listen"));
  s.httpMaxBodyBytes = static_cast<size_t>(cfg.getInt("http.max_body_bytes"));
  s.httpMaxHeaderBytes = static_cast<size_t>(cfg.getInt("http.max_header_bytes"));
  s.dataDir = cfg.getString("data_dir");
  s.tenantsDir = cfg.getString("tenants_dir");
  auto threads = cfg.getInt("workers.threads");
  s.threads = threads > 0 ? static_cast<unsigned>(threads)
                          : std::max(1u, std::thread::hardware_concurrency());
  s.drainTimeoutS = cfg.getDouble("drain_timeout_s");
  s.drainGraceS = cfg.getDouble("drain_grace_s");
  s.conversation = conversationConfigFrom(cfg);
  core::parseLogLevel(cfg.getString("log.level"), s.log.level);
  const std::string& fmt = cfg.getString("log.format");
  s.log.format = fmt == "json"   ? core::LogFormat::Json
                 : fmt == "text" ? core::LogFormat::Text
                                 : core::LogFormat::Auto;
  const std::string& comps = cfg.getString("log.components");
  size_t i = 0;
  while (i < comps.size()) {
    size_t j = comps.find(',', i);
    if (j == std::string::npos) j = comps.size();
    std::string item = comps.substr(i, j - i);
    auto eq = item.find('=');
    core::LogLevel l;
    if (eq != std::string::npos && core::parseLogLevel(item.substr(eq + 1), l))
      s.log.componentLevels[item.substr(0, eq)] = l;
    i = j + 1;
  }
  return s;
}

std::optional<std::filesystem::path> defaultConfigPath(const core::EnvLookup& env) {
  if (auto p = env("PARLEY_CONFIG"); p && !p->empty()) return std::filesystem::path(*p);
  std::filesystem::path local = "config/parley.yaml";
  std::error_code ec;
  if (std::filesystem::exists(local, ec)) return local;
  return std::nullopt;
}

}  // namespace parley::agent
