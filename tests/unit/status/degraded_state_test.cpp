// The degraded state (deploy/docs/design.md, "Degraded"), pure parts: the round verdict over
// down/degrade checks, every transition into and out of DEGRADED (rise/fall 1 and >1, hold-down,
// INIT, maintenance, down taking precedence), the route commands and the status verdict.
#include <catch2/catch.hpp>

#include "fixtures/service_config.hpp"
#include "fixtures/state_machine.hpp"
#include "sidecar/policy/check_policy.hpp"
#include "sidecar/policy/hook_choice.hpp"
#include "sidecar/policy/route_policy.hpp"
#include "sidecar/policy/service_view.hpp"
#include "sidecar/policy/state_machine.hpp"
#include "sidecar/status/status_model.hpp"
#include "sidecar/status/status_verdict.hpp"

using fixtures::check;
using fixtures::degraded;
using fixtures::healthy;
using fixtures::in;
using fixtures::maintenance;
using fixtures::params;
using fixtures::result;
using fixtures::run;
using fixtures::t0;
using fixtures::unhealthy;
using probes::Reason;
using sidecar::Machine;
using sidecar::Observation;
using sidecar::ServiceState;
using sidecar::step;
using namespace std::chrono_literals;

TEST_CASE("degraded: the state's name and the fast interval while something is counted") {
  CHECK(sidecar::to_string(ServiceState::degraded) == "degraded");
  CHECK_FALSE(sidecar::wants_fast_interval(ServiceState::degraded));
  Machine m = in(ServiceState::degraded);
  CHECK_FALSE(sidecar::wants_fast_interval(m));
  m.failures = 1;
  CHECK(sidecar::wants_fast_interval(m));  // a withdraw is being confirmed: the usual window
  m.failures = 0;
  m.clean_rounds = 1;
  CHECK(sidecar::wants_fast_interval(m));
  Machine up = in(ServiceState::up);
  CHECK_FALSE(sidecar::wants_fast_interval(up));
  up.degraded_rounds = 1;
  CHECK(sidecar::wants_fast_interval(up));
  CHECK(sidecar::wants_fast_interval(in(ServiceState::falling)));
  CHECK_FALSE(sidecar::wants_fast_interval(in(ServiceState::down)));
}

TEST_CASE("UP -> DEGRADED after fall consecutive degraded rounds") {
  auto r = run(in(ServiceState::up), {degraded(0s), degraded(1s)}, params(3, 3));
  CHECK(r.m.state == ServiceState::up);  // still announced with the normal attributes
  CHECK(r.m.degraded_rounds == 2);
  CHECK(r.transitions.empty());
  auto s = step(r.m, degraded(2s), params(3, 3));
  CHECK(s.next.state == ServiceState::degraded);
  REQUIRE(s.transition);
  CHECK(s.transition->from == ServiceState::up);
  CHECK(s.transition->reason == "3 degraded rounds: recursion servfail");
  CHECK(s.next.since == t0 + 2s);
  CHECK(s.next.degraded_rounds == 0);
}

TEST_CASE("UP -> DEGRADED at once with fall 1") {
  auto s = step(in(ServiceState::up), degraded(), params(3, 1));
  CHECK(s.next.state == ServiceState::degraded);
  REQUIRE(s.transition);
  CHECK(s.transition->reason == "1 degraded round: recursion servfail");
}

TEST_CASE("UP: the degraded count needs consecutive rounds") {
  auto r = run(in(ServiceState::up), {degraded(), degraded(), healthy(), degraded(), degraded()},
               params(3, 3));
  CHECK(r.m.state == ServiceState::up);
  CHECK(r.m.degraded_rounds == 2);
  CHECK(r.transitions.empty());
  // A failing round wins over everything: FALLING, and the degraded count starts over.
  auto f = run(in(ServiceState::up), {degraded(), degraded(), unhealthy()}, params(3, 3));
  CHECK(f.m.state == ServiceState::falling);
  CHECK(f.m.degraded_rounds == 0);
}

TEST_CASE("down takes precedence: an unhealthy round is failing whatever the degrade checks say") {
  Observation both = unhealthy();
  both.degraded = true;  // not meaningful without healthy; must be ignored
  CHECK(step(in(ServiceState::up), both, params(3, 1)).next.state == ServiceState::down);
  CHECK(step(in(ServiceState::rising), both, params(3, 3)).next.state == ServiceState::down);
  CHECK(step(in(ServiceState::init), both, params(1, 3)).next.state == ServiceState::down);
  auto d = run(in(ServiceState::degraded), {both, both, both}, params(3, 3));
  CHECK(d.m.state == ServiceState::down);
}

TEST_CASE("RISING announces into DEGRADED when the round completing rise is degraded") {
  auto r = run(in(ServiceState::down), {healthy(0s), healthy(1s), degraded(2s)}, params(3, 3));
  CHECK(r.m.state == ServiceState::degraded);
  REQUIRE(r.transitions.size() == 2);
  CHECK(r.transitions[0].to == ServiceState::rising);
  CHECK(r.transitions[1].from == ServiceState::rising);
  CHECK(r.transitions[1].reason == "3 successes, degraded: recursion servfail");
  CHECK(r.m.last_up == t0 + 2s);  // an announce after a withdraw: the hold-down counts from it
  // Degraded rounds while rising still count as successes; a clean last one announces UP.
  auto u = run(in(ServiceState::down), {degraded(), degraded(), healthy()}, params(3, 3));
  CHECK(u.m.state == ServiceState::up);
}

TEST_CASE("INIT, DOWN and leaving maintenance with rise 1 go straight to DEGRADED") {
  auto i = step(in(ServiceState::init), degraded(), params(1, 3));
  CHECK(i.next.state == ServiceState::degraded);
  REQUIRE(i.transition);
  CHECK(i.transition->reason == "1 success, degraded: recursion servfail");
  CHECK(step(in(ServiceState::down), degraded(), params(1, 3)).next.state ==
        ServiceState::degraded);
  auto m = step(in(ServiceState::disabled), degraded(), params(1, 3));
  CHECK(m.next.state == ServiceState::degraded);
  REQUIRE(m.transition);
  CHECK(m.transition->reason == "maintenance ended, 1 success, degraded: recursion servfail");
  // With rise > 1 a degraded first round is a first success like any other.
  CHECK(step(in(ServiceState::init), degraded(), params(3, 3)).next.state == ServiceState::rising);
}

TEST_CASE("hold-down delays the announce into DEGRADED after a withdraw") {
  Machine m = in(ServiceState::rising);
  m.successes = 2;
  m.last_up = t0;
  auto held = step(m, degraded(1s), params(3, 3, 5000ms));
  CHECK(held.next.state == ServiceState::rising);
  CHECK_FALSE(held.transition);
  auto after = step(held.next, degraded(5s), params(3, 3, 5000ms));
  CHECK(after.next.state == ServiceState::degraded);
  CHECK(after.next.last_up == t0 + 5s);
}

TEST_CASE("hold-down never delays UP <-> DEGRADED: the route stays announced") {
  Machine m = in(ServiceState::up);
  m.last_up = t0;
  auto into = step(m, degraded(100ms), params(3, 1, 5000ms));
  CHECK(into.next.state == ServiceState::degraded);
  CHECK(into.next.last_up == t0);  // an attribute change, not an announce after a withdraw
  auto back = step(into.next, healthy(200ms), params(1, 1, 5000ms));
  CHECK(back.next.state == ServiceState::up);
}

TEST_CASE("FALLING recovering on a degraded round returns to UP, counting it") {
  Machine f = in(ServiceState::falling);
  f.failures = 1;
  auto s = step(f, degraded(), params(3, 3));
  CHECK(s.next.state == ServiceState::up);
  REQUIRE(s.transition);
  CHECK(s.transition->reason == "recovered after 1 failure");
  CHECK(s.next.degraded_rounds == 1);
  auto r = run(s.next, {degraded(), degraded()}, params(3, 3));
  CHECK(r.m.state == ServiceState::degraded);  // 3 degraded rounds in all
}

TEST_CASE("DEGRADED -> UP after rise consecutive clean rounds") {
  auto r = run(in(ServiceState::degraded), {healthy(), healthy(), degraded(), healthy(), healthy()},
               params(3, 3));
  CHECK(r.m.state == ServiceState::degraded);  // the degraded round restarted the count
  CHECK(r.m.clean_rounds == 2);
  auto s = step(r.m, healthy(5s), params(3, 3));
  CHECK(s.next.state == ServiceState::up);
  REQUIRE(s.transition);
  CHECK(s.transition->from == ServiceState::degraded);
  CHECK(s.transition->reason == "3 successes with every degrade check passing");
  CHECK(s.next.clean_rounds == 0);
  CHECK(s.next.last_up == t0 + 5s);
}

TEST_CASE("DEGRADED -> UP at once with rise 1") {
  auto s = step(in(ServiceState::degraded), healthy(), params(1, 3));
  CHECK(s.next.state == ServiceState::up);
  REQUIRE(s.transition);
  CHECK(s.transition->reason == "1 success with every degrade check passing");
}

TEST_CASE("DEGRADED stays while degraded, without a transition") {
  auto r = run(in(ServiceState::degraded), {degraded(), degraded(), degraded(), degraded()},
               params(3, 3));
  CHECK(r.m.state == ServiceState::degraded);
  CHECK(r.transitions.empty());
}

TEST_CASE("DEGRADED -> DOWN after fall failing rounds, counted in DEGRADED") {
  auto r = run(in(ServiceState::degraded), {unhealthy(), unhealthy()}, params(3, 3));
  CHECK(r.m.state == ServiceState::degraded);  // keeps the degraded announcement meanwhile
  CHECK(r.m.failures == 2);
  CHECK(r.transitions.empty());
  auto s = step(r.m, unhealthy(), params(3, 3));
  CHECK(s.next.state == ServiceState::down);
  REQUIRE(s.transition);
  CHECK(s.transition->from == ServiceState::degraded);
  CHECK(s.transition->reason == "3 failures: local-zone connection_refused");
  // fall 1: at once.
  CHECK(step(in(ServiceState::degraded), unhealthy(), params(3, 1)).next.state ==
        ServiceState::down);
  // A healthy round in between restarts the failure count (and a clean one starts the rise).
  auto reset = run(in(ServiceState::degraded),
                   {unhealthy(), unhealthy(), healthy(), unhealthy(), unhealthy()}, params(3, 3));
  CHECK(reset.m.state == ServiceState::degraded);
  CHECK(reset.m.clean_rounds == 0);
  auto reset2 = run(in(ServiceState::degraded), {unhealthy(), unhealthy(), degraded(), unhealthy()},
                    params(3, 3));
  CHECK(reset2.m.state == ServiceState::degraded);
  CHECK(reset2.m.failures == 1);
}

TEST_CASE("DEGRADED -> DISABLED on maintenance, and maintenance never yields DEGRADED") {
  auto s = step(in(ServiceState::degraded), maintenance(0s, true), params(3, 3));
  CHECK(s.next.state == ServiceState::disabled);
  REQUIRE(s.transition);
  CHECK(s.transition->reason == "maintenance: upgrade");
  CHECK(step(in(ServiceState::up), maintenance(0s, true), params(3, 1)).next.state ==
        ServiceState::disabled);
}

TEST_CASE("DOWN and RISING ignore degraded rounds except at the announce") {
  auto r = run(in(ServiceState::down), {degraded(), degraded()}, params(3, 3));
  CHECK(r.m.state == ServiceState::rising);
  CHECK(r.m.successes == 2);
}

// ---- the round verdict

TEST_CASE("judge_round: the policy holds over down checks, degrade checks only degrade") {
  std::vector<sidecar::CheckConfig> checks = {check("local-zone", false), check("recursion", true)};
  sidecar::Policy all;
  auto v = sidecar::judge_round(all, checks, {result(Reason::ok), result(Reason::ok)});
  CHECK(v.healthy);
  CHECK_FALSE(v.degraded);
  CHECK(v.reason.empty());
  v = sidecar::judge_round(all, checks, {result(Reason::ok), result(Reason::servfail)});
  CHECK(v.healthy);  // a degrade check never makes the service down
  CHECK(v.degraded);
  CHECK(v.reason == "recursion servfail");
  v = sidecar::judge_round(all, checks, {result(Reason::timeout), result(Reason::slow)});
  CHECK_FALSE(v.healthy);
  CHECK_FALSE(v.degraded);
  CHECK(v.reason == "local-zone timeout");  // names the down check that decided
  v = sidecar::judge_round(all, checks, {result(Reason::timeout), result(Reason::ok)});
  CHECK_FALSE(v.healthy);
}

TEST_CASE("judge_round: any and quorum count down checks only") {
  std::vector<sidecar::CheckConfig> checks = {check("a", false), check("b", false),
                                              check("r", true)};
  sidecar::Policy any{sidecar::Policy::Kind::any, 0};
  // The passing degrade check does not satisfy "any" over the down checks.
  CHECK_FALSE(
      sidecar::judge_round(any, checks,
                           {result(Reason::timeout), result(Reason::timeout), result(Reason::ok)})
          .healthy);
  auto v = sidecar::judge_round(
      any, checks, {result(Reason::timeout), result(Reason::ok), result(Reason::slow)});
  CHECK(v.healthy);
  CHECK(v.degraded);
  CHECK(v.reason == "r slow");
  sidecar::Policy q2{sidecar::Policy::Kind::quorum, 2};
  CHECK_FALSE(sidecar::judge_round(
                  q2, checks, {result(Reason::ok), result(Reason::timeout), result(Reason::ok)})
                  .healthy);
  CHECK(
      sidecar::judge_round(q2, checks, {result(Reason::ok), result(Reason::ok), result(Reason::ok)})
          .healthy);
}

TEST_CASE("judge_round without degrade checks is the plain policy") {
  std::vector<sidecar::CheckConfig> checks = {check("a", false), check("b", false)};
  sidecar::Policy all;
  for (bool a : {false, true}) {
    for (bool b : {false, true}) {
      std::vector<probes::CheckResult> rs = {result(a ? Reason::ok : Reason::timeout),
                                             result(b ? Reason::ok : Reason::timeout)};
      auto v = sidecar::judge_round(all, checks, rs);
      CHECK(v.healthy == sidecar::policy_healthy(all, rs));
      CHECK_FALSE(v.degraded);
    }
  }
}

// ---- route commands, status summary, hooks

TEST_CASE("DEGRADED announces every route with when_degraded: announce-degraded") {
  sidecar::ServiceConfig s;
  sidecar::RouteConfig r = fixtures::route("192.0.2.53/32");
  r.attributes.med = 100;
  r.when_degraded.med = 1100;
  s.routes.push_back(r);
  CHECK(sidecar::desired_for(ServiceState::degraded, r) == sidecar::Desired::announce_degraded);
  CHECK(sidecar::to_string(sidecar::Desired::announce_degraded) == "announce-degraded");
  auto cmds = sidecar::commands_for(ServiceState::degraded, s);
  REQUIRE(cmds.size() == 1);
  CHECK(cmds[0].line == "announce route 192.0.2.53/32 next-hop self med 1100");
  CHECK(sidecar::commands_for(ServiceState::up, s)[0].line ==
        "announce route 192.0.2.53/32 next-hop self med 100");

  sidecar::ServiceView view;
  sidecar::RouteView rv;
  rv.desired = sidecar::Desired::announce_degraded;
  view.routes.push_back(rv);
  CHECK(sidecar::service_desired(view) == "announce-degraded");

  sidecar::Hooks hooks;
  hooks.on_degraded = {"notify", "degraded"};
  CHECK(sidecar::hook_for(hooks, ServiceState::degraded) == hooks.on_degraded);
}

TEST_CASE("metrics carry the degraded state") {
  sidecar::StatusSnapshot snap;
  sidecar::ServiceView v;
  v.name = "resolver";
  v.state = ServiceState::degraded;
  sidecar::RouteView rv;
  rv.prefix = "192.0.2.53/32";
  rv.desired = sidecar::Desired::announce_degraded;
  rv.confirmed = true;
  v.routes.push_back(rv);
  snap.services.push_back(v);
  auto text = sidecar::metrics_text(snap);
  CHECK(text.find("anycast_sidecar_service_state{service=\"resolver\",state=\"degraded\"} 1") !=
        std::string::npos);
  CHECK(text.find("anycast_sidecar_service_state{service=\"resolver\",state=\"up\"} 0") !=
        std::string::npos);
  CHECK(text.find("anycast_sidecar_route_announced{service=\"resolver\",prefix=\"192.0.2.53/32\"} "
                  "1") != std::string::npos);
  CHECK(text.find("reason=\"slow\"") != std::string::npos);
}

namespace {

nlohmann::json degraded_status(bool announced) {
  auto j = nlohmann::json::parse(R"({
    "schema": 1, "updated_unix": 1795339599.4,
    "exabgp": {"state": "ok", "pending_acks": 0, "detail": ""},
    "services": [{
      "name": "resolver", "state": "degraded", "since_unix": 1795339500.0,
      "desired": "announce-degraded", "announced": true, "maintenance": null,
      "checks": [{"name": "local-zone", "ok": true, "reason": "ok", "detail": "NOERROR 1 answer",
                  "server": "127.0.0.1", "port": 53},
                 {"name": "recursion", "on_failure": "degrade", "ok": false, "reason": "slow",
                  "detail": "NOERROR 1 answer in 912.0 ms, more than max_rtt_ms 500",
                  "server": "127.0.0.1", "port": 53}]
    }]
  })");
  j["services"][0]["announced"] = announced;
  return j;
}

}  // namespace

TEST_CASE("status: degraded is a WARNING naming the failing check and its reason") {
  auto v = sidecar::judge_status(degraded_status(true), 1795339600.0, 5);
  CHECK(v.exit_code() == 1);
  REQUIRE_FALSE(v.lines.empty());
  CHECK(v.lines[0] == "WARNING: resolver degraded (recursion slow)");
  auto u = sidecar::judge_status(degraded_status(false), 1795339600.0, 5);
  CHECK(u.exit_code() == 2);
}
