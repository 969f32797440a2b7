#include "sidecar/status/maintenance_wait.hpp"

#include <cstdio>
#include <thread>

#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/limits.hpp"
#include "sidecar/lib/regular_file.hpp"

namespace sidecar {
namespace {

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

DrainProgress drain_progress(const nlohmann::json& status, const std::vector<std::string>& services,
                             double since_unix) {
  if (!status.is_object()) return {false, "a readable status file"};
  auto updated = status.find("updated_unix");
  if (updated == status.end() || !updated->is_number() || updated->get<double>() < since_unix) {
    return {false, "the daemon to write the status file after the maintenance file appeared"};
  }
  auto exabgp = status.find("exabgp");
  if (exabgp == status.end() || !exabgp->is_object() || str(*exabgp, "state") != "ok") {
    return {false, "the ExaBGP bridge to be ok (it is " +
                       (exabgp != status.end() && exabgp->is_object() ? str(*exabgp, "state")
                                                                      : std::string("unknown")) +
                       ")"};
  }
  auto list = status.find("services");
  if (list == status.end() || !list->is_array()) return {false, "services in the status file"};
  for (const auto& name : services) {
    const nlohmann::json* svc = nullptr;
    for (const auto& s : *list) {
      if (s.is_object() && str(s, "name") == name) svc = &s;
    }
    if (!svc) return {false, "service " + name + " in the status file (is the daemon running?)"};
    if (str(*svc, "state") != "disabled") {
      return {false, "service " + name + " to be disabled (it is " + str(*svc, "state") + ")"};
    }
    auto routes = svc->find("routes");
    bool has_routes = routes != svc->end() && routes->is_array() && !routes->empty();
    auto announced = svc->find("announced");
    if (has_routes && !(announced != svc->end() && announced->is_boolean() && *announced)) {
      return {false, "ExaBGP to acknowledge when_disabled for " + name};
    }
  }
  return {true, ""};
}

int wait_for_drain(const Config& config, const std::vector<std::string>& services,
                   double since_unix, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  DrainProgress progress{false, "a readable status file " + config.status_file};
  for (;;) {
    if (auto file = read_regular_file(config.status_file, kMaxStatusFileBytes); file.text) {
      auto doc = nlohmann::json::parse(*file.text, nullptr, /*allow_exceptions=*/false);
      progress = drain_progress(doc, services, since_unix);
      if (progress.done) return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr,
               "anycast-sidecar maintenance: not drained after %lld s: still waiting for %s "
               "(see anycast-sidecar status --config FILE; the maintenance file stays)\n",
               static_cast<long long>(timeout.count() / 1000), progress.waiting_for.c_str());
  return 2;
}

}  // namespace sidecar
