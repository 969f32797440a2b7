// The reload planner: every case the daemon's former inline reload handled (services removed,
// added, kept; routes dropped from a kept service; settings that need a restart; the refresh
// loop), plus the route that changes owner, which the inline code withdrew after the new owner
// had announced it, leaving it withdrawn for good.
#include <catch2/catch.hpp>

#include <algorithm>
#include "fixtures/service_config.hpp"

#include "exabgp-bridge/route.hpp"
#include "sidecar/policy/reload_plan.hpp"

using namespace std::chrono_literals;
using fixtures::route;
using fixtures::service;
using sidecar::Config;
using sidecar::SentByService;

namespace {

std::string key(const char* prefix) {
  return bridge::route_key(route(prefix).route);
}
std::string announce(const char* prefix) {
  return bridge::format_announce(route(prefix).route, {});
}
std::string withdraw(const char* prefix) {
  return bridge::format_withdraw(route(prefix).route);
}

Config config(std::vector<sidecar::ServiceConfig> services) {
  Config c;
  c.services = std::move(services);
  return c;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("reload: an identical configuration keeps everything and sends nothing") {
  auto c = config({service("a", {"192.0.2.53/32"}), service("b", {"198.51.100.53/32"})});
  SentByService sent{{"a", {{key("192.0.2.53/32"), announce("192.0.2.53/32")}}}};
  auto plan = sidecar::plan_reload(c, c, sent);
  CHECK(plan.stop.empty());
  CHECK(plan.start.empty());
  CHECK(plan.keep == Names{"a", "b"});
  CHECK(plan.withdraw.empty());
  CHECK(plan.forget.empty());
  CHECK(plan.handover.empty());
  CHECK(plan.restart_needed.empty());
  CHECK_FALSE(plan.start_refresh);
}

TEST_CASE("reload: a removed service withdraws what it announced") {
  auto old = config({service("a", {"192.0.2.53/32", "192.0.2.54/32"}), service("b", {})});
  auto next = config({service("b", {})});
  SECTION("announced routes are withdrawn, never-sent ones are not") {
    SentByService sent{{"a", {{key("192.0.2.53/32"), announce("192.0.2.53/32")}}}};
    auto plan = sidecar::plan_reload(old, next, sent);
    CHECK(plan.stop == Names{"a"});
    CHECK(plan.keep == Names{"b"});
    REQUIRE(plan.withdraw.size() == 1);
    CHECK(plan.withdraw[0].service == "a");
    CHECK(plan.withdraw[0].key == key("192.0.2.53/32"));
    CHECK(plan.withdraw[0].line == withdraw("192.0.2.53/32"));
    CHECK(plan.forget.at("a") == Names{key("192.0.2.53/32")});
  }
  SECTION("a route already withdrawn is not sent again") {
    SentByService sent{{"a", {{key("192.0.2.53/32"), withdraw("192.0.2.53/32")}}}};
    auto plan = sidecar::plan_reload(old, next, sent);
    CHECK(plan.withdraw.empty());
    CHECK(plan.forget.at("a") == Names{key("192.0.2.53/32")});
  }
  SECTION("a service that never sent anything (still in INIT) withdraws nothing") {
    auto plan = sidecar::plan_reload(old, next, {});
    CHECK(plan.stop == Names{"a"});
    CHECK(plan.withdraw.empty());
    CHECK(plan.forget.empty());
  }
}

TEST_CASE("reload: a route dropped from a kept service is withdrawn and forgotten") {
  auto old = config({service("a", {"192.0.2.53/32", "192.0.2.54/32"})});
  auto next = config({service("a", {"192.0.2.53/32"})});
  SentByService sent{{"a",
                      {{key("192.0.2.53/32"), announce("192.0.2.53/32")},
                       {key("192.0.2.54/32"), announce("192.0.2.54/32")}}}};
  auto plan = sidecar::plan_reload(old, next, sent);
  CHECK(plan.keep == Names{"a"});
  REQUIRE(plan.withdraw.size() == 1);
  CHECK(plan.withdraw[0].line == withdraw("192.0.2.54/32"));
  CHECK(plan.forget.at("a") == Names{key("192.0.2.54/32")});
}

TEST_CASE("reload: a route whose attributes change stays with its service (no withdraw)") {
  auto old = config({service("a", {"192.0.2.53/32"})});
  auto next = old;
  next.services[0].routes[0].attributes.med = 500;
  SentByService sent{{"a", {{key("192.0.2.53/32"), announce("192.0.2.53/32")}}}};
  auto plan = sidecar::plan_reload(old, next, sent);
  CHECK(plan.withdraw.empty());
  CHECK(plan.forget.empty());
  CHECK(plan.keep == Names{"a"});
}

TEST_CASE("reload: a route that changes owner is handed over, not withdrawn") {
  SentByService sent{{"a", {{key("192.0.2.53/32"), announce("192.0.2.53/32")}}}};
  SECTION("to a kept service") {
    auto old = config({service("a", {"192.0.2.53/32"}), service("b", {})});
    auto next = config({service("a", {}), service("b", {"192.0.2.53/32"})});
    auto plan = sidecar::plan_reload(old, next, sent);
    CHECK(plan.withdraw.empty());
    REQUIRE(plan.handover.size() == 1);
    CHECK(plan.handover[0].from == "a");
    CHECK(plan.handover[0].to == "b");
    CHECK(plan.forget.at("a") == Names{key("192.0.2.53/32")});
  }
  SECTION("from a removed service to a new one") {
    auto old = config({service("a", {"192.0.2.53/32"})});
    auto next = config({service("c", {"192.0.2.53/32"})});
    auto plan = sidecar::plan_reload(old, next, sent);
    CHECK(plan.stop == Names{"a"});
    CHECK(plan.start == Names{"c"});
    CHECK(plan.withdraw.empty());
    REQUIRE(plan.handover.size() == 1);
    CHECK(plan.handover[0].to == "c");
  }
}

TEST_CASE("reload: a route scoped to other neighbors is another route") {
  auto old = config({service("a", {"192.0.2.53/32"})});
  auto next = old;
  next.services[0].routes[0].route.neighbors = {"192.0.2.254"};
  SentByService sent{{"a", {{key("192.0.2.53/32"), announce("192.0.2.53/32")}}}};
  auto plan = sidecar::plan_reload(old, next, sent);
  REQUIRE(plan.withdraw.size() == 1);
  CHECK(plan.withdraw[0].line == withdraw("192.0.2.53/32"));
}

TEST_CASE("reload: added services start in the new configuration's order") {
  auto old = config({service("b", {})});
  auto next = config({service("c", {}), service("b", {}), service("a", {})});
  auto plan = sidecar::plan_reload(old, next, {});
  CHECK(plan.start == Names{"c", "a"});
  CHECK(plan.keep == Names{"b"});
  CHECK(plan.stop.empty());
}

TEST_CASE("reload: ExaBGP settings that only a restart applies are named") {
  auto old = config({});
  auto next = old;
  next.exabgp.ack = false;
  next.exabgp.ack_timeout = 7000ms;
  next.exabgp.ping_interval = 3000ms;
  auto plan = sidecar::plan_reload(old, next, {});
  CHECK(plan.restart_needed ==
        Names{"exabgp.ack", "exabgp.ack_timeout_ms", "exabgp.ping_interval_ms"});
}

TEST_CASE("reload: the refresh loop starts when refresh_ms goes from 0 to a period") {
  auto old = config({});
  auto next = old;
  next.exabgp.refresh = 1000ms;
  CHECK(sidecar::plan_reload(old, next, {}).start_refresh);
  CHECK_FALSE(sidecar::plan_reload(next, next, {}).start_refresh);
  CHECK_FALSE(sidecar::plan_reload(next, old, {}).start_refresh);  // the loop ends by itself
  CHECK(sidecar::plan_reload(next, old, {}).restart_needed.empty());
}
