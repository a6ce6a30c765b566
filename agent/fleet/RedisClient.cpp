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

void RedisClient::connect() {
  if (closing_ || ctx_) return;
  redisAsyncContext* c = redisAsyncConnect(url_.host.c_str(), url_.port);
  if (!c || c->err) {
    if (!loggedDown_)
      log_.warn("cannot connect to redis at {}: {}", url_.where(), c ? c->errstr : "out of memory");
    loggedDown_ = true;
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
    if (!self->loggedDown_)
      self->log_.warn("cannot connect to redis at {}: {}", self->url_.where(), c->errstr);
    self->loggedDown_ = true;
    self->ctx_ = nullptr;
    self->scheduleReconnect();
    return;
  }
  self->connected_ = true;
  self->loggedDown_ = false;
  self->log_.info("connected to redis at {}", self->url_.where());
  if (!self->url_.password.empty())
    self->command({"AUTH", self->url_.password}, [self](const RedisValue& v) {
      if (!v.ok()) self->log_.error("redis AUTH refused at {}", self->url_.where());
    });
  if (self->url_.db != 0) self->command({"SELECT", std::to_string(self->url_.db)});
  if (self->onConnected_) self->onConnected_();
}

void RedisClient::onDisconnect(const redisAsyncContext* c, int status) {
  auto* self = static_cast<RedisClient*>(c->data);
  if (!self) return;
  self->connected_ = false;
  self->ctx_ = nullptr;  // hiredis frees it after this callback
  if (self->closing_) return;
  if (status != REDIS_OK) self->log_.warn("lost redis at {}: {}", self->url_.where(), c->errstr);
  self->scheduleReconnect();
}

void RedisClient::onReply(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
  if (p->cb) p->cb(convert(static_cast<redisReply*>(reply)));
}

void RedisClient::command(std::vector<std::string> argv, Callback cb) {
  if (!ctx_ || !connected_) {
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

}  // namespace parley::agent
