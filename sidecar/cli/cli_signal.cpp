// `reload` (SIGHUP) and `restart` (SIGKILL) of the running daemon. The pid comes from the status
// file and is checked against /proc/PID/cmdline first, so a reused pid is never signalled and
// no pattern (`pkill -f`) can hit another program or another sidecar on the host.
//
// Why SIGKILL for a restart: SIGTERM means "stop serving" and withdraws every route before the
// exit. A killed child is respawned by ExaBGP within a second, and the new instance sends nothing
// until its service is up again (hitless restart), while ExaBGP keeps announcing what the
// previous one left: the router never loses the route.
#include "sidecar/cli/cli_signal.hpp"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "sidecar/cli/cli_util.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/lib/regular_file.hpp"

namespace sidecar {
namespace {

constexpr const char* kReloadUsage =
    "usage: anycast-sidecar reload [--config FILE | --status-file FILE] [--timeout SECONDS]\n"
    "Sends SIGHUP to the running daemon (its pid from the status file) and waits until it has\n"
    "read the configuration again. Exit 0 accepted; 1 rejected (the problems are printed, the\n"
    "previous configuration keeps running and `status` warns until a reload is accepted);\n"
    "2 no answer within --timeout (default 10); 3 no running daemon, bad usage.\n"
    "systemctl reload anycast-exabgp runs this command.\n";

constexpr const char* kRestartUsage =
    "usage: anycast-sidecar restart [--config FILE | --status-file FILE] [--timeout SECONDS]\n"
    "Restarts the daemon without withdrawing its routes (after an upgrade of the binary):\n"
    "SIGKILL to its pid from the status file; ExaBGP starts a new one, which sends nothing until\n"
    "its services pass `rise` rounds, while ExaBGP keeps the routes announced. Waits until the\n"
    "new instance writes its status file. Exit 0 restarted; 2 no new instance within --timeout\n"
    "(default 10; see journalctl -u anycast-exabgp); 3 no running daemon, started less than\n"
    "16 s ago (ExaBGP ends itself after 5 child starts within 64 s), bad usage.\n";

// ExaBGP counts child starts in 64-s windows and exits at the sixth: restarts 16 s apart never
// put more than 4 in one window.
constexpr double kMinLifetimeS = 16;

struct Running {
  long pid = 0;
  double started_unix = 0;
  std::optional<double> reloaded_unix;
  nlohmann::json status;
};

std::string status_path_of(const ParsedArgs& a, std::string* error) {
  if (auto sf = a.value("--status-file")) return *sf;
  auto path = config_path_of(a);
  auto text = read_regular_file(path, 4 * 1024 * 1024);
  if (!text.text) {
    *error = text.error + " (or pass --status-file FILE)";
    return {};
  }
  auto loaded = parse_config(*text.text);
  return loaded.config ? loaded.config->status_file : best_effort_status_file(*text.text);
}

// The daemon that wrote the status file, if it still runs as `anycast-sidecar run`.
std::optional<Running> read_running(const std::string& status_path, std::string* error) {
  auto file = read_regular_file(status_path, 16 * 1024 * 1024);
  if (!file.text) {
    *error = file.error + ": is anycast-sidecar running?";
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(*file.text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("pid") || !j["pid"].is_number_integer()) {
    *error = text::printable(status_path, 300) + " has no pid: not an anycast-sidecar status";
    return std::nullopt;
  }
  Running r;
  r.pid = j["pid"].get<long>();
  if (j.contains("started_unix") && j["started_unix"].is_number()) {
    r.started_unix = j["started_unix"].get<double>();
  }
  if (j.contains("reloaded_unix") && j["reloaded_unix"].is_number()) {
    r.reloaded_unix = j["reloaded_unix"].get<double>();
  }
  r.status = std::move(j);
  return r;
}

std::optional<Running> checked_running(const std::string& status_path, std::string* error) {
  auto r = read_running(status_path, error);
  if (!r) return r;
  auto cmdline = r->pid > 1
                     ? read_regular_file("/proc/" + std::to_string(r->pid) + "/cmdline", 64 * 1024)
                     : FileText{};
  if (!cmdline.text || !is_sidecar_run(*cmdline.text)) {
    *error = "pid " + std::to_string(r->pid) + " from " + text::printable(status_path, 300) +
             " is not a running `anycast-sidecar run` (not running, or another user's under "
             "ProtectProc=): systemctl status anycast-exabgp";
    return std::nullopt;
  }
  return r;
}

struct Common {
  ParsedArgs args;
  std::string status_path;
  std::chrono::seconds timeout{10};
};

// Parses the shared options; returns an exit code when the command must end here.
std::optional<int> parse_common(const char* command, const char* usage,
                                const std::vector<std::string>& argv, Common* c) {
  c->args = parse_args(argv, {"--config", "--status-file", "--timeout"}, {"--help"});
  const auto& a = c->args;
  if (a.has("--help")) {
    std::fputs(usage, stdout);
    return 0;
  }
  if (!a.error.empty()) return usage_error(command, a.error, usage);
  if (!a.positional.empty()) {
    return usage_error(command, "unexpected " + text::printable(a.positional[0], 80), usage);
  }
  if (a.value("--config") && a.value("--status-file")) {
    return usage_error(command, "give --config or --status-file, not both", usage);
  }
  if (auto t = a.value("--timeout")) {
    char* end = nullptr;
    long long s = std::strtoll(t->c_str(), &end, 10);
    if (t->empty() || *end != '\0' || s < 1 || s > 3600) {
      return usage_error(command, "--timeout takes whole seconds from 1 to 3600", usage);
    }
    c->timeout = std::chrono::seconds(s);
  }
  std::string error;
  c->status_path = status_path_of(a, &error);
  if (c->status_path.empty()) {
    std::fprintf(stderr, "anycast-sidecar %s: %s\n", command, error.c_str());
    return 3;
  }
  return std::nullopt;
}

// Polls the status file until `done` says so or the timeout passes (a command, not the daemon:
// a short sleep between reads is the whole cost).
template <typename Done>
std::optional<Running> wait_for(const std::string& status_path, std::chrono::seconds timeout,
                                Done done) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string ignored;
    if (auto r = read_running(status_path, &ignored); r && done(*r)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

std::vector<std::string> lines_of(const nlohmann::json& status, const char* key) {
  std::vector<std::string> out;
  if (!status.contains(key) || !status[key].is_array()) return out;
  for (const auto& l : status[key]) {
    if (l.is_string()) out.push_back(text::printable(l.get<std::string>(), 300));
  }
  return out;
}

}  // namespace

int run_reload_command(const std::vector<std::string>& argv) {
  Common c;
  if (auto rc = parse_common("reload", kReloadUsage, argv, &c)) return *rc;
  std::string error;
  auto before = checked_running(c.status_path, &error);
  if (!before) {
    std::fprintf(stderr, "anycast-sidecar reload: %s\n", error.c_str());
    return 3;
  }
  if (::kill(static_cast<pid_t>(before->pid), SIGHUP) != 0) {
    std::perror("anycast-sidecar reload: kill");
    return 3;
  }
  // Handled: a new reloaded_unix, or a new start (an invalid configuration at start is fixed by
  // an exec of the same pid, with a new started_unix).
  auto after = wait_for(c.status_path, c.timeout, [&](const Running& r) {
    return r.reloaded_unix != before->reloaded_unix || r.started_unix != before->started_unix;
  });
  if (!after) {
    std::fprintf(stderr,
                 "anycast-sidecar reload: pid %ld has not reported the reload within %llds "
                 "(journalctl -u anycast-exabgp)\n",
                 before->pid, static_cast<long long>(c.timeout.count()));
    return 2;
  }
  auto problems = lines_of(after->status, "reload_error");
  for (const auto& p : lines_of(after->status, "config_error")) problems.push_back(p);
  if (!problems.empty()) {
    std::printf("reload rejected, the previous configuration keeps running:\n");
    for (const auto& p : problems) std::printf("  %s\n", p.c_str());
    return 1;
  }
  std::printf("reloaded (pid %ld)\n", after->pid);
  return 0;
}

int run_restart_command(const std::vector<std::string>& argv) {
  Common c;
  if (auto rc = parse_common("restart", kRestartUsage, argv, &c)) return *rc;
  std::string error;
  auto before = checked_running(c.status_path, &error);
  if (!before) {
    std::fprintf(stderr, "anycast-sidecar restart: %s\n", error.c_str());
    return 3;
  }
  const double age = unix_now() - before->started_unix;
  if (age < kMinLifetimeS) {
    std::fprintf(stderr,
                 "anycast-sidecar restart: pid %ld started %.0f s ago; wait %.0f s (ExaBGP ends "
                 "itself, with every BGP session, after 5 child starts within 64 s)\n",
                 before->pid, age, kMinLifetimeS - age + 1);
    return 3;
  }
  if (::kill(static_cast<pid_t>(before->pid), SIGKILL) != 0) {
    std::perror("anycast-sidecar restart: kill");
    return 3;
  }
  auto after = wait_for(c.status_path, c.timeout, [&](const Running& r) {
    return r.pid != before->pid && r.started_unix > before->started_unix;
  });
  if (!after) {
    std::fprintf(stderr,
                 "anycast-sidecar restart: no new instance within %llds; ExaBGP keeps the routes "
                 "it had. Check journalctl -u anycast-exabgp\n",
                 static_cast<long long>(c.timeout.count()));
    return 2;
  }
  std::printf(
      "restarted: pid %ld -> %ld; routes left announced, the new instance takes over "
      "after `rise` passing rounds\n",
      before->pid, after->pid);
  return 0;
}

}  // namespace sidecar
