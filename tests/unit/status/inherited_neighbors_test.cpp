// The neighbors a restarted sidecar shows before ExaBGP reports any session change: those its
// previous instance last saw, read back from its status file, validated like any input.
#include <catch2/catch.hpp>

#include "sidecar/status/previous_routes.hpp"

using sidecar::neighbors_in_status;

TEST_CASE("neighbors_in_status: the previous instance's neighbors, validated") {
  auto n = neighbors_in_status(R"({"exabgp": {"neighbors": [
      {"peer": "127.0.0.2", "state": "up", "since_unix": 1795339540.1},
      {"peer": "2001:DB8::1", "state": "down"}]}})");
  REQUIRE(n.size() == 2);
  CHECK(n[0].peer == "127.0.0.2");
  CHECK(n[0].state == "up");
  CHECK(n[0].since_unix == 1795339540.1);
  CHECK(n[1].peer == "2001:db8::1");  // canonical, as the bridge reports peers
  CHECK(n[1].since_unix == 0);
}

TEST_CASE("neighbors_in_status: anything else is dropped, never trusted") {
  CHECK(neighbors_in_status("").empty());
  CHECK(neighbors_in_status("not json").empty());
  CHECK(neighbors_in_status(R"({"exabgp": {"neighbors": "up"}})").empty());
  CHECK(neighbors_in_status(R"({"exabgp": {"neighbors": [
      {"peer": "router.example", "state": "up"},
      {"peer": "127.0.0.2", "state": "UP\u001b[2J"},
      {"peer": "127.0.0.2", "state": ""},
      {"peer": "127.0.0.2"},
      {"peer": 5, "state": "up"},
      "127.0.0.2"]}})")
            .empty());
  // A duplicate peer counts once; an absurd time is dropped, not cast.
  auto n = neighbors_in_status(R"({"exabgp": {"neighbors": [
      {"peer": "127.0.0.2", "state": "up", "since_unix": 1e300},
      {"peer": "127.0.0.2", "state": "down"}]}})");
  REQUIRE(n.size() == 1);
  CHECK(n[0].state == "up");
  CHECK(n[0].since_unix == 0);
  // Bounded.
  std::string many = R"({"exabgp": {"neighbors": [)";
  for (int i = 0; i < 1000; ++i) {
    many += (i ? "," : "") + std::string(R"({"peer": "10.0.)") + std::to_string(i / 250) + "." +
            std::to_string(i % 250) + R"(", "state": "up"})";
  }
  many += "]}}";
  CHECK(neighbors_in_status(many).size() == 256);
}
