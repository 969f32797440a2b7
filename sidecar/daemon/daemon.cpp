// The daemon's wiring, top to bottom: the parts (bridge, prober, one ServiceRunner per service,
// the StatusPublisher) on one io_context and one thread, and the lifecycle that ties them: start,
// SIGHUP (execute the reload planner's plan), SIGTERM/SIGINT/internal error (withdraw, drain,
// exit), EOF or ExaBGP's shutdown (exit at once). Nothing here blocks: probes are c-ares and
// Boost.Process on the loop, the bridge never blocks on ExaBGP's pipes, files are small local
// writes. Decisions live in the pure parts (state machine, route policy, reload plan).
#include "sidecar/daemon/daemon.hpp"

#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include <sys/resource.h>

#include "exabgp-bridge/bridge.hpp"
#include "sidecar/daemon/daemon_context.hpp"
#include "sidecar/daemon/reexec.hpp"
#include "sidecar/daemon/service_runner.hpp"
#include "sidecar/daemon/status_publisher.hpp"
#include "sidecar/daemon/watch_hub.hpp"
#include "sidecar/fleet/fleet_agent.hpp"
#include "sidecar/fleet/fleet_summary.hpp"
#include "sidecar/fleet/verify_file.hpp"
#include "sidecar/lib/exception_text.hpp"
#include "sidecar/lib/limits.hpp"
#include "sidecar/lib/log.hpp"
#include "sidecar/lib/regular_file.hpp"
#include "sidecar/lib/version.hpp"
#include "sidecar/policy/reload_plan.hpp"
#include "sidecar/status/previous_routes.hpp"

namespace sidecar {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using std::chrono::milliseconds;

bridge::BridgeOptions bridge_options(const ExabgpSettings& s) {
  bridge::BridgeOptions o;
  o.ack = s.ack;
  o.ack_timeout = s.ack_timeout;
  o.ping_interval = s.ping_interval;
  return o;
}

// Kept UDP sockets (one per DNS check, see DnsProber) may use a quarter of the descriptors; the
// soft limit is raised to the hard one first (ExaBGP's children inherit its 1,024 often).
probes::DnsProber::Options prober_options() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return {};
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = std::min<rlim_t>(lim.rlim_max, 65536);
    if (raised.rlim_cur > lim.rlim_cur && ::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return {static_cast<std::size_t>(lim.rlim_cur / 4)};
}

class Daemon {
 public:
  Daemon(asio::io_context& io, std::string config_path, Config config,
         std::vector<std::string> config_error)
      : io_(io),
        config_path_(std::move(config_path)),
        config_(std::move(config)),
        config_error_(std::move(config_error)),
        bridge_(io, bridge_options(config_.exabgp)),
        prober_(io, prober_options()),
        ctx_{io, bridge_, prober_,
             [this](const char* task, awaitable<void> c) { spawn(task, std::move(c)); },
             [this] {
               status_.changed();
               if (fleet_) fleet_->presence_changed();
             }},
        watch_hub_(ctx_),
        status_(ctx_, config_, services_, config_error_),
        signals_(io, SIGTERM, SIGINT, SIGHUP),
        refresh_timer_(io) {
    ctx_.watch_hub = &watch_hub_;
  }

  // A runner may outlive the daemon in a coroutine frame the io_context still holds: stopped
  // here, it lets go of its watches while the hub exists.
  ~Daemon() {
    if (fleet_) fleet_->stop();
    for (auto& svc : services_) svc->stop();
    watch_hub_.stop();
  }

  int run() {
    bridge_.on_eof = [this] {
      log::notice("exabgp_gone", {{"detail", "EOF on stdin: ExaBGP closed the pipe; exiting"}});
      leave_and_finish(0);
    };
    bridge_.on_shutdown = [this] {
      // ExaBGP has closed its peers and will SIGTERM us and wait without limit: leave now.
      log::notice("exabgp_shutdown", {{"detail", "ExaBGP announced its shutdown; exiting"}});
      leave_and_finish(0);
    };
    bridge_.on_change = [this] { status_.changed(); };
    bridge_.on_fatal = [this](const std::string& what) {
      // Without the reader ExaBGP would wedge on us: leave now, ExaBGP restarts the sidecar.
      log::error("internal_error",
                 {{"task", "bridge"}, {"detail", what + "; exiting with status 70"}});
      finish(70);
    };
    bridge_.start();
    ctx_.hitless_restart = config_.exabgp.hitless_restart;
    withdraw_stale_routes();
    for (const auto& sc : config_.services) add_service(sc);
    if (config_.fleet && config_error_.empty()) start_fleet();
    spawn("signals", signal_loop());
    status_.start();
    if (config_.exabgp.refresh.count() > 0) spawn("refresh", refresh_loop());
    if (!config_error_.empty()) {
      log::error("config_invalid",
                 {{"config", config_path_},
                  {"problems", std::to_string(config_error_.size())},
                  {"first", config_error_.front()},
                  {"detail",
                   "announcing nothing; fix the file (anycast-sidecar check-config "
                   "--config " +
                       config_path_ + "), then anycast-sidecar reload (SIGHUP)"}});
      for (const auto& p : config_error_) log::error("config_problem", {{"problem", p}});
    }
    log::notice("started", {{"version", kVersion},
                            {"config", config_path_},
                            {"services", std::to_string(config_.services.size())},
                            {"status_file", config_.status_file}});
    io_.run();
    return exit_code_;
  }

 private:
  // Routes the previous instance announced (its status file says so) that no service of this
  // configuration owns: nobody would ever withdraw them otherwise (ExaBGP 4.2 keeps a dead
  // child's routes). Routes still configured are left as ExaBGP holds them: their service
  // decides (hitless restart, see routed_state).
  void withdraw_stale_routes() {
    auto file = read_regular_file(config_.status_file, kMaxStatusFileBytes);
    if (!file.text) return;  // first start, or unreadable: nothing known to clean up
    status_.inherit_neighbors(neighbors_in_status(*file.text));
    auto previous = announced_in_status(*file.text);
    if (previous.dropped > 0) {
      // One line whatever the count: the file is anyone's, the log is the operator's.
      log::warning("stale_routes_dropped",
                   {{"count", std::to_string(previous.dropped)},
                    {"first", previous.first_problem},
                    {"detail",
                     "entries of the previous status file not read back (malformed, not a "
                     "route a configuration may own, or beyond the bounds)"}});
    }
    inherited_ = std::move(previous.routes);
    withdraw_uncovered_inherited();
  }

  // What the previous instance announced stays announced while a configured route covers it
  // (hitless restart); what nothing covers any more (at start, or after a reload dropped the
  // cover before the owner decided) is withdrawn, once.
  void withdraw_uncovered_inherited() {
    auto split = split_previous(inherited_, config_);
    for (const auto& r : split.stale) {
      auto line = bridge::format_withdraw(r);
      log::notice("stale_route", {{"prefix", r.prefix.text},
                                  {"command", line},
                                  {"detail",
                                   "announced by the previous instance, no longer "
                                   "configured: withdrawn"}});
      bridge_.retire(bridge::route_key(r), line);
    }
    inherited_ = std::move(split.kept);
  }

  // The fleet agent (fleet block): presence, lease, watch. Nothing of it decides a route.
  void start_fleet() {
    const auto& fc = *config_.fleet;
    auto options = etcd::client_options(fc);
    if (auto e = etcd::error_of(options)) {
      log::error("fleet_config", {{"detail", *e + "; the fleet stays unreachable until fixed"}});
      options = etcd::ClientOptions{fc.endpoints, fc.ca_file, fc.cert_file,      fc.key_file,
                                    fc.username,  "",         fc.request_timeout};
    }
    verify_path_ = verify_file_path(config_);
    fleet_ = std::make_unique<FleetAgent>(
        io_, fc, std::get<etcd::ClientOptions>(options),
        [this] {
          std::vector<ServiceView> views;
          for (const auto& svc : services_) views.push_back(svc->view());
          auto p = fleet::presence_of(config_.fleet->node, kVersion, views, unix_now());
          p.verify = verify_;
          p.floor_hold = fleet_->floor_holds();
          return p;
        },
        [this] { status_.changed(); },
        [this](const char* task, awaitable<void> c) { spawn(task, std::move(c)); });
    ctx_.fleet_status = [this] {
      // The CLI writes the verification's outcome beside the status file; read at each write
      // (a few hundred bytes), and a change goes into the presence too.
      auto verify = read_verify_file(verify_path_);
      if (verify != verify_) {
        verify_ = verify;
        fleet_->presence_changed();
      }
      auto view = fleet_->status();
      view.verify.reset();
      if (verify_) {
        view.verify = FleetVerifyView{verify_->ok, verify_->service, verify_->check,
                                      verify_->reason, verify_->at_unix};
      }
      return view;
    };
    if (fc.min_announcing > 0) {
      ctx_.floor_allows = [this](const std::string& prefix, fleet::FloorWish wish) {
        return fleet_->floor_allows(prefix, wish);
      };
      fleet_->on_floor_changed([this] {
        for (auto& svc : services_) svc->floor_changed();
      });
    }
    fleet_->start();
  }

  void add_service(const ServiceConfig& sc) {
    auto svc = std::make_shared<ServiceRunner>(ctx_, sc);
    services_.push_back(svc);
    svc->start();
  }

  // Every coroutine of the daemon starts here. One that ends with an exception (a bug) must not
  // vanish silently, as asio::detached would let it, leaving a route announced with nobody
  // checking it: it is logged, the routes are withdrawn and the daemon exits 70 (EX_SOFTWARE),
  // after which ExaBGP restarts it.
  void spawn(const char* task, awaitable<void> coroutine) {
    asio::co_spawn(io_, std::move(coroutine), [this, task](std::exception_ptr e) {
      if (!e || finished_) return;
      log::error("internal_error", {{"task", task},
                                    {"detail", text::exception_text(e) +
                                                   "; withdrawing and exiting with status 70"}});
      exit_code_after_withdraw_ = 70;
      if (ctx_.stopping) {
        finish(70);
      } else {
        spawn("shutdown", withdraw_all_and_exit());
      }
    });
  }

  // Periodic full re-send of the current state (exabgp.refresh_ms): heals state lost anywhere
  // between us and the router, and lets tests push many commands through ExaBGP.
  awaitable<void> refresh_loop() {
    while (!ctx_.stopping) {
      refresh_timer_.expires_after(config_.exabgp.refresh);
      boost::system::error_code ec;
      co_await refresh_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
      if (ctx_.stopping || config_.exabgp.refresh.count() == 0) break;
      bridge_.resend_all();
    }
  }

  awaitable<void> signal_loop() {
    for (;;) {
      boost::system::error_code ec;
      int sig = co_await signals_.async_wait(asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      if (sig == SIGHUP) {
        reload();
        continue;
      }
      log::notice("signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                             {"detail", "withdrawing announced routes, then exiting"}});
      co_await withdraw_all_and_exit();
      co_return;
    }
  }

  awaitable<void> withdraw_all_and_exit() {
    ctx_.stopping = true;
    for (auto& svc : services_) svc->withdraw_all();
    // The withdrawals are on their way (the bridge writes them); meanwhile the presence goes,
    // so that no other node counts this one for the fleet floor while it is gone.
    if (fleet_) co_await fleet_->leave();
    bool drained = co_await bridge_.drain(milliseconds(2000));
    if (!drained) {
      log::warning("shutdown", {{"detail", "ExaBGP did not acknowledge the withdrawals within 2 s"},
                                {"pending_acks", std::to_string(bridge_.core().pending_acks())}});
    }
    status_.write_now();
    log::notice("exit", {{"withdrawals_acknowledged", drained ? "true" : "false"}});
    finish(exit_code_after_withdraw_);
  }

  std::shared_ptr<ServiceRunner> find_service(const std::string& name) const {
    for (const auto& s : services_) {
      if (s->name() == name) return s;
    }
    return nullptr;
  }

  // SIGHUP: the plan says what changes; this only carries it out, in its order: withdrawals
  // first, then the dropped services stop, the kept ones take their new settings (and send
  // changed attributes at once), the new ones start in INIT.
  void reload() {
    auto result = load_config_file(config_path_);
    if (!result.config) {
      log::error("reload_rejected",
                 {{"config", config_path_},
                  {"problems", std::to_string(result.problems.size())},
                  {"first", result.problems.empty() ? "" : result.problems.front()},
                  {"detail",
                   "the running configuration stays in force; run anycast-sidecar "
                   "check-config --config " +
                       config_path_ + ", fix, then anycast-sidecar reload"}});
      for (const auto& p : result.problems) log::error("config_problem", {{"problem", p}});
      if (!config_error_.empty()) {
        config_error_ = result.problems;
        status_.reloaded({});  // the problems show as config_error
      } else {
        status_.reloaded(result.problems);  // `status` warns until a reload is accepted
      }
      return;
    }
    if (!config_error_.empty()) {
      // Until now nothing was announced and the bridge runs with default settings: start over
      // as this very process (same pid, same pipes: ExaBGP sees no child death) on the now valid
      // configuration, through the normal start.
      log::notice("config_fixed", {{"config", config_path_},
                                   {"detail", "configuration now valid; restarting in place"}});
      reexec_self(config_path_);
      return;  // only if exec failed (logged); keep running announcing nothing
    }
    Config next = std::move(*result.config);
    SentByService sent;
    for (const auto& s : services_) sent[s->name()] = s->sent();
    auto plan = plan_reload(config_, next, sent);

    if (next.fleet != config_.fleet) {
      log::warning("reload",
                   {{"setting", "fleet"}, {"detail", "takes effect at the next restart"}});
    }
    for (const auto& name : plan.restart_needed) {
      log::warning("reload", {{"setting", name}, {"detail", "takes effect at the next restart"}});
    }
    for (const auto& w : plan.withdraw) {
      log::info("route", {{"service", w.service},
                          {"desired", "withdraw"},
                          {"command", w.line},
                          {"detail", "no longer configured"}});
      bridge_.retire(w.key, w.line);
    }
    for (const auto& w : plan.already_withdrawn) bridge_.retire(w.key, w.line);
    for (const auto& h : plan.handover) {
      log::info("route_handover", {{"from", h.from}, {"to", h.to}, {"key", h.key}});
    }
    std::vector<std::shared_ptr<ServiceRunner>> next_services;
    for (const auto& name : plan.stop) {
      find_service(name)->stop();
      log::notice("service_removed", {{"service", name}});
    }
    for (const auto& sc : next.services) {
      if (auto svc = find_service(sc.name)) {
        auto f = plan.forget.find(sc.name);
        svc->reconfigure(sc, f == plan.forget.end() ? std::vector<std::string>{} : f->second);
        next_services.push_back(svc);
      }
    }
    services_ = std::move(next_services);
    const bool refresh_was_running = config_.exabgp.refresh.count() > 0;
    // exabgp.ack, ack_timeout_ms and ping_interval_ms stay as started (plan.restart_needed).
    config_.services = next.services;
    withdraw_uncovered_inherited();
    config_.status_file = next.status_file;
    config_.metrics_file = next.metrics_file;
    config_.exabgp.refresh = next.exabgp.refresh;
    config_.exabgp.hitless_restart = next.exabgp.hitless_restart;
    ctx_.hitless_restart = next.exabgp.hitless_restart;
    log::Level level;
    if (log::parse_level(next.log_level, &level)) log::set_level(level);
    for (const auto& name : plan.start) {
      for (const auto& sc : next.services) {
        if (sc.name == name) add_service(sc);
      }
      log::notice("service_added", {{"service", name}});
    }
    for (const auto& h : plan.handover) {
      if (auto svc = find_service(h.to)) svc->adopt(h.key, h.line);
    }
    if (plan.start_refresh && !refresh_was_running) spawn("refresh", refresh_loop());
    refresh_timer_.cancel();
    log::notice("reloaded",
                {{"config", config_path_}, {"services", std::to_string(config_.services.size())}});
    status_.reloaded({});
  }

  // ExaBGP is gone or going (its routes go with it): the fleet presence goes first, so that no
  // node counts this one for the floor meanwhile (a few ms; bounded in FleetAgent::leave).
  void leave_and_finish(int code) {
    if (!fleet_ || ctx_.stopping) return finish(code);
    ctx_.stopping = true;
    spawn("fleet leave", leave_then_finish(code));
  }
  awaitable<void> leave_then_finish(int code) {
    co_await fleet_->leave();
    finish(code);
  }

  void finish(int code) {
    if (finished_) return;
    finished_ = true;
    ctx_.stopping = true;
    exit_code_ = code;
    status_.finish();
    io_.stop();
  }

  asio::io_context& io_;
  std::string config_path_;
  Config config_;
  std::vector<bridge::Route> inherited_;  // the previous instance's routes a route here covers
  // Set while running on an invalid configuration (announcing nothing); SIGHUP retries.
  std::vector<std::string> config_error_;
  bridge::Bridge bridge_;
  probes::DnsProber prober_;
  // Construction order matters: the hub holds the context, and the services' watches
  // unsubscribe from the hub when they go, so context, hub, services, in that order.
  DaemonContext ctx_;
  WatchHub watch_hub_;
  std::vector<std::shared_ptr<ServiceRunner>> services_;
  StatusPublisher status_;
  asio::signal_set signals_;
  asio::steady_timer refresh_timer_;
  std::unique_ptr<FleetAgent> fleet_;  // with a fleet block
  std::string verify_path_;
  std::optional<fleet::VerifyRecord> verify_;  // the last verify file read
  bool finished_ = false;
  int exit_code_ = 0;
  int exit_code_after_withdraw_ = 0;  // 70 after an internal error, else 0 (SIGTERM)
};

}  // namespace

int run_daemon(const std::string& config_path, Config config,
               std::vector<std::string> config_error) {
  asio::io_context io(1);
  Daemon daemon(io, config_path, std::move(config), std::move(config_error));
  return daemon.run();
}

}  // namespace sidecar
