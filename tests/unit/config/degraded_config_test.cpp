// Configuration of the degraded state (deploy/docs/design.md, "Degraded"): checks[].on_failure,
// checks[].expect.max_rtt_ms, routes[].when_degraded and hooks.on_degraded, their defaults, and
// each malformed value with the exact problem line an operator reads.
#include <catch2/catch.hpp>

#include "fixtures/config_problems.hpp"

#include <string>

#include "sidecar/config/config.hpp"

using namespace std::chrono_literals;
using sidecar::CheckConfig;

namespace {

// One service; `checks`, `routes` and `extra` (more service keys) are spliced in as JSON text.
std::string config(const std::string& checks, const std::string& routes = "",
                   const std::string& extra = "") {
  return R"({"services": [{"name": "resolver", )" + extra + R"("checks": [)" + checks +
         R"(], "routes": [)" +
         (routes.empty() ? std::string(R"({"prefix": "192.0.2.53/32"})") : routes) + "]}]}";
}

const std::string kLocal = R"({"name": "local-zone", "qname": "probe.health.example."})";

using test_support::problems_of;

}  // namespace

TEST_CASE("on_failure defaults to down; degrade is accepted on dns and exec checks") {
  auto r = sidecar::parse_config(
      config(kLocal + R"(, {"name": "recursion", "qname": "example.org.", "on_failure": "degrade"},
                  {"name": "ctl", "type": "exec", "command": ["true"], "on_failure": "degrade"},
                  {"name": "explicit", "qname": "x.example.", "on_failure": "down"})"));
  REQUIRE(r.problems.empty());
  const auto& checks = r.config->services[0].checks;
  REQUIRE(checks.size() == 4);
  CHECK(checks[0].on_failure == CheckConfig::OnFailure::down);
  CHECK(checks[1].on_failure == CheckConfig::OnFailure::degrade);
  CHECK(checks[2].on_failure == CheckConfig::OnFailure::degrade);
  CHECK(checks[3].on_failure == CheckConfig::OnFailure::down);
}

TEST_CASE("on_failure other than down or degrade is a problem naming the field") {
  CHECK(problems_of(config(kLocal + R"(, {"qname": "a.example.", "on_failure": "warn"})")) ==
        "services[0].checks[1].on_failure: must be \"down\" (the check counts in the policy) or "
        "\"degrade\" (a failure only worsens the announcement), not \"warn\"\n");
  CHECK(problems_of(config(kLocal + R"(, {"qname": "a.example.", "on_failure": 1})")) ==
        "services[0].checks[1].on_failure: must be a string, not a number\n");
  CHECK(problems_of(config(kLocal + R"(, {"qname": "a.example.", "on_faillure": "down"})")) ==
        "services[0].checks[1].on_faillure: unknown key (did you mean \"on_failure\"?)\n");
}

TEST_CASE("a service whose every check degrades is refused: nothing could make it up") {
  CHECK(problems_of(config(R"({"qname": "a.example.", "on_failure": "degrade"})")) ==
        "services[0].checks: every check has on_failure \"degrade\": at least one must be "
        "\"down\" (the policy over the down checks decides whether the service is up at all)\n");
}

TEST_CASE("a quorum counts only the down checks") {
  auto two_down_one_degrade = kLocal + R"(, {"qname": "b.example."},
      {"qname": "c.example.", "on_failure": "degrade"})";
  CHECK(problems_of(config(two_down_one_degrade, "", R"("policy": {"quorum": 2}, )")).empty());
  CHECK(problems_of(config(two_down_one_degrade, "", R"("policy": {"quorum": 3}, )")) ==
        "services[0].policy.quorum: 3 is more than the 2 checks with on_failure \"down\" "
        "(degrade checks do not count in the policy)\n");
}

TEST_CASE("expect.max_rtt_ms: absent by default, milliseconds when set, range-checked") {
  auto r = sidecar::parse_config(
      config(kLocal + R"(, {"name": "recursion", "qname": "example.org.", "on_failure": "degrade",
                     "expect": {"rcode": "NOERROR", "max_rtt_ms": 300}})"));
  REQUIRE(r.problems.empty());
  CHECK_FALSE(r.config->services[0].checks[0].dns.expect.max_rtt);
  REQUIRE(r.config->services[0].checks[1].dns.expect.max_rtt);
  CHECK(*r.config->services[0].checks[1].dns.expect.max_rtt == 300ms);
  // Also allowed on a down check: "slow" then counts in the policy like any other failure.
  CHECK(problems_of(config(R"({"qname": "a.example.", "expect": {"max_rtt_ms": 50}})")).empty());
  CHECK(problems_of(config(R"({"qname": "a.example.", "expect": {"max_rtt_ms": 0}})")) ==
        "services[0].checks[0].expect.max_rtt_ms: 0 is out of range (1 to 60000)\n");
  CHECK(problems_of(config(R"({"qname": "a.example.", "expect": {"max_rtt_ms": "1s"}})")) ==
        "services[0].checks[0].expect.max_rtt_ms: must be a whole number, not a string\n");
  CHECK(problems_of(config(R"({"qname": "a.example.", "expect": {"max_rt_ms": 10}})")) ==
        "services[0].checks[0].expect.max_rt_ms: unknown key (did you mean \"max_rtt_ms\"?)\n");
}

TEST_CASE("when_degraded defaults to the route's attributes with med raised by 1000") {
  auto r = sidecar::parse_config(
      config(kLocal,
             R"({"prefix": "192.0.2.53/32", "attributes": {"med": 100, "community": ["65000:53"]}},
         {"prefix": "192.0.2.54/32"},
         {"prefix": "192.0.2.55/32", "attributes": {"med": 4294967000}})"));
  REQUIRE(r.problems.empty());
  const auto& routes = r.config->services[0].routes;
  REQUIRE(routes.size() == 3);
  CHECK(routes[0].when_degraded.med == 1100u);
  CHECK(routes[0].when_degraded.community == std::vector<std::string>{"65000:53"});
  CHECK(routes[1].when_degraded.med == 1000u);        // no med: 1000
  CHECK(routes[2].when_degraded.med == 4294967295u);  // saturates, never wraps to a better MED
}

TEST_CASE("an explicit when_degraded replaces the route's attributes whole") {
  auto r = sidecar::parse_config(config(
      kLocal, R"({"prefix": "192.0.2.53/32", "attributes": {"med": 100, "community": ["65000:53"]},
                  "when_degraded": {"med": 500, "community": ["65000:666"]}})"));
  REQUIRE(r.problems.empty());
  const auto& wd = r.config->services[0].routes[0].when_degraded;
  CHECK(wd.med == 500u);
  CHECK(wd.community == std::vector<std::string>{"65000:666"});
  CHECK(
      problems_of(config(kLocal, R"({"prefix": "192.0.2.53/32", "when_degraded": "withdraw"})")) ==
      "services[0].routes[0].when_degraded: must be an object, not a string\n");
  CHECK(
      problems_of(config(kLocal, R"({"prefix": "192.0.2.53/32", "when_degraded": {"med": -1}})")) ==
      "services[0].routes[0].when_degraded.med: -1 is out of range (0 to 4294967295)\n");
  CHECK(problems_of(config(kLocal, R"({"prefix": "192.0.2.53/32", "when_degradded": {}})")) ==
        "services[0].routes[0].when_degradded: unknown key (did you mean \"when_degraded\"?)\n");
}

TEST_CASE("hooks.on_degraded is an argv like the others") {
  auto r = sidecar::parse_config(
      config(kLocal, "", R"("hooks": {"on_degraded": ["/usr/local/bin/notify", "degraded"]}, )"));
  REQUIRE(r.problems.empty());
  CHECK(r.config->services[0].hooks.on_degraded ==
        std::vector<std::string>{"/usr/local/bin/notify", "degraded"});
  CHECK(problems_of(config(kLocal, "", R"("hooks": {"on_degraded": [""]}, )")) ==
        "services[0].hooks.on_degraded[0]: must be a non-empty string\n");
}

TEST_CASE("default_when_degraded by itself") {
  bridge::Attributes none;
  CHECK(sidecar::default_when_degraded(none).med == 1000u);
  bridge::Attributes some;
  some.med = 0;
  some.local_preference = 50;
  some.as_path = {65000, 65000};
  auto d = sidecar::default_when_degraded(some);
  CHECK(d.med == 1000u);
  CHECK(d.local_preference == 50u);
  CHECK(d.as_path == std::vector<std::uint32_t>{65000, 65000});
}
