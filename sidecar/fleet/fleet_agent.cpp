#include "sidecar/fleet/fleet_agent.hpp"

#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sidecar/fleet/fleet_store.hpp"
#include "sidecar/fleet/fleet_summary.hpp"
#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/log.hpp"
#include "sidecar/lib/version.hpp"

namespace sidecar {

namespace asio = boost::asio;
using asio::awaitable;
using std::chrono::milliseconds;

namespace {

// Between two attempts while etcd does not answer: often enough that the presence is back well
// within the TTL once etcd is, rare enough to cost nothing.
constexpr milliseconds kRetry{1000};

}  // namespace

FleetAgent::FleetAgent(asio::io_context& io, FleetConfig config, etcd::ClientOptions options,
                       Presence presence, std::function<void()> changed, Spawn spawn)
    : io_(io),
      config_(std::move(config)),
      presence_(std::move(presence)),
      changed_(std::move(changed)),
      spawn_(std::move(spawn)),
      session_(io, options),
      watcher_(io, options),
      session_timer_(io),
      watch_timer_(io) {
  status_.state = FleetState::unreachable;  // until etcd first answers
  status_.since_unix = unix_now();
  status_.detail = "not connected yet";
  status_.node = config_.node;
  status_.prefix = config_.prefix;
  status_.max_unavailable = config_.max_unavailable;
}

void FleetAgent::start() {
  spawn_("fleet session", session_loop());
  spawn_("fleet watch", watch_loop());
}

void FleetAgent::presence_changed() {
  if (presence_dirty_) return;
  presence_dirty_ = true;
  session_timer_.cancel();
}

void FleetAgent::stop() {
  stopped_ = true;
  session_timer_.cancel();
  watch_timer_.cancel();
  session_.close();
  watcher_.close();
}

void FleetAgent::reachable() {
  if (status_.state == FleetState::ok) return;
  log::notice("fleet_reachable", {{"endpoint", session_.endpoint()},
                                  {"detail", "etcd answers again; presence published"}});
  status_.state = FleetState::ok;
  status_.since_unix = unix_now();
  status_.detail.clear();
  // The watch may sit on a connection that died with the outage: start it over.
  watcher_.close();
  watch_timer_.cancel();
  changed_();
}

void FleetAgent::unreachable(const std::string& why) {
  if (status_.state == FleetState::unreachable && status_.detail == why) return;
  if (status_.state != FleetState::unreachable) {
    status_.since_unix = unix_now();
    log::warning("fleet_unreachable",
                 {{"detail", why + "; routing goes on from this node's own checks"}});
  }
  status_.state = FleetState::unreachable;
  status_.detail = why;
  changed_();
}

awaitable<void> FleetAgent::pause(asio::steady_timer& timer, milliseconds d) {
  timer.expires_after(d);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// Writes the presence under the lease when it differs from what etcd has. False: etcd did not
// take it (the caller marks the fleet unreachable or starts a new lease).
awaitable<bool> FleetAgent::publish_presence() {
  auto record = presence_();
  presence_dirty_ = false;
  if (published_ && fleet::same_presence(*published_, record)) co_return true;
  auto r = co_await session_.put(fleet::presence_key(config_.prefix, config_.node),
                                 fleet::render(record), lease_);
  if (auto e = etcd::error_of(r)) {
    presence_dirty_ = true;
    if (e->find("lease not found") != std::string::npos) {
      lease_ = 0;  // expired while we could not reach etcd: a new one, then publish again
    } else {
      unreachable(*e);
    }
    co_return false;
  }
  published_ = std::move(record);
  reachable();
  co_return true;
}

awaitable<void> FleetAgent::session_loop() {
  const auto ttl = std::chrono::duration_cast<milliseconds>(config_.lease_ttl);
  const auto period = std::max(milliseconds(300), ttl / 3);
  const auto keepalive_timeout = std::min(config_.request_timeout, period);
  auto next_keepalive = Clock::now();
  while (!stopped_) {
    if (!joined_) {
      fleet::MemberRecord member{config_.node, unix_now(), kVersion};
      auto r = co_await join_fleet(session_, config_.prefix, member);
      if (r.kind == FleetOutcome::Kind::error) {
        unreachable(r.message);
        co_await pause(session_timer_, kRetry);
        continue;
      }
      joined_ = true;
      log::notice("fleet_joined", {{"node", config_.node}, {"detail", r.message}});
    }
    if (lease_ == 0) {
      auto r = co_await session_.lease_grant(config_.lease_ttl.count());
      if (auto e = etcd::error_of(r)) {
        unreachable(*e);
        co_await pause(session_timer_, kRetry);
        continue;
      }
      lease_ = std::get<etcd::LeaseAnswer>(r).id;
      published_.reset();
      presence_dirty_ = true;
      next_keepalive = Clock::now() + period;
    }
    if (presence_dirty_ && !co_await publish_presence()) {
      if (lease_ != 0) co_await pause(session_timer_, kRetry);
      continue;
    }
    if (Clock::now() < next_keepalive) {
      session_timer_.expires_at(next_keepalive);
      boost::system::error_code ec;
      co_await session_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopped_) break;
      if (Clock::now() < next_keepalive) continue;  // woken for a presence change
    }
    auto r = co_await session_.lease_keepalive(lease_, keepalive_timeout);
    if (auto e = etcd::error_of(r)) {
      unreachable(*e);
      next_keepalive = Clock::now() + std::min(kRetry, period);
      continue;
    }
    if (std::get<etcd::LeaseAnswer>(r).ttl <= 0) {
      // The lease expired (etcd was out of reach longer than the TTL): the presence went with it.
      log::notice("fleet_lease_expired", {{"detail", "granting a new lease"}});
      lease_ = 0;
      continue;
    }
    next_keepalive = Clock::now() + period;
    reachable();
  }
}

awaitable<void> FleetAgent::watch_loop() {
  const auto dir = fleet::normalized_prefix(config_.prefix) + "/";
  while (!stopped_) {
    auto range = co_await watcher_.range(dir, true);
    if (etcd::error_of(range)) {
      co_await pause(watch_timer_, kRetry);
      continue;
    }
    auto& answer = std::get<etcd::RangeAnswer>(range);
    keys_.clear();
    for (auto& kv : answer.kvs) {
      keys_[kv.key] = fleet::RawKv{kv.key, std::move(kv.value), kv.mod_revision};
    }
    rebuild_view();
    auto why =
        co_await watcher_.watch(dir, answer.revision + 1, [this](const etcd::WatchMessage& m) {
          if (m.canceled || m.compact_revision > 0) return false;  // read the whole prefix again
          for (const auto& ev : m.events) {
            if (ev.type == etcd::WatchEvent::Type::del) {
              keys_.erase(ev.kv.key);
            } else {
              keys_[ev.kv.key] = fleet::RawKv{ev.kv.key, ev.kv.value, ev.kv.mod_revision};
            }
          }
          if (!m.events.empty()) rebuild_view();
          return !stopped_;
        });
    if (stopped_) break;
    log::info("fleet_watch", {{"detail", why + "; reading the fleet again"}});
    co_await pause(watch_timer_, std::min(kRetry, milliseconds(200)));
  }
}

void FleetAgent::rebuild_view() {
  std::vector<fleet::RawKv> kvs;
  kvs.reserve(keys_.size());
  for (const auto& [k, kv] : keys_) kvs.push_back(kv);
  auto records = fleet::read_records(config_.prefix, kvs);
  // One line per bad record, not one per rebuild.
  std::set<std::string> skipped(records.skipped.begin(), records.skipped.end());
  for (const auto& s : skipped) {
    if (!skipped_logged_.count(s)) log::warning("fleet_record_skipped", {{"detail", s}});
  }
  skipped_logged_ = std::move(skipped);
  presence_memory_.update(records, unix_now());
  fleet::apply_view(status_, fleet::fleet_view(records, presence_memory_.gone_since()),
                    config_.node, config_.max_unavailable);
  changed_();
}

}  // namespace sidecar
