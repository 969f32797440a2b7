#include "sidecar/cli/cli_verify.hpp"

#include <cstdio>
#include <thread>

#include "sidecar/cli/cli_maintenance.hpp"
#include "sidecar/fleet/fleet_policy.hpp"
#include "sidecar/fleet/fleet_summary.hpp"
#include "sidecar/fleet/verify_file.hpp"
#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/lib/regular_file.hpp"
#include "sidecar/status/maintenance_file.hpp"
#include "sidecar/status/maintenance_wait.hpp"

namespace sidecar {
namespace {

using nlohmann::json;

// A status file older than this is not the daemon's current judgement.
constexpr double kStaleAfterS = 5;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The service's entry in the daemon's status file. nullptr: not there.
const json* service_entry(const json& status, const std::string& name) {
  auto list = status.find("services");
  if (list == status.end() || !list->is_array()) return nullptr;
  for (const auto& s : *list) {
    if (s.is_object() && str(s, "name") == name) return &s;
  }
  return nullptr;
}

fleet::VerifyRecord failure(const std::string& service, const std::string& check,
                            const std::string& reason) {
  return fleet::VerifyRecord{false, service, check, reason, unix_now()};
}

}  // namespace

int verify_and_return(const Config& config, const std::vector<const ServiceConfig*>& services,
                      std::chrono::seconds timeout) {
  const auto verify_path = verify_file_path(config);
  const double start = unix_now();
  const auto deadline = Clock::now() + timeout;
  std::printf("verifying %zu service(s) while still in maintenance (up to %lld s)\n",
              services.size(), static_cast<long long>(timeout.count()));
  std::fflush(stdout);
  for (;;) {
    const bool timed_out = Clock::now() >= deadline;
    const double now = unix_now();
    auto file = read_regular_file(config.status_file, 16 * 1024 * 1024);
    json status = file.text ? json::parse(*file.text, nullptr, false) : json();
    auto updated = status.is_object() ? status.find("updated_unix") : status.end();
    bool fresh = status.is_object() && updated != status.end() && updated->is_number() &&
                 updated->get<double>() >= now - kStaleAfterS;
    if (!fresh) {
      if (timed_out) {
        auto r = failure(services.front()->name, "",
                         "the daemon's status file " + config.status_file +
                             " is missing or stale: is the daemon running?");
        write_verify_file(verify_path, r);
        std::fprintf(stderr,
                     "anycast-sidecar maintenance: verification failed: %s; the "
                     "service stays in maintenance%s\n",
                     r.reason.c_str(), config.fleet ? " and the fleet slot stays held" : "");
        return 2;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    bool all_passed = true;
    for (const auto* s : services) {
      const json* entry = service_entry(status, s->name);
      if (!entry) {
        all_passed = false;
        continue;
      }
      auto in = fleet::verify_input(*entry, *s, start, timed_out, now);
      in.fleet = config.fleet.has_value();
      auto d = fleet::decide_verify(in);
      if (d.kind == fleet::VerifyDecision::Kind::failed) {
        write_verify_file(verify_path, d.record);
        std::fprintf(stderr, "anycast-sidecar maintenance: %s\n", d.message.c_str());
        return 2;
      }
      if (d.kind != fleet::VerifyDecision::Kind::passed) all_passed = false;
    }
    if (all_passed) break;
    if (timed_out) {
      // A service missing from the status file at the deadline.
      auto r = failure(services.front()->name, "", "not in the daemon's status file");
      write_verify_file(verify_path, r);
      std::fprintf(stderr, "anycast-sidecar maintenance: verification failed: %s\n",
                   r.reason.c_str());
      return 2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  write_verify_file(verify_path,
                    fleet::VerifyRecord{true, services.front()->name, "", "", unix_now()});
  std::printf("verified: every check passed rise rounds in a row; leaving maintenance\n");
  const double left = unix_now();
  for (const auto* s : services) {
    if (auto err = remove_maintenance(s->maintenance_file)) {
      std::fprintf(stderr, "%s: %s\n", s->name.c_str(), err->c_str());
      return 3;
    }
  }
  std::vector<std::string> names;
  for (const auto* s : services) names.push_back(s->name);
  // The announcement needs `rise` rounds after the maintenance file is gone, then ExaBGP's ack.
  std::chrono::milliseconds longest{0};
  for (const auto* s : services) longest = std::max(longest, s->interval * (s->rise + 2));
  auto wait = std::max<std::chrono::milliseconds>(std::chrono::seconds(30), longest);
  if (wait_for_return(config, names, left, wait) != 0) {
    std::fprintf(stderr, "anycast-sidecar maintenance: %s\n",
                 config.fleet ? "the fleet slot stays held until the announcement is confirmed "
                                "(then run maintenance off again)"
                              : "the announcement is not confirmed yet (see `anycast-sidecar "
                                "status`)");
    return 2;
  }
  std::printf("announced: ExaBGP acknowledged every route (%.1f s after the verification began)\n",
              unix_now() - start);
  return config.fleet ? give_slot_back(config) : 0;
}

}  // namespace sidecar
