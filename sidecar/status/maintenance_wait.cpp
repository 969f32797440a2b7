#include "sidecar/status/maintenance_wait.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
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

// The checks both waits share: a believable file (DrainClock) from a daemon whose bridge is ok.
// Empty when met.
std::string fresh_and_bridged(const nlohmann::json& status, const DrainClock& clock) {
  if (!status.is_object()) return "a readable status file";
  if (auto why = schema_problem(status); !why.empty()) {
    return "a status file of schema 1 (" + why + ")";
  }
  double updated = status["updated_unix"].get<double>();
  if (updated < clock.since_unix) {
    return "the daemon to write the status file after the maintenance file changed";
  }
  if (auto stale = heartbeat_problem(updated, clock.now_unix, clock.max_age_s); !stale.empty()) {
    return "a fresh status file (" + stale + ")";
  }
  auto pid = number_at(status, "pid");
  if (!pid || !clock.pid_alive ||
      !clock.pid_alive(static_cast<long>(std::clamp(*pid, -1.0, 1e9)))) {
    return "a running daemon (the pid in the status file is not alive)";
  }
  const auto& exabgp = status["exabgp"];
  if (str(exabgp, "state") != "ok")
    return "the ExaBGP bridge to be ok (it is " + str(exabgp, "state") + ")";
  return {};
}

const nlohmann::json* find_service(const nlohmann::json& status, const std::string& name) {
  const nlohmann::json* svc = nullptr;
  for (const auto& s : status["services"]) {
    if (str(s, "name") == name) svc = &s;
  }
  return svc;
}

bool acknowledged(const nlohmann::json& svc) {
  const auto* routes = array_at(svc, "routes");
  bool has_routes = routes && !routes->empty();
  return !has_routes || bool_at(svc, "announced").value_or(false);
}

int wait_on_status(
    const Config& config, std::chrono::milliseconds timeout, double since_unix,
    const std::function<DrainProgress(const nlohmann::json&, const DrainClock&)>& progress_of,
    const char* what, const char* tail) {
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
      progress = progress_of(file.doc, clock);
      if (progress.done) return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr,
               "anycast-sidecar maintenance: not %s after %lld s: still waiting for %s "
               "(see anycast-sidecar status --config FILE%s)\n",
               what, static_cast<long long>(timeout.count() / 1000),
               text::printable(progress.waiting_for, 2000).c_str(), tail);
  return 2;
}

}  // namespace

DrainProgress drain_progress(const nlohmann::json& status, const std::vector<std::string>& services,
                             const DrainClock& clock) {
  if (auto waiting = fresh_and_bridged(status, clock); !waiting.empty()) return {false, waiting};
  for (const auto& name : services) {
    const nlohmann::json* svc = find_service(status, name);
    if (!svc) return {false, "service " + name + " in the status file (is the daemon running?)"};
    if (str(*svc, "state") != "disabled") {
      return {false, "service " + name + " to be disabled (it is " + str(*svc, "state") + ")"};
    }
    if (const auto* m = object_at(*svc, "maintenance"); m && number_at(*m, "drain_until_unix")) {
      return {false, "the drain of " + name + " to end (RFC 8326: announced with " +
                         "when_disabled until its drain_ms is over, then withdrawn)"};
    }
    if (!acknowledged(*svc)) return {false, "ExaBGP to acknowledge when_disabled for " + name};
  }
  return {true, ""};
}

DrainProgress return_progress(const nlohmann::json& status,
                              const std::vector<std::string>& services, const DrainClock& clock) {
  if (auto waiting = fresh_and_bridged(status, clock); !waiting.empty()) return {false, waiting};
  for (const auto& name : services) {
    const nlohmann::json* svc = find_service(status, name);
    if (!svc) return {false, "service " + name + " in the status file (is the daemon running?)"};
    auto state = str(*svc, "state");
    auto desired = str(*svc, "desired");
    if (state != "up" && state != "degraded") {
      return {false, "service " + name + " to be up (it is " + state + ")"};
    }
    if (desired.rfind("announce", 0) != 0 || !acknowledged(*svc)) {
      return {false, "ExaBGP to acknowledge the announcement of " + name};
    }
  }
  return {true, ""};
}

int wait_for_drain(const Config& config, const std::vector<std::string>& services,
                   double since_unix, std::chrono::milliseconds timeout) {
  return wait_on_status(
      config, timeout, since_unix,
      [&](const nlohmann::json& doc, const DrainClock& clock) {
        return drain_progress(doc, services, clock);
      },
      "drained", "; the maintenance file stays");
}

int wait_for_return(const Config& config, const std::vector<std::string>& services,
                    double since_unix, std::chrono::milliseconds timeout) {
  return wait_on_status(
      config, timeout, since_unix,
      [&](const nlohmann::json& doc, const DrainClock& clock) {
        return return_progress(doc, services, clock);
      },
      "announced again", "");
}

}  // namespace sidecar
