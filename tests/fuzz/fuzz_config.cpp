// Any text as a configuration file: parse_config must answer (a config or problems, never both,
// never a throw), report one line per problem, and whatever it accepts must respect the limits
// the daemon relies on and produce ExaBGP commands that cannot smuggle a second command.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/policy/route_policy.hpp"
#include "sidecar/policy/state_machine.hpp"

namespace {

using std::chrono::milliseconds;

bool one_clean_line(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// The daemon dumps these into the status file with nlohmann's strict UTF-8 check.
void require_dumpable(const nlohmann::json& j) {
  try {
    (void)j.dump(2);
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "dump failed: %s\n", e.what());
    FUZZ_REQUIRE(false, "an accepted value cannot be written to the status file");
  }
}

void check_service(const sidecar::ServiceConfig& s) {
  FUZZ_REQUIRE(!s.name.empty(), "a service without a name");
  FUZZ_REQUIRE(s.interval >= milliseconds(10) && s.interval <= milliseconds(3600000),
               "interval_ms out of range");
  FUZZ_REQUIRE(s.fast_interval >= milliseconds(10) && s.fast_interval <= s.interval,
               "fast_interval_ms out of range");
  FUZZ_REQUIRE(s.timeout >= milliseconds(10) && s.timeout < s.interval,
               "timeout_ms not below interval_ms");
  FUZZ_REQUIRE(s.rise >= 1 && s.rise <= 100 && s.fall >= 1 && s.fall <= 100,
               "rise/fall out of range");
  if (s.policy.kind == sidecar::Policy::Kind::quorum) {
    FUZZ_REQUIRE(
        s.policy.quorum >= 1 && static_cast<std::size_t>(s.policy.quorum) <= s.checks.size(),
        "quorum larger than the checks");
  }
  nlohmann::json names = nlohmann::json::array();
  names.push_back(s.name);
  names.push_back(s.maintenance_file);
  for (const auto& c : s.checks) {
    names.push_back(c.name);
    if (c.type == sidecar::CheckConfig::Type::dns) {
      names.push_back(c.dns.server);
      names.push_back(c.dns.qname);
      for (const auto& a : c.dns.expect.answers) names.push_back(a);
    } else {
      FUZZ_REQUIRE(!c.exec.argv.empty(), "an exec check without a command");
    }
  }
  require_dumpable(names);

  using St = sidecar::ServiceState;
  for (St st : {St::init, St::rising, St::up, St::falling, St::down, St::disabled}) {
    for (const auto& cmd : sidecar::commands_for(st, s)) {
      if (cmd.desired == sidecar::Desired::none) continue;
      FUZZ_REQUIRE(one_clean_line(cmd.line), "a control character (newline?) in an ExaBGP command");
      std::string_view l = cmd.line;
      FUZZ_REQUIRE(l.starts_with("announce route ") || l.starts_with("withdraw route ") ||
                       l.starts_with("neighbor "),
                   "an ExaBGP command of an unexpected form");
      FUZZ_REQUIRE(!cmd.key.empty(), "a route command without a key");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = sidecar::parse_config(text);
  FUZZ_REQUIRE(r.config.has_value() == r.problems.empty(), "a config and problems, or neither");
  for (const auto& p : r.problems) {
    FUZZ_REQUIRE(!p.empty(), "an empty problem line");
    // Printed one per line and logged: a newline or an escape sequence from the file would forge
    // lines or drive the operator's terminal.
    FUZZ_REQUIRE(one_clean_line(p), "a control character (newline?) in a problem line");
  }
  if (!r.config) return 0;
  const auto& c = *r.config;
  FUZZ_REQUIRE(c.exabgp.ack_timeout >= milliseconds(100), "ack_timeout_ms below 100");
  FUZZ_REQUIRE(c.exabgp.ping_interval >= milliseconds(100), "ping_interval_ms below 100");
  require_dumpable(nlohmann::json{c.status_file, c.metrics_file, c.log_level});
  std::set<std::string> names;
  for (const auto& s : c.services) {
    FUZZ_REQUIRE(names.insert(s.name).second, "two services with the same name");
    check_service(s);
  }
  FUZZ_REQUIRE(c.services.empty() || sidecar::longest_interval(c) >= milliseconds(10),
               "longest_interval below every interval");
  return 0;
}
