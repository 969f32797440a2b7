// Idempotent neighbor state: only a change to "up" re-sends the routes.
#include <catch2/catch.hpp>

#include "exabgp-bridge/neighbor_table.hpp"
#include "sidecar/lib/printable.hpp"

using bridge::NeighborTable;

namespace {
const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::seconds(100);
const auto t1 = t0 + std::chrono::seconds(1);
}  // namespace

TEST_CASE("a repeated up re-sends nothing; a change to up re-sends once") {
  NeighborTable t;
  auto u = t.update("192.0.2.254", "up", t0);
  CHECK(u.changed);
  CHECK(u.resend);
  for (int i = 0; i < 5; ++i) {
    u = t.update("192.0.2.254", "up", t1);
    CHECK_FALSE(u.changed);
    CHECK_FALSE(u.resend);
  }
  CHECK(t.neighbors()[0].since == t0);  // a repeat does not reset "since"
  u = t.update("192.0.2.254", "down", t1);
  CHECK(u.changed);
  CHECK_FALSE(u.resend);
  u = t.update("192.0.2.254", "connected", t1);
  CHECK(u.changed);
  CHECK_FALSE(u.resend);
  u = t.update("192.0.2.254", "up", t1);
  CHECK(u.changed);
  CHECK(u.resend);
  CHECK(t.neighbors().size() == 1);
}

TEST_CASE("first sight of a neighbor that is not up: recorded, no resend") {
  NeighborTable t;
  auto u = t.update("2001:db8::1", "down", t0);
  CHECK(u.changed);
  CHECK_FALSE(u.resend);
}

TEST_CASE("neighbors are independent") {
  NeighborTable t;
  t.update("a", "up", t0);
  CHECK(t.update("b", "up", t0).resend);
  CHECK_FALSE(t.update("a", "up", t0).resend);
  CHECK(t.neighbors().size() == 2);
}

TEST_CASE("a full table stays bounded but an up still re-sends") {
  NeighborTable t(2);
  t.update("a", "down", t0);
  t.update("b", "down", t0);
  auto u = t.update("c", "up", t0);
  CHECK_FALSE(u.changed);
  CHECK(u.resend);
  CHECK(t.neighbors().size() == 2);
}

TEST_CASE("hostile peer and state text is made printable and bounded at entry") {
  NeighborTable t;
  t.update("\x1b[2J\xff" + std::string(1000, 'p'), "u\xe9p", t0);
  REQUIRE(t.neighbors().size() == 1);
  const auto& n = t.neighbors()[0];
  CHECK(text::valid_utf8(n.peer));
  CHECK(n.peer.size() <= NeighborTable::kMaxPeerText + 3);
  CHECK(n.peer.rfind("?[2J", 0) == 0);
  CHECK(text::valid_utf8(n.state));
  CHECK_FALSE(t.update("x", "\x1bup", t0).resend);  // "?up" is not "up"
}
