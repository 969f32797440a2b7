// What a round writes into a service's view: counters, the changes the daemon logs, history kept
// across a reload by check name, the transition log's bound, and which hook a state runs.
#include <catch2/catch.hpp>

#include "fixtures/service_config.hpp"
#include "sidecar/policy/hook_choice.hpp"
#include "sidecar/policy/service_view.hpp"

using fixtures::result;
using probes::Reason;
using sidecar::CheckChange;
using sidecar::ServiceState;

namespace {

sidecar::ServiceConfig two_checks() {
  sidecar::ServiceConfig s = fixtures::service("resolver");
  sidecar::CheckConfig dns;
  dns.name = "local-zone";
  dns.dns.server = "127.0.0.1";
  dns.dns.port = 5301;
  dns.dns.qname = "probe.health.test.";
  dns.dns.software = probes::Software::pdns_recursor;
  sidecar::CheckConfig exec;
  exec.name = "control";
  exec.type = sidecar::CheckConfig::Type::exec;
  exec.exec.argv = {"/bin/true"};
  s.checks = {dns, exec};
  return s;
}

}  // namespace

TEST_CASE("service view: configuration fields per check type") {
  sidecar::ServiceView v;
  sidecar::apply_config_to_view(v, two_checks());
  REQUIRE(v.checks.size() == 2);
  CHECK(v.name == "resolver");
  CHECK(v.policy == "all");
  CHECK(v.checks[0].type == "dns");
  CHECK(v.checks[0].port == 5301);
  CHECK(v.checks[0].transport == "udp");
  CHECK(v.checks[0].software == probes::Software::pdns_recursor);
  CHECK(v.checks[1].type == "exec");
  CHECK(v.checks[1].software == probes::Software::any);
  CHECK(v.checks[1].command == std::vector<std::string>{"/bin/true"});
}

TEST_CASE("service view: counters and the changes worth a log line") {
  sidecar::ServiceView v;
  sidecar::apply_config_to_view(v, two_checks());
  auto first =
      sidecar::record_round(v, {result(Reason::ok), result(Reason::connection_refused)}, 10.0);
  CHECK(first == std::vector<CheckChange>{CheckChange::none, CheckChange::failed});
  CHECK(v.rounds == 1);
  CHECK(v.checks[1].consecutive_failures == 1);
  CHECK(v.checks[0].at_unix == 10.0);
  auto second =
      sidecar::record_round(v, {result(Reason::ok), result(Reason::connection_refused)}, 11.0);
  CHECK(second == std::vector<CheckChange>{CheckChange::none, CheckChange::none});
  CHECK(v.checks[1].consecutive_failures == 2);
  auto third = sidecar::record_round(v, {result(Reason::ok), result(Reason::ok)}, 12.0);
  CHECK(third == std::vector<CheckChange>{CheckChange::none, CheckChange::recovered});
  CHECK(v.checks[0].consecutive_successes == 3);
  CHECK(v.probes_by_reason[static_cast<std::size_t>(probes::Reason::ok)] == 4);
  CHECK(v.probes_by_reason[static_cast<std::size_t>(probes::Reason::connection_refused)] == 2);
}

TEST_CASE("service view: fewer results than checks (or more) never overrun") {
  sidecar::ServiceView v;
  sidecar::apply_config_to_view(v, two_checks());
  CHECK(sidecar::record_round(v, {result(Reason::connection_refused)}, 1.0).size() == 1);
  CHECK(sidecar::record_round(v, {result(Reason::ok), result(Reason::ok), result(Reason::ok)}, 2.0)
            .size() == 3);
  CHECK(v.checks[1].consecutive_successes == 1);
}

TEST_CASE("service view: a reload keeps a check's history by name, not by position") {
  sidecar::ServiceView v;
  auto cfg = two_checks();
  sidecar::apply_config_to_view(v, cfg);
  sidecar::record_round(v, {result(Reason::ok), result(Reason::connection_refused)}, 1.0);
  std::swap(cfg.checks[0], cfg.checks[1]);
  sidecar::CheckConfig fresh;
  fresh.name = "new";
  cfg.checks.push_back(fresh);
  sidecar::apply_config_to_view(v, cfg);
  REQUIRE(v.checks.size() == 3);
  CHECK(v.checks[0].name == "control");
  CHECK(v.checks[0].consecutive_failures == 1);
  CHECK(v.checks[0].type == "exec");
  CHECK(v.checks[1].consecutive_successes == 1);
  CHECK(v.checks[2].consecutive_failures == 0);
  CHECK_FALSE(v.checks[2].last.has_value());
}

TEST_CASE("service view: a check that changes type loses the old type's fields") {
  sidecar::ServiceView v;
  auto cfg = two_checks();
  sidecar::apply_config_to_view(v, cfg);
  cfg.checks[0].type = sidecar::CheckConfig::Type::exec;
  cfg.checks[0].exec.argv = {"/bin/false"};
  sidecar::apply_config_to_view(v, cfg);
  CHECK(v.checks[0].type == "exec");
  CHECK(v.checks[0].server.empty());
  CHECK(v.checks[0].port == 0);
}

TEST_CASE("service view: the transition log is bounded") {
  sidecar::ServiceView v;
  for (int i = 0; i < 5; ++i) {
    sidecar::record_transition(v, {ServiceState::rising, ServiceState::up, "3 successes"}, i, 3);
  }
  CHECK(v.transitions.size() == 3);
  CHECK(v.transitions.front().at_unix == 2);
  CHECK(v.transitions_total == 5);
  CHECK(v.state == ServiceState::up);
  CHECK(v.since_unix == 4);
  sidecar::record_transition(v, {ServiceState::up, ServiceState::falling, "x"}, 9, 0);
  CHECK(v.transitions.size() == 1);  // at least one is kept
}

TEST_CASE("service view: the hook per state") {
  sidecar::Hooks h;
  h.on_up = {"up"};
  h.on_down = {"down"};
  h.on_disabled = {"disabled"};
  CHECK(sidecar::hook_for(h, ServiceState::up).front() == "up");
  CHECK(sidecar::hook_for(h, ServiceState::down).front() == "down");
  CHECK(sidecar::hook_for(h, ServiceState::disabled).front() == "disabled");
  for (auto s : {ServiceState::init, ServiceState::rising, ServiceState::falling}) {
    CHECK(sidecar::hook_for(h, s).empty());
  }
}

TEST_CASE("service view: the reader key ignores what changes every round") {
  sidecar::ServiceView v;
  sidecar::apply_config_to_view(v, two_checks());
  sidecar::record_round(v, {result(Reason::ok), result(Reason::ok)}, 10.0);
  auto key = sidecar::reader_key(v);
  // Another passing round: counters, timestamps and round trips change, the key does not.
  auto again = result(Reason::ok);
  again.rtt_ms = 7.5;
  sidecar::record_round(v, {again, result(Reason::ok)}, 10.1);
  CHECK(sidecar::reader_key(v) == key);
  CHECK(v.rounds == 2);

  SECTION("a check failing changes it") {
    sidecar::record_round(v, {result(Reason::ok), result(Reason::connection_refused)}, 10.2);
    CHECK(sidecar::reader_key(v) != key);
  }
  SECTION("a different failure reason changes it") {
    sidecar::record_round(v, {result(Reason::ok), result(Reason::connection_refused)}, 10.2);
    auto refused_key = sidecar::reader_key(v);
    auto t = result(Reason::connection_refused);
    t.reason = probes::Reason::timeout;
    sidecar::record_round(v, {result(Reason::ok), t}, 10.3);
    CHECK(sidecar::reader_key(v) != refused_key);
  }
  SECTION("a transition changes it") {
    sidecar::record_transition(v, {ServiceState::init, ServiceState::up, "3 successes"}, 10.2, 8);
    CHECK(sidecar::reader_key(v) != key);
  }
  SECTION("maintenance, and its reason, change it") {
    v.maintenance = sidecar::MaintenanceView{"upgrade", 10.2, std::nullopt};
    auto in_maintenance = sidecar::reader_key(v);
    CHECK(in_maintenance != key);
    v.maintenance->reason = "other reason";
    CHECK(sidecar::reader_key(v) != in_maintenance);
  }
  SECTION("a route's desired state or command changes it") {
    v.routes.push_back({"192.0.2.53/32",
                        "self",
                        sidecar::Desired::announce,
                        false,
                        false,
                        "announce route 192.0.2.53/32 next-hop self",
                        {}});
    auto announced = sidecar::reader_key(v);
    CHECK(announced != key);
    v.routes[0].command += " med 1100";
    CHECK(sidecar::reader_key(v) != announced);
    // ExaBGP's confirmation is not part of it: the bridge says so itself (its on_change).
    auto with_command = sidecar::reader_key(v);
    v.routes[0].confirmed = true;
    CHECK(sidecar::reader_key(v) == with_command);
  }
}
