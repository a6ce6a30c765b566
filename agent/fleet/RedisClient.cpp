#include "agent/fleet/RedisClient.hpp"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace parley::agent {
namespace {

RedisValue convert(const redisReply* r) {
  RedisValue v;
  if (!r) {
    v.missing = true;
    return v;
  }
  switch (r->type) {
    case REDIS_REPLY_STATUS:
      v.type = RedisValue::Type::Status;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      v.type = RedisValue::Type::Error;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::Integer;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      v.type = RedisValue::Type::String;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::Array;
      for (size_t i = 0; i < r->elements; ++i) v.elements.push_back(convert(r->element[i]));
      break;
    default:
      v.type = RedisValue::Type::Nil;
  }
  return v;
}

}  // namespace

struct RedisClient::Pending {
  RedisClient* owner;
  Callback cb;
};

RedisClient::RedisClient(uv_loop_t* loop, RedisUrl url, std::function<void()> onConnected,
                         uint64_t reconnectMs)
    : loop_(loop),
      url_(std::move(url)),
      onConnected_(std::move(onConnected)),
      reconnectMs_(reconnectMs),
      reconnect_(loop, [this] { connect(); }) {
  connect();
}

RedisClient::~RedisClient() {
  closing_ = true;
  reconnect_.stop();
  if (ctx_) {
    ctx_->data = nullptr;
    redisAsyncFree(ctx_);  // pending callbacks run with a null reply
    ctx_ = nullptr;
  }
}

std::string RedisClient::scrub(std::string text) const {
  if (url_.password.empty()) return text;
  for (auto p = text.find(url_.password); p != std::string::npos; p = text.find(url_.password))
    text.replace(p, url_.password.size(), "***");
  return text;
}

void RedisClient::fail(const std::string& why, bool disconnect, bool refused) {
  bool wasUp = connected_;
  connected_ = false;
  if (why != lastError_ || wasUp) {
    if (why != lastError_) log_.error("{}", why);
    lastError_ = why;
    if (onState_) onState_(State{false, refused, why});
  }
  if (disconnect && ctx_) redisAsyncDisconnect(ctx_);  // onDisconnect schedules the retry
}

void RedisClient::connect() {
  if (closing_ || ctx_) return;
  redisAsyncContext* c = redisAsyncConnect(url_.host.c_str(), url_.port);
  if (!c || c->err) {
    fail("cannot connect to redis at " + url_.redacted() + ": " +
             (c ? std::string(c->errstr) : std::string("out of memory")),
         false);
    if (c) redisAsyncFree(c);
    scheduleReconnect();
    return;
  }
  c->data = this;
  if (redisLibuvAttach(c, loop_) != REDIS_OK) {
    redisAsyncFree(c);
    scheduleReconnect();
    return;
  }
  redisAsyncSetConnectCallback(c, &RedisClient::onConnect);
  redisAsyncSetDisconnectCallback(c, &RedisClient::onDisconnect);
  ctx_ = c;
}

void RedisClient::scheduleReconnect() {
  if (!closing_) reconnect_.start(reconnectMs_);
}

void RedisClient::onConnect(const redisAsyncContext* c, int status) {
  auto* self = static_cast<RedisClient*>(c->data);
  if (!self) return;
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    self->ctx_ = nullptr;
    self->fail("cannot connect to redis at " + self->url_.redacted() + ": " + c->errstr, false);
    self->scheduleReconnect();
    return;
  }
  self->handshake();
}

// AUTH, SELECT, PING pipelined; the connection is up when PING answers. The PING also catches a
// server that wants a password we do not have (NOAUTH).
void RedisClient::handshake() {
  auto auth = url_.authCommand();
  if (!auth.empty())
    send(std::move(auth), [this](const RedisValue& v) {
      if (v.missing || v.ok()) return;
      fail("redis at " + url_.redacted() + " refused the " +
               (url_.username.empty() ? std::string("password") : "user name or password") + " (" +
               scrub(v.str) + ")",
           true, true);
    });
  if (url_.db != 0)
    send({"SELECT", std::to_string(url_.db)}, [this](const RedisValue& v) {
      if (v.missing || v.ok() || connected_) return;
      if (v.str.rfind("NOAUTH", 0) == 0 || v.str.rfind("WRONGPASS", 0) == 0) return;  // said
      fail("redis at " + url_.redacted() + " refused SELECT (" + scrub(v.str) + ")", true, true);
    });
  send({"PING"}, [this](const RedisValue& v) {
    if (v.missing) return;
    if (v.ok()) return ready();
    if (v.str.rfind("NOAUTH", 0) == 0 && url_.password.empty())
      return fail("redis at " + url_.redacted() +
                      " wants a password: put it in redis.url (redis://:password@host:port or "
                      "redis://user:password@host:port)",
                  true, true);
    if (ctx_ && !(ctx_->c.flags & REDIS_DISCONNECTING))
      fail("redis at " + url_.redacted() + " does not answer PING (" + scrub(v.str) + ")", true);
  });
}

void RedisClient::ready() {
  connected_ = true;
  lastError_.clear();
  log_.info("connected to redis at {}", url_.redacted());
  if (onState_) onState_(State{true, false, "connected to " + url_.redacted()});
  if (sub_) sendSubscribe();
  if (onConnected_) onConnected_();
}

void RedisClient::onDisconnect(const redisAsyncContext* c, int status) {
  auto* self = static_cast<RedisClient*>(c->data);
  if (!self) return;
  bool wasUp = self->connected_;
  self->connected_ = false;
  self->ctx_ = nullptr;  // hiredis frees it after this callback
  if (self->sub_ && self->subLive_) {
    self->subLive_ = false;
    if (self->sub_->onLive) self->sub_->onLive(false);
  }
  if (self->closing_) return;
  if (wasUp)
    self->fail("lost redis at " + self->url_.redacted() + ": " +
                   (status != REDIS_OK ? std::string(c->errstr) : std::string("closed")),
               false);
  self->scheduleReconnect();
}

void RedisClient::onReply(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
  if (p->cb) p->cb(convert(static_cast<redisReply*>(reply)));
}

void RedisClient::send(std::vector<std::string> argv, Callback cb) {
  if (!ctx_) {
    if (cb) {
      RedisValue v;
      v.missing = true;
      cb(v);
    }
    return;
  }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* p = new Pending{this, std::move(cb)};
  if (redisAsyncCommandArgv(ctx_, &RedisClient::onReply, p, static_cast<int>(argv.size()),
                            ptrs.data(), lens.data()) != REDIS_OK) {
    std::unique_ptr<Pending> owned(p);
    if (owned->cb) {
      RedisValue v;
      v.missing = true;
      owned->cb(v);
    }
  }
}

void RedisClient::command(std::vector<std::string> argv, Callback cb) {
  if (!connected_) {
    if (cb) {
      RedisValue v;
      v.missing = true;
      cb(v);
    }
    return;
  }
  send(std::move(argv), std::move(cb));
}

void RedisClient::subscribe(std::string channel, std::function<void(const std::string&)> onMessage,
                            std::function<void(bool)> onLive) {
  sub_ = std::make_unique<Subscription>(
      Subscription{std::move(channel), std::move(onMessage), std::move(onLive)});
  if (connected_) sendSubscribe();
}

void RedisClient::sendSubscribe() {
  if (!ctx_ || !sub_) return;
  const char* argv[] = {"SUBSCRIBE", sub_->channel.c_str()};
  size_t lens[] = {9, sub_->channel.size()};
  redisAsyncCommandArgv(ctx_, &RedisClient::onSubscribed, this, 2, argv, lens);
}

// hiredis calls this for the SUBSCRIBE confirmation and then for every message of the channel,
// with a null reply when the context goes away.
void RedisClient::onSubscribed(redisAsyncContext* c, void* reply, void* privdata) {
  auto* self = static_cast<RedisClient*>(privdata);
  auto* r = static_cast<redisReply*>(reply);
  if (!r || !c->data || !self->sub_) return;
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->element[0]->type != REDIS_REPLY_STRING)
    return;
  std::string kind(r->element[0]->str, r->element[0]->len);
  if (kind == "subscribe") {
    self->subLive_ = true;
    if (self->sub_->onLive) self->sub_->onLive(true);
  } else if (kind == "message" && r->element[2]->type == REDIS_REPLY_STRING) {
    if (self->sub_->onMessage)
      self->sub_->onMessage(std::string(r->element[2]->str, r->element[2]->len));
  }
}

}  // namespace parley::agent
