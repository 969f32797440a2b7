#include "sidecar/status/maintenance_wait.hpp"

#include <cstdio>
#include <functional>
#include <thread>

#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/regular_file.hpp"

namespace sidecar {
namespace {

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The checks both waits share: a fresh file from a daemon whose bridge is ok. Empty when met.
std::string fresh_and_bridged(const nlohmann::json& status, double since_unix) {
  if (!status.is_object()) return "a readable status file";
  auto updated = status.find("updated_unix");
  if (updated == status.end() || !updated->is_number() || updated->get<double>() < since_unix) {
    return "the daemon to write the status file after the maintenance file changed";
  }
  auto exabgp = status.find("exabgp");
  if (exabgp == status.end() || !exabgp->is_object() || str(*exabgp, "state") != "ok") {
    return "the ExaBGP bridge to be ok (it is " +
           (exabgp != status.end() && exabgp->is_object() ? str(*exabgp, "state")
                                                          : std::string("unknown")) +
           ")";
  }
  auto list = status.find("services");
  if (list == status.end() || !list->is_array()) return "services in the status file";
  return {};
}

const nlohmann::json* find_service(const nlohmann::json& status, const std::string& name) {
  const nlohmann::json* svc = nullptr;
  for (const auto& s : status["services"]) {
    if (s.is_object() && str(s, "name") == name) svc = &s;
  }
  return svc;
}

bool acknowledged(const nlohmann::json& svc) {
  auto routes = svc.find("routes");
  bool has_routes = routes != svc.end() && routes->is_array() && !routes->empty();
  auto announced = svc.find("announced");
  return !has_routes || (announced != svc.end() && announced->is_boolean() && *announced);
}

int wait_on_status(const Config& config, std::chrono::milliseconds timeout,
                   const std::function<DrainProgress(const nlohmann::json&)>& progress_of,
                   const char* what, const char* tail) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  DrainProgress progress{false, "a readable status file " + config.status_file};
  for (;;) {
    if (auto file = read_regular_file(config.status_file, 16 * 1024 * 1024); file.text) {
      auto doc = nlohmann::json::parse(*file.text, nullptr, /*allow_exceptions=*/false);
      progress = progress_of(doc);
      if (progress.done) return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr,
               "anycast-sidecar maintenance: not %s after %lld s: still waiting for %s "
               "(see anycast-sidecar status --config FILE%s)\n",
               what, static_cast<long long>(timeout.count() / 1000), progress.waiting_for.c_str(),
               tail);
  return 2;
}

}  // namespace

DrainProgress drain_progress(const nlohmann::json& status, const std::vector<std::string>& services,
                             double since_unix) {
  if (auto waiting = fresh_and_bridged(status, since_unix); !waiting.empty()) {
    return {false, waiting};
  }
  for (const auto& name : services) {
    const nlohmann::json* svc = find_service(status, name);
    if (!svc) return {false, "service " + name + " in the status file (is the daemon running?)"};
    if (str(*svc, "state") != "disabled") {
      return {false, "service " + name + " to be disabled (it is " + str(*svc, "state") + ")"};
    }
    if (!acknowledged(*svc)) return {false, "ExaBGP to acknowledge when_disabled for " + name};
  }
  return {true, ""};
}

DrainProgress return_progress(const nlohmann::json& status,
                              const std::vector<std::string>& services, double since_unix) {
  if (auto waiting = fresh_and_bridged(status, since_unix); !waiting.empty()) {
    return {false, waiting};
  }
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
      config, timeout,
      [&](const nlohmann::json& doc) { return drain_progress(doc, services, since_unix); },
      "drained", "; the maintenance file stays");
}

int wait_for_return(const Config& config, const std::vector<std::string>& services,
                    double since_unix, std::chrono::milliseconds timeout) {
  return wait_on_status(
      config, timeout,
      [&](const nlohmann::json& doc) { return return_progress(doc, services, since_unix); },
      "announced again", "");
}

}  // namespace sidecar
