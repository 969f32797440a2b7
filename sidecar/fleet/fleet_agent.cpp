#include "sidecar/fleet/fleet_agent.hpp"

#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <tuple>

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
      options_(options),
      presence_(std::move(presence)),
      changed_(std::move(changed)),
      spawn_(std::move(spawn)),
      session_(io, options),
      watcher_(io, options),
      floor_client_(io, options),
      floor_timer_(io),
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
  if (config_.min_announcing > 0) spawn_("fleet floor", floor_loop());
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
  floor_timer_.cancel();
  session_.close();
  watcher_.close();
  floor_client_.close();
}

awaitable<void> FleetAgent::leave() {
  const auto lease = lease_;
  stop();  // no keepalive or presence after this: the session would grant a new lease
  if (lease == 0) co_return;
  auto options = options_;
  // Short: ExaBGP waits for us to exit. Three dead endpoints cost 0.6 s, a live one a few ms.
  options.request_timeout = std::min(options.request_timeout, milliseconds(200));
  etcd::Client client(io_, options);
  auto r = co_await client.lease_revoke(lease);
  auto e = etcd::error_of(r);
  log::info("fleet_leave", {{"detail", e ? "the presence expires with its lease: " + *e
                                         : "presence removed (lease revoked)"}});
  client.close();
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
  // A held route is decided again whenever the fleet changed: enough others may announce now.
  bool again = false;
  for (auto& [prefix, e] : floor_) {
    if (e.held) {
      e.settled = false;
      ++e.asked;
      again = true;
    }
  }
  if (again) floor_timer_.cancel();
  changed_();
}

bool FleetAgent::floor_allows(const std::string& route_prefix, fleet::FloorWish wish) {
  if (config_.min_announcing <= 0) return true;
  auto& e = floor_[route_prefix];
  if (e.wish != wish) {
    const bool was_held = e.held;
    e.wish = wish;
    e.settled = false;
    ++e.asked;
    // Until etcd allowed it, a soft withdraw keeps the route announced; a route already held
    // stays held. Every other wish is the service's own.
    e.held = wish == fleet::FloorWish::soft_withdraw;
    if (!e.held && e.logged) {
      log::notice("floor_released",
                  {{"prefix", route_prefix}, {"detail", "the service no longer asks to withdraw"}});
      e.logged = false;
    }
    if (e.held != was_held) status_.floor_hold = floor_holds();
    floor_timer_.cancel();
  }
  return !e.held;
}

std::vector<std::string> FleetAgent::floor_holds() const {
  std::vector<std::string> out;
  for (const auto& [prefix, e] : floor_) {
    if (e.held) out.push_back(prefix);
  }
  return out;
}

void FleetAgent::floor_settled(const std::string& route_prefix, const fleet::FloorDecision& d) {
  auto& e = floor_[route_prefix];
  e.settled = true;
  const bool held = d.kind == fleet::FloorDecision::Kind::hold;
  if (held && (!e.logged || e.why != d.why)) {
    log::warning("floor_hold", {{"prefix", route_prefix}, {"detail", d.why}});
    e.logged = true;
  } else if (!held && e.logged) {
    // Only a hold that was logged is released in the log: a soft withdraw allowed at once is
    // the usual withdraw, its route line says it.
    log::notice("floor_released", {{"prefix", route_prefix}, {"detail", d.why}});
    e.logged = false;
  }
  e.why = d.why;
  if (held == e.held) return;
  e.held = held;
  status_.floor_hold = floor_holds();
  presence_changed();
  if (floor_changed_) floor_changed_();
  changed_();
}

// Settles every wish etcd has not answered yet, one at a time, on a client of its own. A wish
// that changed while its answer travelled is settled again on the next pass. Nothing waits on
// this: the routes go out as floor_allows() says meanwhile.
awaitable<void> FleetAgent::floor_loop() {
  while (!stopped_) {
    bool failed = false;
    std::vector<std::tuple<std::string, fleet::FloorWish, std::uint64_t>> todo;
    for (const auto& [prefix, e] : floor_) {
      if (!e.settled) todo.emplace_back(prefix, e.wish, e.asked);
    }
    for (const auto& [prefix, wish, asked] : todo) {
      // A named request: g++ 12 destroys a braced temporary inside co_await twice.
      const fleet::FloorRequest request{config_.node, prefix, wish, config_.min_announcing};
      auto r = co_await settle_floor(floor_client_, config_.prefix, request);
      if (stopped_) co_return;
      auto it = floor_.find(prefix);
      // Asked again while this answer travelled (a new wish, or the fleet changed): the next
      // pass answers the newer question.
      if (it == floor_.end() || it->second.asked != asked) continue;
      if (!r.decision) {
        // etcd cannot say whether others announce: a held route stays held (fail open).
        if (it->second.held && it->second.why != r.error) {
          log::warning("floor_hold", {{"prefix", prefix},
                                      {"detail", "etcd unreachable (" + r.error +
                                                     "): kept announced with when_degraded"}});
          it->second.why = r.error;
          it->second.logged = true;
        }
        failed = true;
        continue;
      }
      floor_settled(prefix, *r.decision);
    }
    bool pending = false;
    for (const auto& [prefix, e] : floor_) pending = pending || !e.settled;
    if (pending && !failed) continue;
    // Wait for a new wish or a fleet change (timer cancelled), or retry after an error.
    co_await pause(floor_timer_, failed ? kRetry : std::chrono::hours(24));
  }
}

}  // namespace sidecar
