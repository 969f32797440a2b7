#include "sidecar/daemon/status_publisher.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sidecar/lib/atomic_file.hpp"
#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/log.hpp"
#include "sidecar/lib/version.hpp"

namespace sidecar {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// What the alerts key on: a change of any of it rewrites the metrics file at once.
std::string alert_key(const StatusSnapshot& snap) {
  std::string key(bridge::to_string(snap.exabgp.state));
  for (const auto& svc : snap.services) {
    key += ' ';
    key += to_string(svc.state);
    key += svc.maintenance ? 'm' : '-';
    for (const auto& r : svc.routes) key += r.confirmed ? 'c' : r.rejected ? 'r' : '-';
  }
  return key;
}

}  // namespace

StatusPublisher::StatusPublisher(DaemonContext& ctx, const Config& config, const Services& services,
                                 const std::vector<std::string>& config_error)
    : ctx_(ctx),
      config_(config),
      services_(services),
      config_error_(config_error),
      timer_(ctx.io) {}

void StatusPublisher::start() {
  started_unix_ = unix_now();
  ctx_.spawn("status_file", loop());
}

void StatusPublisher::changed() {
  if (dirty_) return;
  dirty_ = true;
  if (!throttled_) timer_.cancel();
}

void StatusPublisher::reloaded(std::vector<std::string> problems) {
  reloaded_unix_ = unix_now();
  reload_error_ = std::move(problems);
  changed();
}

void StatusPublisher::finish() {
  finished_ = true;
  timer_.cancel();
}

asio::awaitable<void> StatusPublisher::loop() {
  while (!finished_) {
    auto cost = co_await write_in_steps();
    // Writes are spaced by at least 20 ms, and by ten times what the last one cost: a node of
    // 1,000 flapping services (a 2 MB file) spends at most ~10% of a core on its status file.
    auto gap = std::clamp<Clock::duration>(10 * cost, milliseconds(20), kStatusHeartbeat / 2);
    boost::system::error_code ec;
    throttled_ = true;
    timer_.expires_after(gap);
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    throttled_ = false;
    if (finished_) break;
    if (!dirty_) {
      timer_.expires_at(last_write_ + kStatusHeartbeat);
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
}

// The snapshot is taken at once (a consistent picture); its services' entries are then rendered
// a few at a time, letting due rounds run in between: rendering 1,000 entries at one go would
// hold the loop for tens of milliseconds and make every round due meanwhile that late. Returns
// the time spent rendering and writing, not counting the other work run in between.
asio::awaitable<Clock::duration> StatusPublisher::write_in_steps() {
  constexpr std::size_t kStep = 25;
  auto began = Clock::now();
  auto snap = take_snapshot();
  std::vector<std::string> entries;
  entries.reserve(snap.services.size());
  Clock::duration spent{};
  for (std::size_t i = 0; i < snap.services.size(); ++i) {
    entries.push_back(service_entry_text(snap.services[i]));
    if ((i + 1) % kStep == 0 && i + 1 < snap.services.size()) {
      spent += Clock::now() - began;
      co_await asio::post(ctx_.io, asio::use_awaitable);
      // The final write (finish, then write_now) has a later seq: this one must not follow it.
      if (finished_) co_return spent;
      began = Clock::now();
    }
  }
  commit(snap, render_status(snap, entries));
  co_return spent + (Clock::now() - began);
}

void StatusPublisher::write_now() {
  auto snap = take_snapshot();
  commit(snap, render_status(snap));
}

StatusSnapshot StatusPublisher::snapshot() {
  StatusSnapshot s;
  s.version = kVersion;
  s.pid = static_cast<long>(::getpid());
  s.started_unix = started_unix_;
  s.updated_unix = unix_now();
  s.seq = ++seq_;
  const auto& core = ctx_.bridge.core();
  s.exabgp.state = core.state();
  s.exabgp.pending_acks = core.pending_acks();
  if (core.last_ack()) s.exabgp.last_ack_unix = to_unix(*core.last_ack());
  s.exabgp.detail = core.detail();
  for (const auto& n : core.neighbors()) {
    s.exabgp.neighbors.push_back({n.peer, n.state, to_unix(n.since)});
  }
  for (const auto& n : inherited_neighbors_) {
    const bool reported = std::any_of(core.neighbors().begin(), core.neighbors().end(),
                                      [&](const auto& known) { return known.peer == n.peer; });
    if (!reported) s.exabgp.neighbors.push_back(n);
  }
  s.exabgp.counters = core.counters();
  s.exabgp.ack = core.options().ack;
  s.exabgp.version = core.exabgp_version();
  for (const auto& key : core.retired_keys()) {
    if (auto r = bridge::route_of_key(key)) s.withdrawing.push_back(std::move(*r));
  }
  for (const auto& svc : services_) {
    auto view = svc->view();
    const auto& routes = svc->config().routes;
    for (std::size_t i = 0; i < view.routes.size() && i < routes.size(); ++i) {
      auto rs = core.route_status(bridge::route_key(routes[i].route));
      view.routes[i].confirmed = rs.known && rs.confirmed;
      view.routes[i].rejected = rs.rejected;
    }
    s.services.push_back(std::move(view));
  }
  s.log_lines_dropped = log::dropped_lines();
  s.schedule = ctx_.schedule;
  s.schedule_max_ms = ctx_.schedule.recent_max_ms(
      std::chrono::duration<double>(Clock::now().time_since_epoch()).count());
  if (!config_error_.empty()) s.config_error = config_error_;
  s.reloaded_unix = reloaded_unix_;
  if (!reload_error_.empty()) s.reload_error = reload_error_;
  for (const auto& [role, line] : write_errors_) s.write_errors.push_back(line);
  if (ctx_.fleet_status) s.fleet = ctx_.fleet_status();
  return s;
}

StatusSnapshot StatusPublisher::take_snapshot() {
  dirty_ = false;
  last_write_ = Clock::now();
  ctx_.bridge.tick();  // notices a write stuck in the pipe even while the writer is suspended
  auto snap = snapshot();
  if (snap.exabgp.state != last_bridge_state_) {
    auto level =
        snap.exabgp.state == bridge::LinkState::ok ? log::Level::notice : log::Level::error;
    log::write(level, "bridge",
               {{"state", std::string(bridge::to_string(snap.exabgp.state))},
                {"detail", snap.exabgp.detail}});
    last_bridge_state_ = snap.exabgp.state;
  }
  return snap;
}

void StatusPublisher::commit(const StatusSnapshot& snap, const std::string& text) {
  report_write_error("status_file", write_file_atomically(config_.status_file, text));
  if (config_.metrics_file.empty()) return;
  // node_exporter reads the metrics file every 15-60 s: rewriting it every round would double
  // the cost of a check for nothing.
  auto key = alert_key(snap);
  if (key != last_metrics_key_ || last_write_ - last_metrics_write_ >= std::chrono::seconds(1)) {
    report_write_error("metrics_file",
                       write_file_atomically(config_.metrics_file, metrics_text(snap)));
    last_metrics_key_ = std::move(key);
    last_metrics_write_ = last_write_;
  }
}

// A write error is logged when it first appears and then once a minute, not every heartbeat.
void StatusPublisher::report_write_error(const char* what,
                                         const std::optional<std::string>& error) {
  auto& last = write_error_logged_[what];
  if (!error) {
    last = {};
    if (write_errors_.erase(what) > 0) changed();
    return;
  }
  auto line = std::string(what) + ": " + *error;
  if (write_errors_[what] != line) {
    write_errors_[what] = std::move(line);
    changed();  // shown by the next write (the status file's own failure shows as staleness)
  }
  auto now = Clock::now();
  if (last == Clock::time_point{} || now - last > std::chrono::minutes(1)) {
    log::error("write_failed", {{"file", what}, {"detail", *error}});
    last = now;
  }
}

}  // namespace sidecar
