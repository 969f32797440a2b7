// `maintenance on --wait`: drained only when every selected service is disabled, its routes'
// when_disabled acknowledged, the bridge ok and the file written after the request.
#include <catch2/catch.hpp>

#include "sidecar/status/maintenance_wait.hpp"

using nlohmann::json;

namespace {

json status(const char* state, bool announced, double updated = 100.0, const char* bridge = "ok") {
  return {{"schema", 1},
          {"pid", 4242},
          {"updated_unix", updated},
          {"exabgp", {{"state", bridge}}},
          {"services",
           {{{"name", "resolver"},
             {"state", state},
             {"announced", announced},
             {"routes", {{{"prefix", "192.0.2.53/32"}, {"desired", "withdraw"}}}}},
            {{"name", "other"}, {"state", "up"}, {"announced", true}, {"routes", json::array()}}}}};
}

// Written after the request at 99, judged at 101 with a live daemon: the believable case.
sidecar::DrainClock at(double since = 99.0, double now = 101.0, bool alive = true) {
  sidecar::DrainClock c;
  c.since_unix = since;
  c.now_unix = now;
  c.max_age_s = 5;
  c.pid_alive = [alive](long pid) { return alive && pid == 4242; };
  return c;
}

}  // namespace

TEST_CASE("drain: done when disabled and acknowledged after the request") {
  auto p = sidecar::drain_progress(status("disabled", true), {"resolver"}, at());
  CHECK(p.done);
  CHECK(p.waiting_for.empty());
}

TEST_CASE("drain: each missing condition is named") {
  using sidecar::drain_progress;
  CHECK(drain_progress(status("up", true), {"resolver"}, at()).waiting_for ==
        "service resolver to be disabled (it is up)");
  CHECK(drain_progress(status("disabled", false), {"resolver"}, at()).waiting_for ==
        "ExaBGP to acknowledge when_disabled for resolver");
  CHECK_FALSE(drain_progress(status("disabled", true, 98.0), {"resolver"}, at()).done);
  CHECK(
      drain_progress(status("disabled", true, 100.0, "stalled"), {"resolver"}, at()).waiting_for ==
      "the ExaBGP bridge to be ok (it is stalled)");
  CHECK(drain_progress(status("disabled", true), {"nope"}, at()).waiting_for ==
        "service nope in the status file (is the daemon running?)");
  CHECK_FALSE(drain_progress(status("disabled", true), {"resolver", "other"}, at()).done);
}

TEST_CASE("drain: a service without routes is drained once disabled") {
  auto s = status("disabled", true);
  s["services"][1]["state"] = "disabled";
  s["services"][1]["announced"] = false;
  CHECK(sidecar::drain_progress(s, {"other"}, at()).done);
}

TEST_CASE("drain: malformed status files never count as drained") {
  for (const auto& bad : {json(), json::array(), json("x"), json{{"updated_unix", "soon"}},
                          json{{"schema", 1}, {"updated_unix", 100}, {"exabgp", 1}},
                          json{{"schema", 1}, {"updated_unix", 100}, {"exabgp", {{"state", "ok"}}}},
                          json{{"schema", 1},
                               {"updated_unix", 100},
                               {"exabgp", {{"state", "ok"}}},
                               {"services", {1, "x", {{"name", 3}}}}}}) {
    INFO(bad.dump());
    CHECK_FALSE(sidecar::drain_progress(bad, {"resolver"}, at()).done);
  }
  auto s = status("disabled", true);
  s["services"][0]["announced"] = "yes";
  CHECK_FALSE(sidecar::drain_progress(s, {"resolver"}, at()).done);
}

TEST_CASE("drain: only a live daemon with a fresh, not-future heartbeat is believed") {
  using sidecar::drain_progress;
  auto drained = status("disabled", true);
  // A dead daemon's last file said drained: nothing holds the routes to that any more.
  auto dead = drain_progress(drained, {"resolver"}, at(99.0, 101.0, false));
  CHECK_FALSE(dead.done);
  CHECK(dead.waiting_for.find("not alive") != std::string::npos);
  // Dated an hour ahead (a clock stepped back): `status` says CRITICAL, --wait must not say
  // drained.
  auto future = drain_progress(status("disabled", true, 3700.0), {"resolver"}, at(99.0, 101.0));
  CHECK_FALSE(future.done);
  CHECK(future.waiting_for.find("in the future") != std::string::npos);
  // Written after the request but long ago by the clock: stale.
  auto stale = drain_progress(drained, {"resolver"}, at(99.0, 160.0));
  CHECK_FALSE(stale.done);
  CHECK(stale.waiting_for.find("not updated for") != std::string::npos);
  // No pid, a pid of another type, of another schema: never drained.
  auto no_pid = drained;
  no_pid.erase("pid");
  CHECK_FALSE(drain_progress(no_pid, {"resolver"}, at()).done);
  auto text_pid = drained;
  text_pid["pid"] = "4242";
  CHECK_FALSE(drain_progress(text_pid, {"resolver"}, at()).done);
  auto schema = drained;
  schema["schema"] = 2;
  CHECK_FALSE(drain_progress(schema, {"resolver"}, at()).done);
  // And the believable case is drained.
  CHECK(drain_progress(drained, {"resolver"}, at()).done);
}

TEST_CASE("drain: a running RFC 8326 drain is waited out, then the withdraw") {
  auto s = status("disabled", true);
  s["services"][0]["maintenance"] = {
      {"reason", "upgrade"}, {"since_unix", 99.5}, {"drain_until_unix", 103.0}};
  auto p = sidecar::drain_progress(s, {"resolver"}, at());
  CHECK_FALSE(p.done);
  CHECK(p.waiting_for ==
        "the drain of resolver to end (RFC 8326: announced with when_disabled until its drain_ms "
        "is over, then withdrawn)");
  s["services"][0]["maintenance"].erase("drain_until_unix");
  CHECK(sidecar::drain_progress(s, {"resolver"}, at()).done);
  // A drain_until_unix that is not a number: not a status file of ours, never drained.
  s["services"][0]["maintenance"]["drain_until_unix"] = "soon";
  CHECK_FALSE(sidecar::drain_progress(s, {"resolver"}, at()).done);
}
