// Route identity and ownership: one canonical key per (prefix, sorted unique neighbors), and one
// owner per (prefix, neighbor) pair across every service of a configuration.
#include <catch2/catch.hpp>

#include "exabgp-bridge/route.hpp"
#include "sidecar/config/config.hpp"

namespace {

std::string two_services(const std::string& first_route, const std::string& second_route) {
  return R"({"services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [)" + first_route +
         R"(]}, {"name": "b", "checks": [{"qname": "x."}], "routes": [)" + second_route + "]}]}";
}

std::string first_problem(const std::string& text) {
  auto r = sidecar::parse_config(text);
  return r.problems.empty() ? "" : r.problems[0];
}

}  // namespace

TEST_CASE("route identity: neighbors in any order or repeated are one key") {
  bridge::Route a, b;
  a.prefix = b.prefix = *bridge::parse_prefix("192.0.2.53/32");
  a.neighbors = {"192.0.2.2", "192.0.2.1"};
  b.neighbors = {"192.0.2.1", "192.0.2.2", "192.0.2.1"};
  CHECK(bridge::route_key(a) == "192.0.2.53/32|192.0.2.1|192.0.2.2");
  CHECK(bridge::route_key(a) == bridge::route_key(b));
  CHECK(bridge::format_withdraw(a) == bridge::format_withdraw(b));
  CHECK(bridge::format_withdraw(a) ==
        "neighbor 192.0.2.1 , neighbor 192.0.2.2 withdraw route 192.0.2.53/32 next-hop self");
  CHECK(bridge::is_withdraw(bridge::format_withdraw(a)));
  CHECK_FALSE(bridge::is_withdraw(bridge::format_announce(a, {})));
  a.neighbors.clear();
  CHECK(bridge::is_withdraw(bridge::format_withdraw(a)));
  CHECK_FALSE(bridge::is_withdraw(bridge::format_announce(a, {})));
  CHECK_FALSE(bridge::is_withdraw("version"));
}

TEST_CASE("route identity: the configuration keeps neighbors sorted, refuses a repeat") {
  auto r = sidecar::parse_config(
      R"({"services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32", "neighbors": ["192.0.2.9", "192.0.2.1"]}]}]})");
  REQUIRE(r.config);
  CHECK(r.config->services[0].routes[0].route.neighbors ==
        std::vector<std::string>{"192.0.2.1", "192.0.2.9"});
  CHECK(
      first_problem(
          R"({"services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32", "neighbors": ["192.0.2.1", "192.0.2.1"]}]}]})") ==
      "services[0].routes[0].neighbors[1]: 192.0.2.1 is listed twice");
}

TEST_CASE("ownership: one owner per prefix and neighbor, across services") {
  const std::string all = R"({"prefix": "192.0.2.53/32"})";
  const std::string ab = R"({"prefix": "192.0.2.53/32", "neighbors": ["192.0.2.1", "192.0.2.2"]})";
  const std::string ba = R"({"prefix": "192.0.2.53/32", "neighbors": ["192.0.2.2", "192.0.2.1"]})";
  const std::string a = R"({"prefix": "192.0.2.53/32", "neighbors": ["192.0.2.1"]})";
  const std::string b = R"({"prefix": "192.0.2.53/32", "neighbors": ["192.0.2.2"]})";
  const std::string other = R"({"prefix": "192.0.2.54/32", "neighbors": ["192.0.2.1"]})";
  CHECK(first_problem(two_services(ab, ba)) ==
        "services[1].routes[0].prefix: 192.0.2.53/32 to neighbor 192.0.2.1 is already announced "
        "by services[0].routes[0] (one owner per prefix and neighbor)");
  CHECK(first_problem(two_services(a, ab)).find("to neighbor 192.0.2.1 is already announced") !=
        std::string::npos);
  CHECK(first_problem(two_services(b, ab)).find("to neighbor 192.0.2.2 is already announced") !=
        std::string::npos);
  CHECK(first_problem(two_services(all, a)).find("to every peer it names is already announced") !=
        std::string::npos);
  CHECK(first_problem(two_services(a, all)).find("is already announced") != std::string::npos);
  CHECK(first_problem(two_services(all, all)).find("to every peer is already announced") !=
        std::string::npos);
  // Disjoint pairs are fine: the same prefix to different peers, or another prefix.
  CHECK(first_problem(two_services(a, b)).empty());
  CHECK(first_problem(two_services(ab, other)).empty());
}
