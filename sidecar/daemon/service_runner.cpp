#include "sidecar/daemon/service_runner.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "probes/queue_policy.hpp"
#include "sidecar/daemon/check_runner.hpp"
#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/log.hpp"
#include "sidecar/policy/check_policy.hpp"
#include "sidecar/policy/route_policy.hpp"
#include "sidecar/policy/schedule.hpp"
#include "sidecar/policy/schedule_stats.hpp"
#include "sidecar/policy/service_view.hpp"
#include "sidecar/status/maintenance_file.hpp"

namespace sidecar {

namespace asio = boost::asio;

ServiceRunner::ServiceRunner(DaemonContext& ctx, ServiceConfig config)
    : ctx_(ctx),
      cfg_(std::move(config)),
      timer_(ctx.io),
      watches_(
          ctx, [this] { run_round_now(cfg_.confirm_interval); },
          [this](std::size_t i, const probes::QueuePolicy& p, bool trigger) {
            queue_sample(i, p, trigger);
          }),
      hooks_(ctx, cfg_.name, cfg_.hooks, cfg_.hook_timeout),
      drain_timer_(ctx.io) {
  machine_.since = Clock::now();
  view_.since_unix = unix_now();
  apply_config_to_view(view_, cfg_);
}

void ServiceRunner::start() {
  ctx_.spawn("service", loop());
  watches_.configure(cfg_);
}

void ServiceRunner::stop() {
  stopped_ = true;
  timer_.cancel();
  drain_timer_.cancel();
  watches_.stop();
}

void ServiceRunner::run_round_now(std::chrono::milliseconds after) {
  // The watch asks for confirm_interval, not at once: the refused reconnect shows the listening
  // socket gone, but the dying process may still hold its UDP socket for a moment; a query that
  // lands there is lost silently and the round would end as a soft timeout instead of the
  // refusal it is. confirm_interval_ms later the kernel has closed every socket of the process.
  auto at = Clock::now() + after;
  round_at_ = round_now_ ? std::min(round_at_, at) : at;
  round_now_ = true;
  if (!in_round_) timer_.cancel();
}

void ServiceRunner::reconfigure(ServiceConfig config, const std::vector<std::string>& forget_keys) {
  for (const auto& key : forget_keys) sent_.erase(key);
  cfg_ = std::move(config);
  hooks_.configure(cfg_.hooks, cfg_.hook_timeout);
  apply_config_to_view(view_, cfg_);
  if (!stopped_) watches_.configure(cfg_);
  apply_routes();
}

void ServiceRunner::queue_sample(std::size_t i, const probes::QueuePolicy& p, bool trigger) {
  if (stopped_) return;
  if (in_round_ && round_ && round_->pending(i) && i < cfg_.checks.size() && p.stalled()) {
    // Our query joined a queue the resolver has not read for stall_ms, and it has still read
    // nothing stall_ms/2 after we sent it: waiting for timeout_ms would only tell the same.
    auto hold = cfg_.checks[i].stall / 2;
    auto now = Clock::now();
    if (p.unread_through(round_started_, hold, now)) {
      probes::CheckResult r;
      r.reason = probes::Reason::timeout;
      r.rtt_ms = std::chrono::duration<double, std::milli>(now - round_started_).count();
      r.detail = "no answer in " + std::to_string(static_cast<long>(r.rtt_ms)) +
                 " ms; the resolver has read nothing from its UDP socket for " +
                 std::to_string(
                     std::chrono::duration_cast<std::chrono::milliseconds>(now - *p.unread_since())
                         .count()) +
                 " ms while " + std::to_string(p.queued()) + " bytes of queries wait (hung?)";
      round_->finish(i, std::move(r));
    }
    return;
  }
  // Onset during a round of other checks (or after this check's probe already passed): the next
  // round starts as soon as this one ends.
  if (trigger) run_round_now(std::chrono::milliseconds(0));
}

void ServiceRunner::publish_if_changed() {
  // Only what a reader acts on is written at once; counters and round trips wait for the
  // heartbeat (status_publisher), which is what keeps a fast check cheap.
  if (auto key = reader_key(view_); key != reader_key_) {
    reader_key_ = std::move(key);
    ctx_.status_changed();
  }
}

void ServiceRunner::begin_drain() {
  drain_started_ = Clock::now();
  ++drain_generation_;
  drain_timer_.cancel();
  ctx_.spawn("drain", drain_ends(drain_generation_));
}

asio::awaitable<void> ServiceRunner::drain_ends(std::uint64_t generation) {
  auto self = shared_from_this();
  while (!stopped_ && !ctx_.stopping && generation == drain_generation_ && drain_started_) {
    auto left = next_drain_end(cfg_, std::chrono::duration_cast<std::chrono::milliseconds>(
                                         Clock::now() - *drain_started_));
    if (!left) break;
    // One millisecond past the end: the drain is over when the routes are applied again.
    drain_timer_.expires_after(*left + std::chrono::milliseconds(1));
    boost::system::error_code ec;
    co_await drain_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_ || ctx_.stopping || generation != drain_generation_ || !drain_started_) break;
    apply_routes();
    publish_if_changed();
  }
}

ServiceView ServiceRunner::view() const {
  auto v = view_;
  v.state = machine_.state;
  return v;
}

asio::awaitable<void> ServiceRunner::loop() {
  auto self = shared_from_this();  // a reload may drop the service while a round is in flight
  // Rounds are planned on a fixed grid (planned += period), not from when the loop woke up:
  // otherwise every late wake-up, however small, shifts all later rounds and a busy node
  // quietly runs fewer checks than configured. A round late by less than a period is run at
  // once and the grid kept; an overrun of a whole period restarts the grid from now.
  auto planned = Clock::now();
  // A watch's news (run_round_now) brings the next round forward to round_at_ and the grid
  // restarts there.
  bool phased = false;
  while (!stopped_ && !ctx_.stopping) {
    ServiceConfig cfg = cfg_;  // a reload may replace cfg_ while probes are in flight
    round_now_ = false;
    in_round_ = true;
    round_ = std::make_shared<Round>(ctx_.io.get_executor(), cfg.checks.size());
    round_started_ = Clock::now();
    auto results = co_await run_checks(ctx_.prober, cfg.checks, round_);
    round_.reset();
    in_round_ = false;
    if (stopped_ || ctx_.stopping) break;
    decide(cfg, results);
    watches_.results(results);
    publish_if_changed();
    auto period = next_period(machine_, last_hard_,
                              Periods{cfg.interval, cfg.fast_interval, cfg.confirm_interval});
    planned += period;
    // At the first steady round (the first round runs at once, so a restart decides quickly)
    // every service moves to its own phase of the grid: 1,000 services started together would
    // otherwise all wake in the same millisecond and the last of them would run several
    // milliseconds late, every round.
    if (!phased && period == cfg.interval) {
      planned += round_phase(cfg.name, period);
      phased = true;
    }
    if (auto now = Clock::now(); planned + period < now) planned = now;
    for (;;) {
      auto at = round_now_ ? std::min(planned, round_at_) : planned;
      timer_.expires_at(at);
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopped_ || ctx_.stopping) break;
      if (auto now = Clock::now(); now >= at) {
        // How late this round starts against its plan (a watch's early round counts too).
        ctx_.schedule.record(std::chrono::duration<double, std::milli>(now - at).count(),
                             std::chrono::duration<double>(now.time_since_epoch()).count());
        planned = at;
        break;
      }
      // Woken early: a watch's news moved the round (or a spurious cancel): wait again.
    }
  }
}

void ServiceRunner::decide(const ServiceConfig& cfg, const std::vector<probes::CheckResult>& rs) {
  const double now_unix = unix_now();
  auto changes = record_round(view_, rs, now_unix);
  for (std::size_t i = 0; i < changes.size() && i < view_.checks.size(); ++i) {
    if (changes[i] == CheckChange::failed) {
      log::warning("check_failed", {{"service", cfg.name},
                                    {"check", view_.checks[i].name},
                                    {"reason", std::string(probes::to_string(rs[i].reason))},
                                    {"detail", rs[i].detail}});
    } else if (changes[i] == CheckChange::recovered) {
      log::info("check_recovered", {{"service", cfg.name}, {"check", view_.checks[i].name}});
    }
  }

  auto maintenance = read_maintenance(cfg.maintenance_file);
  if (maintenance) {
    view_.maintenance = MaintenanceView{maintenance->reason, maintenance->since_unix, std::nullopt};
  } else {
    view_.maintenance.reset();
  }

  // The kernel's stall evidence as the round ends: a timeout while the socket is not drained is
  // hard evidence (check_policy.hpp), confirmed at confirm_interval.
  auto verdict = judge_round(cfg.policy, cfg.checks, rs, watches_.stalled());
  last_hard_ = (verdict.hard || verdict.hard_degrade) && !maintenance;
  last_nothing_listens_ = verdict.nothing_listens && !maintenance;
  Observation obs;
  obs.healthy = verdict.healthy;
  obs.degraded = verdict.degraded;
  obs.maintenance = maintenance.has_value();
  obs.reason = maintenance ? maintenance->reason : verdict.reason;
  obs.now = Clock::now();
  auto st = step(machine_, obs, MachineParams{cfg.rise, cfg.fall, cfg.hold_down});
  machine_ = st.next;
  if (st.transition) {
    const auto& t = *st.transition;
    if (t.to == ServiceState::disabled && drain_begins(t.from)) {
      begin_drain();
    } else if (t.to != ServiceState::disabled && drain_started_) {
      drain_started_.reset();  // maintenance ended (or never drained): the waiter retires
      ++drain_generation_;
      drain_timer_.cancel();
    }
    record_transition(view_, t, now_unix, cfg.transitions_kept);
    log::notice("transition", {{"service", cfg.name},
                               {"from", std::string(to_string(t.from))},
                               {"to", std::string(to_string(t.to))},
                               {"reason", t.reason}});
    hooks_.on_transition(t);
  }
  apply_routes();
}

void ServiceRunner::apply_routes() {
  const auto state = routed_state(machine_, ctx_.hitless_restart);
  std::optional<std::chrono::milliseconds> draining_for;
  if (drain_started_ && state == ServiceState::disabled) {
    draining_for =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *drain_started_);
  }
  auto commands = commands_for(state, cfg_, draining_for);
  if (view_.maintenance) {
    auto left = draining_for ? last_drain_end(cfg_, *draining_for) : std::nullopt;
    view_.maintenance->drain_until_unix =
        left ? std::optional<double>(unix_now() + static_cast<double>(left->count()) / 1000.0)
             : std::nullopt;
  }
  std::vector<RouteCommand> held;  // the degraded lines, when the fleet floor holds a route
  std::vector<RouteView> views;
  for (std::size_t i = 0; i < commands.size() && i < cfg_.routes.size(); ++i) {
    if (ctx_.floor_allows) {
      auto wish = fleet::floor_wish(state, commands[i].desired, view_.maintenance.has_value(),
                                    last_nothing_listens_);
      if (!ctx_.floor_allows(cfg_.routes[i].route.prefix.text, wish)) {
        if (held.empty()) held = commands_for(ServiceState::degraded, cfg_);
        commands[i] = held[i];
      }
    }
    const auto& cmd = commands[i];
    RouteView rv;
    rv.prefix = cfg_.routes[i].route.prefix.text;
    rv.next_hop = cfg_.routes[i].route.next_hop.text;
    rv.neighbors = cfg_.routes[i].route.neighbors;
    rv.desired = cmd.desired;
    if (cmd.desired != Desired::none) {
      auto& last = sent_[cmd.key];
      if (last != cmd.line) {
        log::info("route", {{"service", cfg_.name},
                            {"prefix", rv.prefix},
                            {"desired", std::string(to_string(cmd.desired))},
                            {"command", cmd.line}});
        ctx_.bridge.set_desired(cmd.key, cmd.line);
        last = cmd.line;
      }
      rv.command = cmd.line;
    }
    views.push_back(std::move(rv));
  }
  view_.routes = std::move(views);
}

void ServiceRunner::withdraw_all() {
  timer_.cancel();
  for (const auto& rc : cfg_.routes) {
    auto key = bridge::route_key(rc.route);
    auto it = sent_.find(key);
    if (it == sent_.end()) continue;
    auto line = bridge::format_withdraw(rc.route);
    if (it->second != line) {
      ctx_.bridge.set_desired(key, line);
      it->second = line;
    }
  }
  for (auto& rv : view_.routes) {
    rv.desired = Desired::withdraw;
    rv.command = "";
  }
}

}  // namespace sidecar
