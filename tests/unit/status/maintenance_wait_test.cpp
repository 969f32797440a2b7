// `maintenance on --wait`: drained only when every selected service is disabled, its routes'
// when_disabled acknowledged, the bridge ok and the file written after the request.
#include <catch2/catch.hpp>

#include "sidecar/status/maintenance_wait.hpp"

using nlohmann::json;

namespace {

json status(const char* state, bool announced, double updated = 100.0, const char* bridge = "ok") {
  return {{"updated_unix", updated},
          {"exabgp", {{"state", bridge}}},
          {"services",
           {{{"name", "resolver"},
             {"state", state},
             {"announced", announced},
             {"routes", {{{"prefix", "192.0.2.53/32"}, {"desired", "withdraw"}}}}},
            {{"name", "other"}, {"state", "up"}, {"announced", true}, {"routes", json::array()}}}}};
}

}  // namespace

TEST_CASE("drain: done when disabled and acknowledged after the request") {
  auto p = sidecar::drain_progress(status("disabled", true), {"resolver"}, 99.0);
  CHECK(p.done);
  CHECK(p.waiting_for.empty());
}

TEST_CASE("drain: each missing condition is named") {
  using sidecar::drain_progress;
  CHECK(drain_progress(status("up", true), {"resolver"}, 99.0).waiting_for ==
        "service resolver to be disabled (it is up)");
  CHECK(drain_progress(status("disabled", false), {"resolver"}, 99.0).waiting_for ==
        "ExaBGP to acknowledge when_disabled for resolver");
  CHECK_FALSE(drain_progress(status("disabled", true, 98.0), {"resolver"}, 99.0).done);
  CHECK(
      drain_progress(status("disabled", true, 100.0, "stalled"), {"resolver"}, 99.0).waiting_for ==
      "the ExaBGP bridge to be ok (it is stalled)");
  CHECK(drain_progress(status("disabled", true), {"nope"}, 99.0).waiting_for ==
        "service nope in the status file (is the daemon running?)");
  CHECK_FALSE(drain_progress(status("disabled", true), {"resolver", "other"}, 99.0).done);
}

TEST_CASE("drain: a service without routes is drained once disabled") {
  auto s = status("disabled", true);
  s["services"][1]["state"] = "disabled";
  s["services"][1]["announced"] = false;
  CHECK(sidecar::drain_progress(s, {"other"}, 99.0).done);
}

TEST_CASE("drain: malformed status files never count as drained") {
  for (const auto& bad : {json(), json::array(), json("x"), json{{"updated_unix", "soon"}},
                          json{{"updated_unix", 200}, {"exabgp", 1}},
                          json{{"updated_unix", 200}, {"exabgp", {{"state", "ok"}}}},
                          json{{"updated_unix", 200},
                               {"exabgp", {{"state", "ok"}}},
                               {"services", {1, "x", {{"name", 3}}}}}}) {
    INFO(bad.dump());
    CHECK_FALSE(sidecar::drain_progress(bad, {"resolver"}, 99.0).done);
  }
  auto s = status("disabled", true);
  s["services"][0]["announced"] = "yes";
  CHECK_FALSE(sidecar::drain_progress(s, {"resolver"}, 99.0).done);
}
