// `probe --config`: the configured checks, run once each, judged exactly as the daemon judges a
// round (same check runner, same policy), printed as a table.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "sidecar/cli/as_user.hpp"
#include "sidecar/cli/cli_util.hpp"
#include "sidecar/cli/probe_cli.hpp"
#include "sidecar/daemon/check_runner.hpp"
#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar {
namespace asio = boost::asio;

int run_probe_config_mode(const ProbeArgs& a) {
  auto loaded = load_config_file(*a.config_path);
  if (!loaded.config) {
    std::fprintf(stderr, "anycast-sidecar probe: invalid configuration %s:\n",
                 shown(*a.config_path).c_str());
    for (const auto& p : loaded.problems) std::fprintf(stderr, "  %s\n", shown(p).c_str());
    return 3;
  }
  // Run as root, an exec check (unbound-control, rndc) reads keys and sockets the daemon's user
  // may not: say so rather than report a health the daemon will not see.
  if (*a.config_path == kDefaultConfigPath && current_user() != kDaemonUser) {
    std::fprintf(stderr,
                 "anycast-sidecar probe: warning: running as %s, but the daemon runs as %s: exec "
                 "checks may pass here and fail there; to see what it sees: runuser -u %s -- "
                 "anycast-sidecar probe\n",
                 current_user().c_str(), kDaemonUser, kDaemonUser);
  }
  std::vector<ServiceConfig> services;
  for (const auto& s : loaded.config->services) {
    if (!a.service || *a.service == s.name) services.push_back(s);
  }
  if (services.empty()) {
    std::fprintf(stderr, "anycast-sidecar probe: no service \"%s\" in %s\n",
                 shown(*a.service).c_str(), shown(*a.config_path).c_str());
    return 3;
  }
  asio::io_context io(1);
  probes::DnsProber prober(io);
  std::vector<std::vector<probes::CheckResult>> results(services.size());
  for (std::size_t i = 0; i < services.size(); ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          results[i] = co_await run_checks(prober, services[i].checks);
        },
        asio::detached);
  }
  io.run();

  int total = 0, passed = 0;
  nlohmann::json out = nlohmann::json::array();
  if (!a.json) {
    std::printf("%-16s %-20s %-20s %9s  %s\n", "SERVICE", "CHECK", "REASON", "RTT", "DETAIL");
  }
  for (std::size_t i = 0; i < services.size(); ++i) {
    const auto& s = services[i];
    auto verdict = judge_round(s.policy, s.checks, results[i]);
    bool healthy = verdict.healthy;
    nlohmann::json checks = nlohmann::json::array();
    for (std::size_t c = 0; c < s.checks.size() && c < results[i].size(); ++c) {
      const auto& r = results[i][c];
      ++total;
      passed += r.ok;
      if (a.json) {
        checks.push_back({{"name", s.checks[c].name},
                          {"ok", r.ok},
                          {"reason", std::string(probes::to_string(r.reason))},
                          {"detail", r.detail},
                          {"rtt_ms", r.rtt_ms},
                          {"answers", r.answers}});
      } else {
        std::printf("%-16s %-20s %-20s %6.2f ms  %s\n", shown(s.name).c_str(),
                    shown(s.checks[c].name).c_str(),
                    std::string(probes::to_string(r.reason)).c_str(), r.rtt_ms,
                    shown(r.detail).c_str());
        if (!r.ok && s.checks[c].type == CheckConfig::Type::dns) {
          std::printf("%-16s   next: %s\n", "",
                      shown(probes::hint_for(r.reason, s.checks[c].dns.server, s.checks[c].dns.port,
                                             s.checks[c].dns.software))
                          .c_str());
        }
      }
    }
    if (a.json) {
      out.push_back({{"service", s.name},
                     {"policy", policy_to_string(s.policy)},
                     {"healthy", healthy},
                     {"degraded", verdict.degraded},
                     {"checks", checks}});
    } else {
      std::printf("%-16s => %s (policy %s over the down checks)\n", shown(s.name).c_str(),
                  !healthy           ? "unhealthy: would count toward withdrawing"
                  : verdict.degraded ? "degraded: would count toward announcing with when_degraded"
                                     : "healthy: would count toward announcing",
                  policy_to_string(s.policy).c_str());
    }
  }
  int code = passed == total ? 0 : passed == 0 ? 2 : 1;
  if (a.json) {
    auto doc = nlohmann::json({{"services", out}, {"exit_code", code}});
    std::printf("%s\n", dump_json_ascii(doc, 2).c_str());
  }
  return code;
}

}  // namespace sidecar
