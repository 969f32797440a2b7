// The daemon: one io_context, one coroutine per service (probe -> decide -> desired routes), the
// ExaBGP bridge, the status/metrics writer and the signal handler, all on one thread. Nothing here
// blocks: probes are c-ares/Boost.Process on the loop, the bridge never blocks on ExaBGP's pipes,
// files are small local writes.
#include "sidecar/daemon.hpp"

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
#include <map>
#include <memory>
#include <unistd.h>

#include "exabgp-bridge/bridge.hpp"
#include "exabgp-bridge/exception_text.hpp"
#include "probes/exec_check.hpp"
#include "sidecar/atomic_file.hpp"
#include "sidecar/check_runner.hpp"
#include "sidecar/log.hpp"
#include "sidecar/maintenance_file.hpp"
#include "sidecar/route_policy.hpp"
#include "sidecar/state_machine.hpp"
#include "sidecar/status_model.hpp"
#include "sidecar/version.hpp"

namespace sidecar {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;
using asio::awaitable;
using asio::use_awaitable;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Converts a steady-clock instant (what the pure cores use) into Unix time for the status file.
double to_unix(Clock::time_point t) {
  return unix_now() - std::chrono::duration<double>(Clock::now() - t).count();
}


struct Service {
  explicit Service(asio::io_context& io, ServiceConfig c) : cfg(std::move(c)), timer(io) {}
  ServiceConfig cfg;
  Machine machine;
  ServiceView view;
  asio::steady_timer timer;
  bool removed = false;
  std::map<std::string, std::string> sent;  // route key -> last line handed to the bridge
  bool hook_running = false;
  std::optional<Transition> pending_hook;
};

class Daemon {
 public:
  Daemon(asio::io_context& io, std::string config_path, Config config)
      : io_(io),
        config_path_(std::move(config_path)),
        config_(std::move(config)),
        bridge_(io, bridge_options(config_.exabgp)),
        prober_(io),
        signals_(io, SIGTERM, SIGINT, SIGHUP),
        status_timer_(io),
        refresh_timer_(io) {}

  int run() {
    started_unix_ = unix_now();
    bridge_.on_eof = [this] {
      log::notice("exabgp_gone", {{"detail", "EOF on stdin: ExaBGP closed the pipe; exiting"}});
      finish(0);
    };
    bridge_.on_shutdown = [this] {
      // ExaBGP has closed its peers and will SIGTERM us and wait without limit: leave now.
      log::notice("exabgp_shutdown", {{"detail", "ExaBGP announced its shutdown; exiting"}});
      finish(0);
    };
    bridge_.on_change = [this] { status_dirty(); };
    bridge_.on_fatal = [this](const std::string& what) {
      // Without the reader ExaBGP would wedge on us: leave now, ExaBGP restarts the sidecar.
      log::error("internal_error",
                 {{"task", "bridge"}, {"detail", what + "; exiting with status 70"}});
      finish(70);
    };
    bridge_.start();
    for (const auto& sc : config_.services) add_service(sc);
    spawn("signals", signal_loop());
    spawn("status_file", status_loop());
    if (config_.exabgp.refresh.count() > 0) spawn("refresh", refresh_loop());
    log::notice("started", {{"version", kVersion},
                            {"config", config_path_},
                            {"services", std::to_string(config_.services.size())},
                            {"status_file", config_.status_file}});
    io_.run();
    return exit_code_;
  }

 private:
  static bridge::BridgeOptions bridge_options(const ExabgpSettings& s) {
    bridge::BridgeOptions o;
    o.ack = s.ack;
    o.ack_timeout = s.ack_timeout;
    o.ping_interval = s.ping_interval;
    return o;
  }

  void add_service(const ServiceConfig& sc) {
    auto svc = std::make_shared<Service>(io_, sc);
    svc->machine.since = Clock::now();
    svc->view.since_unix = unix_now();
    refresh_view_config(*svc);
    services_.push_back(svc);
    spawn("service", service_loop(svc));
  }

  // Every coroutine of the daemon starts here. One that ends with an exception (a bug) must not
  // vanish silently, as asio::detached would let it, leaving a route announced with nobody
  // checking it: it is logged, the routes are withdrawn and the daemon exits 70 (EX_SOFTWARE),
  // after which ExaBGP restarts it.
  void spawn(const char* task, awaitable<void> coroutine) {
    asio::co_spawn(io_, std::move(coroutine), [this, task](std::exception_ptr e) {
      if (!e || finished_) return;
      log::error("internal_error", {{"task", task},
                                    {"detail", bridge::exception_text(e) +
                                                   "; withdrawing and exiting with status 70"}});
      exit_code_after_withdraw_ = 70;
      if (stopping_) {
        finish(70);
      } else {
        spawn("shutdown", withdraw_all_and_exit());
      }
    });
  }

  // The parts of the view that come from configuration (kept across reloads otherwise).
  void refresh_view_config(Service& svc) {
    const auto& c = svc.cfg;
    svc.view.name = c.name;
    svc.view.interval = c.interval;
    svc.view.fast_interval = c.fast_interval;
    svc.view.rise = c.rise;
    svc.view.fall = c.fall;
    svc.view.policy = policy_to_string(c.policy);
    std::vector<CheckView> checks;
    for (const auto& ch : c.checks) {
      CheckView v;
      v.name = ch.name;
      // A reloaded check with the same name keeps its history.
      for (const auto& old : svc.view.checks) {
        if (old.name == ch.name) v = old;
      }
      v.name = ch.name;
      if (ch.type == CheckConfig::Type::dns) {
        v.type = "dns";
        v.server = ch.dns.server;
        v.port = ch.dns.port;
        v.qname = ch.dns.qname;
        v.qtype = probes::qtype_to_string(ch.dns.qtype);
        v.transport = ch.dns.transport == probes::Transport::tcp ? "tcp" : "udp";
      } else {
        v.type = "exec";
        v.command = ch.exec.argv;
      }
      checks.push_back(std::move(v));
    }
    svc.view.checks = std::move(checks);
  }

  awaitable<void> service_loop(std::shared_ptr<Service> svc) {
    // Rounds are planned on a fixed grid (planned += period), not from when the loop woke up:
    // otherwise every late wake-up, however small, shifts all later rounds and a busy node
    // quietly runs fewer checks than configured. An overrun restarts the grid at once.
    auto planned = Clock::now();
    while (!svc->removed && !stopping_) {
      ServiceConfig cfg = svc->cfg;  // a reload may replace svc->cfg while probes are in flight
      auto results = co_await run_checks(prober_, cfg.checks);
      if (svc->removed || stopping_) break;
      decide(*svc, cfg, results);
      status_dirty();
      auto period = wants_fast_interval(svc->machine.state) ? cfg.fast_interval : cfg.interval;
      planned += period;
      if (auto now = Clock::now(); planned < now) planned = now;
      svc->timer.expires_at(planned);
      boost::system::error_code ec;
      co_await svc->timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }

  void decide(Service& svc, const ServiceConfig& cfg, const std::vector<probes::CheckResult>& rs) {
    const double now_unix = unix_now();
    const auto now = Clock::now();
    ++svc.view.rounds;
    for (std::size_t i = 0; i < rs.size() && i < svc.view.checks.size(); ++i) {
      auto& v = svc.view.checks[i];
      const auto& r = rs[i];
      v.last = r;
      v.at_unix = now_unix;
      if (r.ok) {
        ++v.consecutive_successes;
        v.consecutive_failures = 0;
      } else {
        ++v.consecutive_failures;
        v.consecutive_successes = 0;
      }
      auto idx = static_cast<std::size_t>(r.reason);
      if (idx < kReasonCount) ++svc.view.probes_by_reason[idx];
      if (!r.ok && v.consecutive_failures == 1) {
        log::warning("check_failed", {{"service", cfg.name},
                                      {"check", v.name},
                                      {"reason", std::string(probes::to_string(r.reason))},
                                      {"detail", r.detail}});
      } else if (r.ok && v.consecutive_successes == 1 && svc.view.rounds > 1) {
        log::info("check_recovered", {{"service", cfg.name}, {"check", v.name}});
      }
    }

    auto maintenance = read_maintenance(cfg.maintenance_file);
    if (maintenance) {
      svc.view.maintenance = MaintenanceView{maintenance->reason, maintenance->since_unix};
    } else {
      svc.view.maintenance.reset();
    }

    Observation obs;
    obs.healthy = policy_healthy(cfg.policy, rs);
    obs.maintenance = maintenance.has_value();
    obs.reason = maintenance ? maintenance->reason : failing_summary(cfg.checks, rs);
    obs.now = now;
    MachineParams params{cfg.rise, cfg.fall, cfg.hold_down};
    auto st = step(svc.machine, obs, params);
    svc.machine = st.next;
    if (st.transition) {
      const auto& t = *st.transition;
      svc.view.state = svc.machine.state;
      svc.view.since_unix = now_unix;
      ++svc.view.transitions_total;
      svc.view.transitions.push_back({now_unix, t.from, t.to, t.reason});
      while (svc.view.transitions.size() > std::max<std::size_t>(1, cfg.transitions_kept)) {
        svc.view.transitions.pop_front();
      }
      log::notice("transition", {{"service", cfg.name},
                                 {"from", std::string(to_string(t.from))},
                                 {"to", std::string(to_string(t.to))},
                                 {"reason", t.reason}});
      start_hook(svc, t);
    }
    apply_routes(svc);
  }

  void apply_routes(Service& svc) {
    auto commands = commands_for(svc.machine.state, svc.cfg);
    std::vector<RouteView> views;
    for (std::size_t i = 0; i < commands.size() && i < svc.cfg.routes.size(); ++i) {
      const auto& cmd = commands[i];
      RouteView rv;
      rv.prefix = svc.cfg.routes[i].route.prefix.text;
      rv.next_hop = svc.cfg.routes[i].route.next_hop.text;
      rv.desired = cmd.desired;
      if (cmd.desired != Desired::none) {
        auto& last = svc.sent[cmd.key];
        if (last != cmd.line) {
          log::info("route", {{"service", svc.cfg.name},
                              {"prefix", rv.prefix},
                              {"desired", std::string(to_string(cmd.desired))},
                              {"command", cmd.line}});
          bridge_.set_desired(cmd.key, cmd.line);
          last = cmd.line;
        }
        rv.command = cmd.line;
      }
      views.push_back(std::move(rv));
    }
    svc.view.routes = std::move(views);
  }

  void start_hook(Service& svc, const Transition& t) {
    const auto& hooks = svc.cfg.hooks;
    const auto& argv = t.to == ServiceState::up     ? hooks.on_up
                       : t.to == ServiceState::down ? hooks.on_down
                       : t.to == ServiceState::disabled ? hooks.on_disabled
                                                        : std::vector<std::string>{};
    if (argv.empty()) return;
    if (svc.hook_running) {  // one hook at a time per service; only the latest waits
      svc.pending_hook = t;
      return;
    }
    svc.hook_running = true;
    // Find the shared_ptr owning svc so the hook outlives a reload that drops the service.
    std::shared_ptr<Service> owner;
    for (auto& s : services_) {
      if (s.get() == &svc) owner = s;
    }
    spawn("hook", run_hook(owner, argv, t));
  }

  awaitable<void> run_hook(std::shared_ptr<Service> svc, std::vector<std::string> argv,
                           Transition t) {
    for (;;) {
      std::vector<std::pair<std::string, std::string>> env = {
          {"ANYCAST_SIDECAR_SERVICE", svc->cfg.name},
          {"ANYCAST_SIDECAR_STATE", std::string(to_string(t.to))},
          {"ANYCAST_SIDECAR_PREVIOUS_STATE", std::string(to_string(t.from))},
          {"ANYCAST_SIDECAR_REASON", t.reason}};
      auto outcome = co_await probes::run_process(argv, svc->cfg.hook_timeout, env);
      bool ok = outcome.started && !outcome.timed_out && outcome.exit_status == 0;
      log::write(ok ? log::Level::info : log::Level::warning, "hook",
                 {{"service", svc->cfg.name},
                  {"state", std::string(to_string(t.to))},
                  {"program", argv.front()},
                  {"ok", ok ? "true" : "false"},
                  {"detail", outcome.detail}});
      if (!svc->pending_hook) break;
      t = *svc->pending_hook;
      svc->pending_hook.reset();
      const auto& h = svc->cfg.hooks;
      argv = t.to == ServiceState::up         ? h.on_up
             : t.to == ServiceState::down     ? h.on_down
             : t.to == ServiceState::disabled ? h.on_disabled
                                              : std::vector<std::string>{};
      if (argv.empty()) break;
    }
    svc->hook_running = false;
  }

  // Periodic full re-send of the current state (exabgp.refresh_ms): heals state lost anywhere
  // between us and the router, and lets tests push many commands through ExaBGP.
  awaitable<void> refresh_loop() {
    while (!stopping_) {
      refresh_timer_.expires_after(config_.exabgp.refresh);
      boost::system::error_code ec;
      co_await refresh_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
      if (stopping_ || config_.exabgp.refresh.count() == 0) break;
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
    stopping_ = true;
    for (auto& svc : services_) {
      svc->timer.cancel();
      withdraw_service(*svc);
    }
    bool drained = co_await bridge_.drain(milliseconds(2000));
    if (!drained) {
      log::warning("shutdown", {{"detail", "ExaBGP did not acknowledge the withdrawals within 2 s"},
                                {"pending_acks", std::to_string(bridge_.core().pending_acks())}});
    }
    write_status();
    log::notice("exit", {{"withdrawals_acknowledged", drained ? "true" : "false"}});
    finish(exit_code_after_withdraw_);
  }

  // Withdraws every route of a service that was announced (or announced-down).
  void withdraw_service(Service& svc) {
    for (const auto& rc : svc.cfg.routes) {
      auto key = bridge::route_key(rc.route);
      auto it = svc.sent.find(key);
      if (it == svc.sent.end()) continue;
      auto line = bridge::format_withdraw(rc.route);
      if (it->second != line) {
        bridge_.set_desired(key, line);
        it->second = line;
      }
    }
    for (auto& rv : svc.view.routes) {
      rv.desired = Desired::withdraw;
      rv.command = "";
    }
  }

  void reload() {
    auto result = load_config_file(config_path_);
    if (!result.config) {
      log::error("reload_rejected",
                 {{"config", config_path_},
                  {"problems", std::to_string(result.problems.size())},
                  {"first", result.problems.empty() ? "" : result.problems.front()},
                  {"detail", "the running configuration stays in force; run anycast-sidecar "
                             "check-config --config " + config_path_}});
      for (const auto& p : result.problems) log::error("config_problem", {{"problem", p}});
      return;
    }
    Config next = std::move(*result.config);
    if (next.exabgp.ack != config_.exabgp.ack ||
        next.exabgp.ack_timeout != config_.exabgp.ack_timeout ||
        next.exabgp.ping_interval != config_.exabgp.ping_interval) {
      log::warning("reload", {{"detail", "exabgp.ack/ack_timeout_ms/ping_interval_ms changes "
                                         "take effect at the next restart"}});
    }
    // Services that disappear, and routes that disappear from kept services, are withdrawn.
    std::vector<std::shared_ptr<Service>> kept;
    for (auto& svc : services_) {
      const ServiceConfig* nc = nullptr;
      for (const auto& s : next.services) {
        if (s.name == svc->cfg.name) nc = &s;
      }
      if (!nc) {
        withdraw_service(*svc);
        svc->removed = true;
        svc->timer.cancel();
        log::notice("service_removed", {{"service", svc->cfg.name}});
        continue;
      }
      for (const auto& old_route : svc->cfg.routes) {
        auto key = bridge::route_key(old_route.route);
        bool still = false;
        for (const auto& r : nc->routes) still = still || bridge::route_key(r.route) == key;
        if (!still && svc->sent.count(key)) {
          bridge_.set_desired(key, bridge::format_withdraw(old_route.route));
          svc->sent.erase(key);
        }
      }
      svc->cfg = *nc;
      refresh_view_config(*svc);
      apply_routes(*svc);  // attribute changes go out now, not at the next round
      kept.push_back(svc);
    }
    services_ = std::move(kept);
    auto old_refresh = config_.exabgp.refresh;
    auto old_services = config_.services;
    config_.services = next.services;
    config_.status_file = next.status_file;
    config_.metrics_file = next.metrics_file;
    config_.exabgp.refresh = next.exabgp.refresh;
    log::Level level;
    if (log::parse_level(next.log_level, &level)) log::set_level(level);
    for (const auto& s : next.services) {
      bool exists = false;
      for (const auto& o : old_services) exists = exists || o.name == s.name;
      if (!exists) {
        add_service(s);
        log::notice("service_added", {{"service", s.name}});
      }
    }
    if (old_refresh.count() == 0 && config_.exabgp.refresh.count() > 0) {
      spawn("refresh", refresh_loop());
    }
    refresh_timer_.cancel();
    log::notice("reloaded", {{"config", config_path_},
                             {"services", std::to_string(config_.services.size())}});
    status_dirty();
  }

  void status_dirty() {
    if (status_dirty_) return;
    status_dirty_ = true;
    if (!status_throttled_) status_timer_.cancel();
  }

  milliseconds heartbeat_period() const {
    milliseconds p{1000};
    for (const auto& s : config_.services) p = std::min(p, s.interval);
    return std::max(p, milliseconds(50));
  }

  awaitable<void> status_loop() {
    while (!finished_) {
      write_status();
      // At most one write per 20 ms however many services decide meanwhile (changes wait out
      // the gap), and at least one per heartbeat period, so a stale file means a stuck loop.
      boost::system::error_code ec;
      status_throttled_ = true;
      status_timer_.expires_after(milliseconds(20));
      co_await status_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
      status_throttled_ = false;
      if (finished_) break;
      if (!status_dirty_) {
        status_timer_.expires_at(last_status_write_ + heartbeat_period());
        co_await status_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
      }
    }
  }

  StatusSnapshot snapshot() {
    StatusSnapshot s;
    s.version = kVersion;
    s.pid = static_cast<long>(::getpid());
    s.started_unix = started_unix_;
    s.updated_unix = unix_now();
    s.seq = ++seq_;
    const auto& core = bridge_.core();
    s.exabgp.state = core.state();
    s.exabgp.pending_acks = core.pending_acks();
    if (core.last_ack()) s.exabgp.last_ack_unix = to_unix(*core.last_ack());
    s.exabgp.detail = core.detail();
    for (const auto& n : core.neighbors()) {
      s.exabgp.neighbors.push_back({n.peer, n.state, to_unix(n.since)});
    }
    s.exabgp.counters = core.counters();
    s.exabgp.ack = core.options().ack;
    s.exabgp.version = core.exabgp_version();
    for (auto& svc : services_) {
      auto view = svc->view;
      view.state = svc->machine.state;
      for (std::size_t i = 0; i < view.routes.size() && i < svc->cfg.routes.size(); ++i) {
        auto rs = core.route_status(bridge::route_key(svc->cfg.routes[i].route));
        view.routes[i].confirmed = rs.known && rs.confirmed;
        view.routes[i].rejected = rs.rejected;
      }
      s.services.push_back(std::move(view));
    }
    s.log_lines_dropped = log::dropped_lines();
    return s;
  }

  void write_status() {
    status_dirty_ = false;
    last_status_write_ = Clock::now();
    bridge_.tick();  // notices a write stuck in the pipe even while the writer is suspended
    auto snap = snapshot();
    if (snap.exabgp.state != last_bridge_state_) {
      auto level = snap.exabgp.state == bridge::LinkState::ok ? log::Level::notice
                                                               : log::Level::error;
      log::write(level, "bridge", {{"state", std::string(bridge::to_string(snap.exabgp.state))},
                                   {"detail", snap.exabgp.detail}});
      last_bridge_state_ = snap.exabgp.state;
    }
    auto text = status_to_json(snap).dump(2) + "\n";
    report_write_error("status_file", write_file_atomically(config_.status_file, text));
    if (!config_.metrics_file.empty()) {
      // node_exporter reads the metrics file every 15-60 s: rewriting it every round would
      // double the cost of a check for nothing. Once a second, and at once when something an
      // alert keys on changes (a state, an announcement's confirmation, the bridge).
      auto key = alert_key(snap);
      if (key != last_metrics_key_ || last_status_write_ - last_metrics_write_ >= seconds(1)) {
        report_write_error("metrics_file",
                           write_file_atomically(config_.metrics_file, metrics_text(snap)));
        last_metrics_key_ = std::move(key);
        last_metrics_write_ = last_status_write_;
      }
    }
  }

  static std::string alert_key(const StatusSnapshot& snap) {
    std::string key(bridge::to_string(snap.exabgp.state));
    for (const auto& svc : snap.services) {
      key += ' ';
      key += to_string(svc.state);
      key += svc.maintenance ? 'm' : '-';
      for (const auto& r : svc.routes) key += r.confirmed ? 'c' : r.rejected ? 'r' : '-';
    }
    return key;
  }

  // A write error is logged when it first appears and then once a minute, not every heartbeat.
  void report_write_error(const char* what, const std::optional<std::string>& error) {
    auto& last = write_error_logged_[what];
    if (!error) {
      last = {};
      return;
    }
    auto now = Clock::now();
    if (last == Clock::time_point{} || now - last > std::chrono::minutes(1)) {
      log::error("write_failed", {{"file", what}, {"detail", *error}});
      last = now;
    }
  }

  void finish(int code) {
    if (finished_) return;
    finished_ = true;
    stopping_ = true;
    exit_code_ = code;
    io_.stop();
  }

  asio::io_context& io_;
  std::string config_path_;
  Config config_;
  bridge::Bridge bridge_;
  probes::DnsProber prober_;
  asio::signal_set signals_;
  asio::steady_timer status_timer_;
  asio::steady_timer refresh_timer_;
  std::vector<std::shared_ptr<Service>> services_;
  bool stopping_ = false;
  bool finished_ = false;
  bool status_dirty_ = false;
  bool status_throttled_ = false;
  int exit_code_ = 0;
  int exit_code_after_withdraw_ = 0;  // 70 after an internal error, else 0 (SIGTERM)
  double started_unix_ = 0;
  std::uint64_t seq_ = 0;
  Clock::time_point last_status_write_{};
  Clock::time_point last_metrics_write_{};
  std::string last_metrics_key_;
  bridge::LinkState last_bridge_state_ = bridge::LinkState::ok;
  std::map<std::string, Clock::time_point> write_error_logged_;
};

constexpr const char* kRunHelp =
    "usage: anycast-sidecar run --config FILE\n"
    "\n"
    "The daemon, started by ExaBGP's `process` directive. Reads ExaBGP's messages on stdin,\n"
    "writes API commands on stdout, logs on stderr, writes the status file.\n"
    "Signals: SIGTERM/SIGINT withdraw announced routes and exit 0; SIGHUP reloads the\n"
    "configuration (an invalid one is logged and the old one kept). EOF on stdin exits 0.\n";

}  // namespace

int run_daemon_command(const std::vector<std::string>& args) {
  std::string config_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kRunHelp, stdout);  // only on request, never under ExaBGP
      return 0;
    }
    if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (args[i].rfind("--config=", 0) == 0) {
      config_path = args[i].substr(9);
    } else {
      std::fprintf(stderr, "anycast-sidecar run: unexpected argument '%s'\n%s", args[i].c_str(),
                   kRunHelp);
      return 3;
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "anycast-sidecar run: --config FILE is required\n%s", kRunHelp);
    return 3;
  }
  auto result = load_config_file(config_path);
  if (!result.config) {
    // stdout belongs to ExaBGP: problems go to stderr only.
    std::fprintf(stderr, "anycast-sidecar: invalid configuration %s (%zu problem%s):\n",
                 config_path.c_str(), result.problems.size(),
                 result.problems.size() == 1 ? "" : "s");
    for (const auto& p : result.problems) std::fprintf(stderr, "  %s\n", p.c_str());
    std::fprintf(stderr, "fix it and check with: anycast-sidecar check-config --config %s\n",
                 config_path.c_str());
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe to ExaBGP is EPIPE (bridge gone), not death
  log::init_nonblocking_stderr();
  log::Level level;
  if (log::parse_level(result.config->log_level, &level)) log::set_level(level);
  asio::io_context io(1);
  Daemon daemon(io, config_path, std::move(*result.config));
  return daemon.run();
}

}  // namespace sidecar
