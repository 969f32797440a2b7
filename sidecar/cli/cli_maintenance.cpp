#include "sidecar/cli/cli_maintenance.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "sidecar/cli/cli_fleet.hpp"
#include "sidecar/cli/cli_util.hpp"
#include "sidecar/cli/cli_verify.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/fleet/verify_file.hpp"
#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/fleet_hint.hpp"
#include "sidecar/status/maintenance_file.hpp"
#include "sidecar/status/maintenance_wait.hpp"

namespace sidecar {

namespace {
constexpr const char* kUsage =
    "usage: anycast-sidecar maintenance on|off|show [--config FILE] [--service NAME] [--reason "
    "TEXT]\n"
    "       anycast-sidecar maintenance on --wait [--timeout SECONDS] [--config FILE] ...\n"
    "       anycast-sidecar maintenance off --verify [--timeout SECONDS] [--config FILE] ...\n"
    "--config defaults to /etc/anycast-sidecar/sidecar.json.\n"
    "Puts a service (default: all) in or out of maintenance through its maintenance file; the\n"
    "daemon withdraws (or applies when_disabled) within one interval, and needs `rise` successes\n"
    "to announce again after `off`.\n"
    "--wait returns only once the daemon has applied when_disabled to every route and ExaBGP has\n"
    "acknowledged it (exit 0), or after --timeout seconds (default 30, plus the longest drain_ms;\n"
    "exit 2). With a drain (when_disabled \"drain\", RFC 8326) it returns after the withdraw\n"
    "that ends it. Drain first, then stop the resolver.\n"
    "With a fleet block, on first takes a slot of the fleet's budget (max_unavailable) in etcd:\n"
    "refused (or etcd unreachable), nothing changes and the exit status is 75 (try again later);\n"
    "off gives the slot back once no service of this node is left in maintenance.\n"
    "--verify leaves maintenance only after the service's checks passed `rise` rounds in a row\n"
    "(the daemon keeps probing in maintenance), waits until ExaBGP acknowledged the announcement\n"
    "and gives the slot back (exit 0); failing checks or --timeout (default 60): the service\n"
    "stays in maintenance, the slot stays held, `status` says why, exit 2.\n";

std::string when(double unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

int give_slot_back(const Config& config) {
  for (const auto& s : config.services) {
    if (read_maintenance(s.maintenance_file)) return 0;  // still out: the slot stays
  }
  auto outcome = fleet_release_slot(*config.fleet, config.fleet->node);
  switch (outcome.kind) {
    case FleetOutcome::Kind::done:
      std::printf("%s\n", outcome.message.c_str());
      return 0;
    case FleetOutcome::Kind::not_found:
      return 0;
    default:
      std::fprintf(stderr,
                   "anycast-sidecar maintenance: maintenance is off but the fleet slot could not "
                   "be given back (%s); run: anycast-sidecar fleet release %s --reason TEXT\n",
                   outcome.message.c_str(), config.fleet->node.c_str());
      return 1;
  }
}

int run_maintenance_command(const std::vector<std::string>& args) {
  auto a = parse_args(args, {"--config", "--service", "--reason", "--timeout"},
                      {"--help", "--wait", "--verify"});
  if (a.has("--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.error.empty()) return usage_error("maintenance", a.error, kUsage);
  if (a.positional.size() != 1 ||
      (a.positional[0] != "on" && a.positional[0] != "off" && a.positional[0] != "show")) {
    return usage_error("maintenance", "say on, off or show", kUsage);
  }
  const bool wait = a.has("--wait");
  const bool verify = a.has("--verify");
  if (wait && a.positional[0] != "on") {
    return usage_error("maintenance", "--wait goes with on", kUsage);
  }
  if (verify && a.positional[0] != "off") {
    return usage_error("maintenance", "--verify goes with off", kUsage);
  }
  if (a.value("--timeout") && !wait && !verify) {
    return usage_error("maintenance", "--timeout goes with on --wait or off --verify", kUsage);
  }
  long long timeout_s = verify ? 60 : 30;
  if (auto t = a.value("--timeout")) {
    char* end = nullptr;
    timeout_s = std::strtoll(t->c_str(), &end, 10);
    if (t->empty() || *end != '\0' || timeout_s < 1 || timeout_s > 86400) {
      return usage_error("maintenance", "--timeout takes whole seconds from 1 to 86400", kUsage);
    }
  }
  const auto path = config_path_of(a);
  auto loaded = load_config_file(path);
  if (!loaded.config) {
    std::fprintf(stderr, "anycast-sidecar maintenance: %s is invalid (%s); run check-config\n",
                 shown(path).c_str(),
                 shown(loaded.problems.empty() ? "" : loaded.problems[0]).c_str());
    return 3;
  }
  std::vector<const ServiceConfig*> selected;
  auto service = a.value("--service");
  std::string known;
  for (const auto& s : loaded.config->services) {
    known += (known.empty() ? "" : ", ") + s.name;
    if (!service || *service == s.name) selected.push_back(&s);
  }
  if (selected.empty()) {
    std::fprintf(stderr, "anycast-sidecar maintenance: no service \"%s\" in %s (known: %s)\n",
                 text::printable(*service, 80).c_str(), shown(path).c_str(), shown(known).c_str());
    return 3;
  }
  const auto& verb = a.positional[0];
  const auto& config = *loaded.config;
  if (verb == "off" && verify) {
    return verify_and_return(config, selected, std::chrono::seconds(timeout_s));
  }
  bool slot_taken_now = false;
  if (verb == "on" && config.fleet) {
    auto reason = a.value("--reason").value_or("maintenance");
    auto outcome = fleet_take_slot(*config.fleet, reason);
    if (outcome.kind == FleetOutcome::Kind::refused) {
      std::fprintf(stderr, "anycast-sidecar maintenance: %s\n", outcome.message.c_str());
      return kExitTempFail;
    }
    if (outcome.kind == FleetOutcome::Kind::error) {
      std::fprintf(stderr,
                   "anycast-sidecar maintenance: cannot take a fleet slot, the fleet is "
                   "unreachable (%s); nothing changed on this node, try again later; %s\n",
                   outcome.message.c_str(), sidecar::fleet_next_step(outcome.message).c_str());
      return kExitTempFail;
    }
    slot_taken_now = outcome.kind == FleetOutcome::Kind::done;
    std::printf("%s\n", outcome.message.c_str());
    // A new attempt starts clean: the last verification's outcome no longer applies.
    remove_verify_file(verify_file_path(config));
  }
  const double since = unix_now();
  int rc = 0;
  for (const auto* s : selected) {
    if (verb == "on") {
      auto reason = a.value("--reason").value_or("maintenance");
      if (auto err = write_maintenance(s->maintenance_file, reason)) {
        std::fprintf(stderr, "%s: %s\n", shown(s->name).c_str(), shown(*err).c_str());
        rc = 3;
      } else {
        std::printf("%s: maintenance on (%s); the daemon withdraws within %lld ms\n",
                    shown(s->name).c_str(), text::printable(reason, kMaxReason).c_str(),
                    static_cast<long long>(s->interval.count()));
      }
    } else if (verb == "off") {
      if (auto err = remove_maintenance(s->maintenance_file)) {
        std::fprintf(stderr, "%s: %s\n", shown(s->name).c_str(), shown(*err).c_str());
        rc = 3;
      } else {
        std::printf("%s: maintenance off; announced again after %d successful round%s\n",
                    shown(s->name).c_str(), s->rise, s->rise == 1 ? "" : "s");
      }
    } else {
      auto m = read_maintenance(s->maintenance_file);
      if (m) {
        std::printf("%s: in maintenance since %s: %s (%s)\n", shown(s->name).c_str(),
                    when(m->since_unix).c_str(), shown(m->reason).c_str(),
                    shown(s->maintenance_file).c_str());
      } else {
        std::printf("%s: not in maintenance (%s absent)\n", shown(s->name).c_str(),
                    shown(s->maintenance_file).c_str());
      }
    }
  }
  if (verb == "on" && rc != 0 && slot_taken_now) {
    // Nothing went out of service after all: the slot goes back.
    fleet_release_slot(*config.fleet, config.fleet->node);
  }
  if (verb == "off" && rc == 0 && config.fleet) rc = give_slot_back(config);
  if (wait && rc == 0) {
    std::vector<std::string> names;
    for (const auto* s : selected) names.push_back(s->name);
    // The default timeout runs from the end of the longest drain (routes[].drain_ms).
    std::chrono::milliseconds drain{0};
    for (const auto* svc : selected) {
      for (const auto& r : svc->routes) drain = std::max(drain, r.drain);
    }
    auto timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::seconds(timeout_s));
    if (!a.value("--timeout")) timeout += drain;
    rc = wait_for_drain(*loaded.config, names, since, timeout);
    if (rc == 0) {
      std::printf("drained: ExaBGP acknowledged when_disabled for every route%s\n",
                  drain.count() > 0 ? ", after its drain" : "");
    }
  }
  return rc;
}

}  // namespace sidecar
