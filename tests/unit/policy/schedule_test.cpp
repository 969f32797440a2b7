// The next-round schedule (interval / fast / confirm) over every state and both kinds of failure,
// RoundVerdict::hard over every reason and policy, the configuration keys confirm_interval_ms and
// checks[].watch with their bounds and problem lines, and each service's round phase.
#include <catch2/catch.hpp>

#include "fixtures/config_problems.hpp"
#include "fixtures/service_config.hpp"

#include <map>
#include <string>

#include "sidecar/config/config.hpp"
#include "sidecar/policy/check_policy.hpp"
#include "sidecar/policy/schedule.hpp"

using namespace std::chrono_literals;
using fixtures::result;
using probes::CheckResult;
using probes::Reason;
using sidecar::Machine;
using sidecar::Periods;
using sidecar::ServiceState;

namespace {

Machine in(ServiceState s, int failures = 0, int degraded_rounds = 0, int clean_rounds = 0) {
  Machine m;
  m.state = s;
  m.failures = failures;
  m.degraded_rounds = degraded_rounds;
  m.clean_rounds = clean_rounds;
  return m;
}

const Periods kDefaults{1000ms, 200ms, 20ms};

std::vector<sidecar::CheckConfig> checks(std::size_t n, bool last_degrades = false) {
  std::vector<sidecar::CheckConfig> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i].name = "c" + std::to_string(i);
  if (last_degrades && n > 0) out.back().on_failure = sidecar::CheckConfig::OnFailure::degrade;
  return out;
}

std::string config(const std::string& service_extra, const std::string& check_extra = "") {
  return R"({"services": [{"name": "resolver", )" + service_extra +
         R"("checks": [{"name": "local-zone", "qname": "probe.health.example.")" + check_extra +
         R"(}], "routes": [{"prefix": "192.0.2.53/32"}]}]})";
}

using test_support::problems_of;

}  // namespace

TEST_CASE("schedule: a hard failure is confirmed at confirm_interval while falling") {
  CHECK(next_period(in(ServiceState::falling, 1), true, kDefaults) == 20ms);
  CHECK(next_period(in(ServiceState::falling, 2), true, kDefaults) == 20ms);
}

TEST_CASE("schedule: a soft failure keeps fast_interval: loss is judged as before") {
  CHECK(next_period(in(ServiceState::falling, 1), false, kDefaults) == 200ms);
  CHECK(next_period(in(ServiceState::falling, 2), false, kDefaults) == 200ms);
}

TEST_CASE("schedule: DEGRADED counting failures confirms a hard one, else as before") {
  CHECK(next_period(in(ServiceState::degraded, 1), true, kDefaults) == 20ms);
  CHECK(next_period(in(ServiceState::degraded, 1), false, kDefaults) == 200ms);
  // Not counting failures (clean rounds toward UP, or steady): the hard flag cannot apply.
  CHECK(next_period(in(ServiceState::degraded, 0, 0, 1), true, kDefaults) == 200ms);
  CHECK(next_period(in(ServiceState::degraded), true, kDefaults) == 1000ms);
  CHECK(next_period(in(ServiceState::degraded), false, kDefaults) == 1000ms);
}

TEST_CASE("schedule: every state not counting toward DOWN ignores the hard flag") {
  for (bool hard : {false, true}) {
    CHECK(next_period(in(ServiceState::init), hard, kDefaults) == 200ms);
    CHECK(next_period(in(ServiceState::rising), hard, kDefaults) == 200ms);
    CHECK(next_period(in(ServiceState::up), hard, kDefaults) == 1000ms);
    // DOWN already withdrew: nothing to confirm, a dead resolver is probed once per interval.
    CHECK(next_period(in(ServiceState::down, 5), hard, kDefaults) == 1000ms);
    CHECK(next_period(in(ServiceState::disabled), hard, kDefaults) == 1000ms);
  }
}

TEST_CASE("schedule: UP counting degraded rounds confirms a hard degrade (SERVFAIL)") {
  CHECK(next_period(in(ServiceState::up, 0, 1), true, kDefaults) == 20ms);
  CHECK(next_period(in(ServiceState::up, 0, 2), true, kDefaults) == 20ms);
  CHECK(next_period(in(ServiceState::up, 0, 1), false, kDefaults) == 200ms);
  CHECK(next_period(in(ServiceState::up, 0, 1), true, Periods{1000ms, 200ms, 200ms}) == 200ms);
}

TEST_CASE("verdict: a degrade is hard only when every failing degrade check answered SERVFAIL") {
  auto cs = checks(3, true);
  cs[1].on_failure = sidecar::CheckConfig::OnFailure::degrade;
  sidecar::Policy all;
  auto judge = [&](Reason a, Reason b) {
    return sidecar::judge_round(all, cs, {result(Reason::ok), result(a), result(b)});
  };
  auto v = judge(Reason::servfail, Reason::servfail);
  CHECK(v.healthy);
  CHECK(v.degraded);
  CHECK(v.hard_degrade);
  CHECK_FALSE(judge(Reason::servfail, Reason::timeout).hard_degrade);
  CHECK_FALSE(judge(Reason::slow, Reason::servfail).hard_degrade);
  CHECK_FALSE(judge(Reason::wrong_answer, Reason::wrong_answer).hard_degrade);
  CHECK_FALSE(judge(Reason::refused, Reason::refused).hard_degrade);
  // One degrade check passing, the other SERVFAIL: still hard.
  auto one = sidecar::judge_round(
      all, cs, {result(Reason::ok), result(Reason::ok), result(Reason::servfail)});
  CHECK(one.hard_degrade);
  // Not degraded at all (a down check failed): never a hard degrade.
  auto down = sidecar::judge_round(
      all, cs, {result(Reason::servfail), result(Reason::servfail), result(Reason::ok)});
  CHECK_FALSE(down.healthy);
  CHECK_FALSE(down.hard_degrade);
}

TEST_CASE("schedule: confirm equal to fast (or above it) is the old schedule") {
  CHECK(next_period(in(ServiceState::falling, 1), true, Periods{1000ms, 200ms, 200ms}) == 200ms);
  CHECK(next_period(in(ServiceState::falling, 1), true, Periods{1000ms, 200ms, 500ms}) == 200ms);
}

TEST_CASE("verdict: hard only when every failing down check is hard evidence") {
  const sidecar::Policy all{};
  for (auto reason : probes::kAllReasons) {
    INFO(probes::to_string(reason));
    auto v = judge_round(all, checks(1), {result(reason)});
    CHECK(v.hard == (reason == Reason::connection_refused || reason == Reason::refused));
    // With the kernel's stall evidence only a timeout changes: the probe waited behind client
    // queries the resolver was not reading.
    auto s = judge_round(all, checks(1), {result(reason)}, {true});
    CHECK(s.hard == (reason == Reason::connection_refused || reason == Reason::refused ||
                     reason == Reason::timeout));
    // What the fleet floor never holds is narrower: nothing listens. A refusing or stalled
    // resolver is fast evidence, yet may be a shared mistake the floor must keep announced.
    CHECK(v.nothing_listens == (reason == Reason::connection_refused));
    CHECK(s.nothing_listens == (reason == Reason::connection_refused));
  }
  CHECK_FALSE(
      judge_round(all, checks(2), {result(Reason::refused), result(Reason::connection_refused)})
          .nothing_listens);
  CHECK(judge_round(all, checks(2),
                    {result(Reason::connection_refused), result(Reason::connection_refused)})
            .nothing_listens);
  CHECK(judge_round(all, checks(2), {result(Reason::connection_refused), result(Reason::ok)})
            .nothing_listens);
  // REFUSED beside connection_refused (a restart with a new ACL: the old process gone, the new
  // one refusing): hard.
  CHECK(judge_round(all, checks(2), {result(Reason::refused), result(Reason::connection_refused)})
            .hard);
  // A timeout on a check whose socket is not stalled beside a stalled one: soft (the other
  // check's server may just have lost the packet).
  auto two_servers = judge_round(all, checks(2), {result(Reason::timeout), result(Reason::timeout)},
                                 {true, false});
  CHECK_FALSE(two_servers.hard);
  CHECK(
      judge_round(all, checks(2), {result(Reason::timeout), result(Reason::timeout)}, {true, true})
          .hard);
  // Stall flags beyond the results, or fewer than the checks, are harmless.
  CHECK_FALSE(judge_round(all, checks(1), {result(Reason::timeout)}, {false, true}).hard);
  CHECK_FALSE(judge_round(all, checks(2), {result(Reason::timeout), result(Reason::ok)}, {}).hard);
  // A degrade check's stall is not the service's evidence.
  CHECK_FALSE(judge_round(all, checks(2, true), {result(Reason::timeout), result(Reason::timeout)},
                          {false, true})
                  .hard);
  // Two checks, one refused, one timed out: soft (a timeout can be loss).
  auto mixed =
      judge_round(all, checks(2), {result(Reason::connection_refused), result(Reason::timeout)});
  CHECK_FALSE(mixed.healthy);
  CHECK_FALSE(mixed.hard);
  // Refused and ok under "all": unhealthy, and the only failure is hard.
  auto one = judge_round(all, checks(2), {result(Reason::connection_refused), result(Reason::ok)});
  CHECK_FALSE(one.healthy);
  CHECK(one.hard);
  // Healthy rounds are never hard, whatever failed.
  const sidecar::Policy any{sidecar::Policy::Kind::any, 0};
  auto healthy =
      judge_round(any, checks(2), {result(Reason::connection_refused), result(Reason::ok)});
  CHECK(healthy.healthy);
  CHECK_FALSE(healthy.hard);
  // A degrade check's refusal is not the service's evidence.
  auto degrade = judge_round(all, checks(2, true),
                             {result(Reason::timeout), result(Reason::connection_refused)});
  CHECK_FALSE(degrade.healthy);
  CHECK_FALSE(degrade.hard);
  // The examples' shape: a refused local-zone check with a failing exec `control` check. As a
  // down check the exec failure makes the round soft (~550 ms to withdraw a killed resolver);
  // as a degrade check (the examples) it is not counted, and the refusal is confirmed fast.
  auto exec_down = judge_round(all, checks(2),
                               {result(Reason::connection_refused), result(Reason::exit_status)});
  CHECK_FALSE(exec_down.hard);
  auto exec_degrade = judge_round(
      all, checks(2, true), {result(Reason::connection_refused), result(Reason::exit_status)});
  CHECK_FALSE(exec_degrade.healthy);
  CHECK(exec_degrade.hard);
  // No results at all: unhealthy, but no evidence.
  CHECK_FALSE(judge_round(all, {}, {}).hard);
}

TEST_CASE("config: confirm_interval_ms defaults to 20, follows a shorter fast_interval_ms") {
  auto r = sidecar::parse_config(config(""));
  REQUIRE(r.config);
  CHECK(r.config->services[0].confirm_interval == 20ms);
  CHECK(r.config->services[0].checks[0].watch);
  auto fast = sidecar::parse_config(config(R"("fast_interval_ms": 10, )"));
  REQUIRE(fast.config);
  CHECK(fast.config->services[0].confirm_interval == 10ms);
  auto set = sidecar::parse_config(config(R"("confirm_interval_ms": 200, )"));
  REQUIRE(set.config);
  CHECK(set.config->services[0].confirm_interval == 200ms);
}

TEST_CASE("config: confirm_interval_ms out of range or above fast_interval_ms is a problem") {
  CHECK(problems_of(config(R"("confirm_interval_ms": 0, )"))
            .find("services[0].confirm_interval_ms:") != std::string::npos);
  CHECK(problems_of(config(R"("confirm_interval_ms": "20", )"))
            .find("services[0].confirm_interval_ms:") != std::string::npos);
  CHECK(problems_of(config(R"("confirm_interval_ms": 300, )")) ==
        "services[0].confirm_interval_ms: 300 must not be longer than fast_interval_ms 200 (equal "
        "to it turns fast confirmation of a refused connection off)\n");
}

TEST_CASE("config: checks[].watch is a boolean on dns checks; exec checks cannot watch") {
  auto off = sidecar::parse_config(config("", R"(, "watch": false)"));
  REQUIRE(off.config);
  CHECK_FALSE(off.config->services[0].checks[0].watch);
  CHECK(problems_of(config("", R"(, "watch": "yes")")) ==
        "services[0].checks[0].watch: must be true or false, not a string\n");
  auto exec = R"({"services": [{"name": "r", "checks": [{"type": "exec", "command": ["/bin/true"],
      "watch": %s}], "routes": [{"prefix": "192.0.2.53/32"}]}]})";
  char text[512];
  std::snprintf(text, sizeof text, exec, "false");
  auto e = sidecar::parse_config(text);
  REQUIRE(e.config);
  CHECK_FALSE(e.config->services[0].checks[0].watch);
  std::snprintf(text, sizeof text, exec, "true");
  CHECK(problems_of(text) ==
        "services[0].checks[0].watch: an exec check has no server to keep a connection to: "
        "remove it or set false\n");
  std::snprintf(text, sizeof text, exec, "null");
  CHECK(problems_of(text).find("services[0].checks[0].watch: must be true or false") !=
        std::string::npos);
}

TEST_CASE("config: checks[].stall_ms defaults to 100; 0 turns it off; exec checks have none") {
  auto r = sidecar::parse_config(config(""));
  REQUIRE(r.config);
  CHECK(r.config->services[0].checks[0].stall == 100ms);
  auto off = sidecar::parse_config(config("", R"(, "stall_ms": 0)"));
  REQUIRE(off.config);
  CHECK(off.config->services[0].checks[0].stall == 0ms);
  auto set = sidecar::parse_config(config("", R"(, "stall_ms": 250)"));
  REQUIRE(set.config);
  CHECK(set.config->services[0].checks[0].stall == 250ms);
  CHECK(problems_of(config("", R"(, "stall_ms": 10)")) ==
        "services[0].checks[0].stall_ms: 10 is too short: 0 (off) or 25 to 10000 (default 100)\n");
  CHECK(problems_of(config("", R"(, "stall_ms": -1)")).find("services[0].checks[0].stall_ms:") !=
        std::string::npos);
  CHECK(problems_of(config("", R"(, "stall_ms": 10001)")).find("services[0].checks[0].stall_ms:") !=
        std::string::npos);
  auto exec = sidecar::parse_config(
      R"({"services": [{"name": "r", "checks": [{"type": "exec", "command": ["/bin/true"]}],
      "routes": [{"prefix": "192.0.2.53/32"}]}]})");
  REQUIRE(exec.config);
  CHECK(exec.config->services[0].checks[0].stall == 0ms);
}

TEST_CASE("round phase: inside the period, in 10 ms steps, stable, spread") {
  std::map<long, int> per_phase;
  for (int i = 0; i < 1000; ++i) {
    auto name = "svc" + std::to_string(i);
    auto p = sidecar::round_phase(name, std::chrono::milliseconds(100));
    REQUIRE(p.count() >= 0);
    REQUIRE(p.count() < 100);
    REQUIRE(p.count() % 10 == 0);
    REQUIRE(p == sidecar::round_phase(name, std::chrono::milliseconds(100)));
    ++per_phase[p.count()];
  }
  CHECK(per_phase.size() == 10);                            // every step used
  for (const auto& [phase, n] : per_phase) CHECK(n < 200);  // none takes twice its share
  CHECK(sidecar::round_phase("x", std::chrono::milliseconds(7)) == std::chrono::milliseconds(0));
  CHECK(sidecar::round_phase("x", std::chrono::milliseconds(0)) == std::chrono::milliseconds(0));
}
