#include "sidecar/status/maintenance_wait.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <thread>

#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/status_reader.hpp"
#include "sidecar/status/status_verdict.hpp"

namespace sidecar {
namespace {

std::string str(const nlohmann::json& j, const char* key) {
  return string_at(j, key).value_or("");
}

bool process_alive(long pid) {
  if (pid <= 0 || pid > 0x3fffffff) return false;  // 0 and -1 would address process groups
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

DrainProgress drain_progress(const nlohmann::json& status, const std::vector<std::string>& services,
                             const DrainClock& clock) {
  if (!status.is_object()) return {false, "a readable status file"};
  if (auto why = schema_problem(status); !why.empty()) {
    return {false, "a status file of schema 1 (" + why + ")"};
  }
  double updated = status["updated_unix"].get<double>();
  if (updated < clock.since_unix) {
    return {false, "the daemon to write the status file after the maintenance file appeared"};
  }
  if (auto stale = heartbeat_problem(updated, clock.now_unix, clock.max_age_s); !stale.empty()) {
    return {false, "a fresh status file (" + stale + ")"};
  }
  auto pid = number_at(status, "pid");
  if (!pid || !clock.pid_alive ||
      !clock.pid_alive(static_cast<long>(std::clamp(*pid, -1.0, 1e9)))) {
    return {false, "a running daemon (the pid in the status file is not alive)"};
  }
  const auto& exabgp = status["exabgp"];
  if (str(exabgp, "state") != "ok") {
    return {false, "the ExaBGP bridge to be ok (it is " + str(exabgp, "state") + ")"};
  }
  for (const auto& name : services) {
    const nlohmann::json* svc = nullptr;
    for (const auto& s : status["services"]) {
      if (str(s, "name") == name) svc = &s;
    }
    if (!svc) return {false, "service " + name + " in the status file (is the daemon running?)"};
    if (str(*svc, "state") != "disabled") {
      return {false, "service " + name + " to be disabled (it is " + str(*svc, "state") + ")"};
    }
    const auto* routes = array_at(*svc, "routes");
    bool has_routes = routes && !routes->empty();
    if (has_routes && !bool_at(*svc, "announced").value_or(false)) {
      return {false, "ExaBGP to acknowledge when_disabled for " + name};
    }
  }
  return {true, ""};
}

int wait_for_drain(const Config& config, const std::vector<std::string>& services,
                   double since_unix, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  DrainProgress progress{false, "a readable status file " + config.status_file};
  DrainClock clock;
  clock.since_unix = since_unix;
  // The staleness bound `status` uses by default for this configuration.
  clock.max_age_s = std::max(5.0, 3.0 * longest_interval(config).count() / 1000.0);
  clock.pid_alive = process_alive;
  for (;;) {
    if (auto file = read_status_file(config.status_file); file.ok()) {
      clock.now_unix = unix_now();
      progress = drain_progress(file.doc, services, clock);
      if (progress.done) return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr,
               "anycast-sidecar maintenance: not drained after %lld s: still waiting for %s "
               "(see anycast-sidecar status --config FILE; the maintenance file stays)\n",
               static_cast<long long>(timeout.count() / 1000),
               text::printable(progress.waiting_for, 2000).c_str());
  return 2;
}

}  // namespace sidecar
