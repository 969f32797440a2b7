// Configuration of the RFC 8326 drain: routes[].when_disabled "drain" and routes[].drain_ms, their
// defaults, and each malformed value with the exact problem line an operator reads.
#include <catch2/catch.hpp>

#include "fixtures/config_problems.hpp"

#include <string>

#include "sidecar/config/config.hpp"

using namespace std::chrono_literals;
using test_support::problems_of;

namespace {

std::string config(const std::string& route) {
  return R"({"services": [{"name": "resolver", "checks": [{"qname": "probe.health.test."}],
             "routes": [)" +
         route + "]}]}";
}

const sidecar::RouteConfig& first_route(const sidecar::ConfigResult& r) {
  return r.config->services[0].routes[0];
}

}  // namespace

TEST_CASE("\"drain\": the route's own attributes, the degraded MED and GRACEFUL_SHUTDOWN") {
  auto r = sidecar::parse_config(config(
      R"({"prefix": "192.0.2.53/32", "attributes": {"med": 100, "community": ["65000:53"]},
          "when_disabled": "drain"})"));
  INFO((r.problems.empty() ? "" : r.problems[0]));
  REQUIRE(r.config);
  const auto& route = first_route(r);
  CHECK(route.drain == sidecar::kDefaultDrain);
  CHECK(route.drain == 3000ms);
  REQUIRE(std::holds_alternative<bridge::Attributes>(route.when_disabled));
  const auto& a = std::get<bridge::Attributes>(route.when_disabled);
  CHECK(a.med == 1100u);
  CHECK(a.community == std::vector<std::string>{"65000:53", "65535:0"});
  CHECK(bridge::format_announce(route.route, a) ==
        "announce route 192.0.2.53/32 next-hop self med 1100 community [65000:53 65535:0]");
}

TEST_CASE("drain_attributes never repeats the community") {
  bridge::Attributes own;
  own.community = {"65535:0"};
  CHECK(sidecar::drain_attributes(own).community == std::vector<std::string>{"65535:0"});
  CHECK(sidecar::drain_attributes({}).med == 1000u);
}

TEST_CASE("drain_ms: stated, 0 (hold the drain's attributes) and with attributes of one's own") {
  auto r = sidecar::parse_config(
      config(R"({"prefix": "192.0.2.53/32", "when_disabled": "drain", "drain_ms": 500})"));
  REQUIRE(r.config);
  CHECK(first_route(r).drain == 500ms);
  r = sidecar::parse_config(
      config(R"({"prefix": "192.0.2.53/32", "when_disabled": "drain", "drain_ms": 0})"));
  REQUIRE(r.config);
  CHECK(first_route(r).drain == 0ms);
  r = sidecar::parse_config(config(
      R"({"prefix": "192.0.2.53/32", "when_disabled": {"community": ["65535:0"], "local_preference": 0},
          "drain_ms": 10000})"));
  REQUIRE(r.config);
  CHECK(first_route(r).drain == 10000ms);
  CHECK(std::get<bridge::Attributes>(first_route(r).when_disabled).local_preference == 0u);
  // Without drain_ms, attributes hold while disabled, as before.
  r = sidecar::parse_config(
      config(R"({"prefix": "192.0.2.53/32", "when_disabled": {"med": 5000}})"));
  REQUIRE(r.config);
  CHECK(first_route(r).drain == 0ms);
}

TEST_CASE("malformed drains are refused with the field and the fix") {
  CHECK(problems_of(config(R"({"prefix": "192.0.2.53/32", "drain_ms": 3000})")) ==
        "services[0].routes[0].drain_ms: needs \"when_disabled\": \"drain\" (or attributes): a "
        "route withdrawn at once has nothing to drain\n");
  CHECK(problems_of(
            config(R"({"prefix": "192.0.2.53/32", "when_disabled": "withdraw", "drain_ms": 1})")) ==
        "services[0].routes[0].drain_ms: needs \"when_disabled\": \"drain\" (or attributes): a "
        "route withdrawn at once has nothing to drain\n");
  CHECK(problems_of(
            config(R"({"prefix": "192.0.2.53/32", "when_disabled": "drain", "drain_ms": -1})")) ==
        "services[0].routes[0].drain_ms: -1 is out of range (0 to 600000)\n");
  CHECK(problems_of(config(
            R"({"prefix": "192.0.2.53/32", "when_disabled": "drain", "drain_ms": 600001})")) ==
        "services[0].routes[0].drain_ms: 600001 is out of range (0 to 600000)\n");
  CHECK(problems_of(
            config(R"({"prefix": "192.0.2.53/32", "when_disabled": "drain", "drain_ms": "3s"})")) ==
        "services[0].routes[0].drain_ms: must be a whole number, not a string\n");
  const std::string shapes =
      "services[0].routes[0].when_disabled: must be \"withdraw\", \"drain\" (RFC 8326: announce "
      "with GRACEFUL_SHUTDOWN for drain_ms, then withdraw) or an object of attributes to announce "
      "with instead (e.g. {\"med\": 1000})\n";
  CHECK(problems_of(config(R"({"prefix": "192.0.2.53/32", "when_disabled": "Drain"})")) == shapes);
  CHECK(problems_of(config(R"({"prefix": "192.0.2.53/32", "when_disabled": 3000})")) == shapes);
  CHECK(problems_of(config(R"({"prefix": "192.0.2.53/32", "when_disabled": null})")) == shapes);
  CHECK(problems_of(config(R"({"prefix": "192.0.2.53/32", "drain_mss": 3000})")) ==
        "services[0].routes[0].drain_mss: unknown key (did you mean \"drain_ms\"?)\n");
}
