// The status file and the metrics file rendered from one snapshot
// (sidecar/status/status_model.hpp).
#include <catch2/catch.hpp>

#include "fixtures/scratch_dir.hpp"
#include "fixtures/status_snapshot.hpp"
#include "sidecar/lib/atomic_file.hpp"
#include "sidecar/policy/check_policy.hpp"
#include "sidecar/status/status_model.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using sidecar::Desired;
using sidecar::ServiceState;

namespace {

// The node of fixtures::node_up with what a probe and a transition leave in the status file.
sidecar::StatusSnapshot sample() {
  auto s = fixtures::node_up();
  auto& svc = s.services[0];
  auto& ch = svc.checks[0];
  ch.last->detail = "NOERROR 1 answer";
  ch.last->rcode = 0;
  ch.last->answers = {"192.0.2.1"};
  ch.at_unix = 1795339599.3;
  ch.consecutive_successes = 57;
  svc.transitions.push_back({1795339541.0, ServiceState::rising, ServiceState::up, "3 successes"});
  svc.routes[0].command = "announce route 192.0.2.53/32 next-hop self";
  return s;
}

}  // namespace

TEST_CASE("status file has every key of the contract with its meaning") {
  auto j = sidecar::status_to_json(sample());
  CHECK(j["schema"] == 1);
  CHECK(j["version"] == "0.1.0");
  CHECK(j["pid"] == 1234);
  CHECK(j["seq"] == 812);
  CHECK(j["updated_unix"].get<double>() == Approx(1795339599.4));
  CHECK(j["exabgp"]["state"] == "ok");
  CHECK(j["exabgp"]["pending_acks"] == 0);
  CHECK(j["exabgp"]["detail"] == "");
  CHECK(j["exabgp"]["neighbors"][0]["peer"] == "127.0.0.2");
  CHECK(j["exabgp"]["neighbors"][0]["state"] == "up");
  const auto& svc = j["services"][0];
  CHECK(svc["name"] == "resolver");
  CHECK(svc["state"] == "up");
  CHECK(svc["desired"] == "announce");
  CHECK(svc["announced"] == true);
  CHECK(svc["maintenance"].is_null());
  const auto& ch = svc["checks"][0];
  CHECK(ch["name"] == "local-zone");
  CHECK(ch["server"] == "127.0.0.1");
  CHECK(ch["port"] == 53);
  CHECK(ch["qname"] == "probe.health.example.");
  CHECK(ch["ok"] == true);
  CHECK(ch["reason"] == "ok");
  CHECK(ch["detail"] == "NOERROR 1 answer");
  CHECK(ch["rtt_ms"].get<double>() == Approx(0.21));
  CHECK(ch["consecutive_failures"] == 0);
  CHECK(ch["consecutive_successes"] == 57);
  CHECK(svc["transitions"][0]["from"] == "rising");
  CHECK(svc["transitions"][0]["to"] == "up");
  CHECK(svc["transitions"][0]["reason"] == "3 successes");
  CHECK(svc["probes_by_reason"]["ok"] == 57);
}

TEST_CASE("announced means ExaBGP acknowledged the desired state of every route") {
  auto s = sample();
  auto& svc = s.services[0];
  CHECK(sidecar::service_announced(svc));
  svc.routes[0].confirmed = false;
  CHECK_FALSE(sidecar::service_announced(svc));
  svc.routes[0].confirmed = true;
  svc.routes[0].rejected = true;
  CHECK_FALSE(sidecar::service_announced(svc));
  svc.routes[0].rejected = false;
  svc.routes[0].desired = Desired::none;  // INIT: nothing sent yet
  CHECK_FALSE(sidecar::service_announced(svc));
  CHECK(sidecar::service_desired(svc) == "withdraw");
  svc.routes[0].desired = Desired::announce_down;
  CHECK(sidecar::service_desired(svc) == "announce-down");
  svc.routes.push_back(svc.routes[0]);
  svc.routes[1].desired = Desired::announce;
  CHECK(sidecar::service_desired(svc) == "announce");
  svc.routes.clear();
  CHECK_FALSE(sidecar::service_announced(svc));
}

TEST_CASE("a check not probed yet renders as not ok with nulls") {
  auto s = sample();
  s.services[0].checks[0].last.reset();
  auto ch = sidecar::status_to_json(s)["services"][0]["checks"][0];
  CHECK(ch["ok"] == false);
  CHECK(ch["reason"].is_null());
  CHECK(ch["rtt_ms"].is_null());
}

TEST_CASE("a check's resolver program is in its object only when configured") {
  auto s = sample();
  CHECK_FALSE(sidecar::status_to_json(s)["services"][0]["checks"][0].contains("resolver"));
  s.services[0].checks[0].software = probes::Software::knot_resolver;
  CHECK(sidecar::status_to_json(s)["services"][0]["checks"][0]["resolver"] == "knot-resolver");
}

TEST_CASE("metrics name the state, the announcement and the failure reason") {
  auto s = sample();
  s.services[0].checks[0].last->ok = false;
  s.services[0].checks[0].last->reason = probes::Reason::connection_refused;
  s.services[0].name = "res\"olver";  // label values are escaped
  auto text = sidecar::metrics_text(s);
  CHECK(text.find("anycast_sidecar_bridge_state{state=\"ok\"} 1\n") != std::string::npos);
  CHECK(text.find("anycast_sidecar_bridge_state{state=\"stalled\"} 0\n") != std::string::npos);
  CHECK(text.find("anycast_sidecar_service_up{service=\"res\\\"olver\"} 1\n") != std::string::npos);
  CHECK(
      text.find(
          "anycast_sidecar_route_announced{service=\"res\\\"olver\",prefix=\"192.0.2.53/32\"} 1") !=
      std::string::npos);
  CHECK(text.find("reason=\"connection_refused\"} 0\n") != std::string::npos);
  CHECK(text.find("# TYPE anycast_sidecar_probes_total counter") != std::string::npos);
  CHECK(text.find("anycast_sidecar_status_updated_timestamp_seconds 1795339599.4") !=
        std::string::npos);
  CHECK(text.find("# TYPE anycast_sidecar_log_lines_dropped_total counter") != std::string::npos);
}

TEST_CASE("policies over check results") {
  using sidecar::Policy;
  auto res = [](std::initializer_list<bool> oks) {
    std::vector<probes::CheckResult> v;
    for (bool ok : oks) {
      probes::CheckResult r;
      r.ok = ok;
      v.push_back(r);
    }
    return v;
  };
  Policy all{Policy::Kind::all, 0}, any{Policy::Kind::any, 0}, q2{Policy::Kind::quorum, 2};
  CHECK(sidecar::policy_healthy(all, res({true, true})));
  CHECK_FALSE(sidecar::policy_healthy(all, res({true, false})));
  CHECK_FALSE(sidecar::policy_healthy(all, res({})));
  CHECK(sidecar::policy_healthy(any, res({false, true})));
  CHECK_FALSE(sidecar::policy_healthy(any, res({false, false})));
  CHECK(sidecar::policy_healthy(q2, res({true, false, true})));
  CHECK_FALSE(sidecar::policy_healthy(q2, res({true, false, false})));
  CHECK(sidecar::policy_to_string(q2) == "quorum 2");
}

TEST_CASE("atomic write replaces the file and never follows a planted symlink") {
  fixtures::ScratchDir scratch("status-atomic");
  const auto& dir = scratch.path();
  auto path = (dir / "status.json").string();
  REQUIRE_FALSE(sidecar::write_file_atomically(path, "one"));
  REQUIRE_FALSE(sidecar::write_file_atomically(path, "two"));
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == "two");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  // A symlink planted at the temporary name is removed, not written through.
  auto victim = (dir / "victim").string();
  { std::ofstream(victim) << "precious"; }
  auto tmp = (dir / (".status.json.tmp." + std::to_string(::getpid()))).string();
  std::filesystem::create_symlink(victim, tmp);
  REQUIRE_FALSE(sidecar::write_file_atomically(path, "three"));
  std::ifstream v(victim);
  std::stringstream vs;
  vs << v.rdbuf();
  CHECK(vs.str() == "precious");

  auto err = sidecar::write_file_atomically((dir / "missing" / "x.json").string(), "x");
  REQUIRE(err);
  CHECK(err->find("create the folder") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("status file text: the document with one line per service, equal to status_to_json") {
  for (std::size_t n : {0, 1, 3}) {
    auto s = sample();
    auto one = s.services.front();
    s.services.clear();
    for (std::size_t i = 0; i < n; ++i) {
      one.name = "svc" + std::to_string(i);
      s.services.push_back(one);
    }
    if (n == 3) s.config_error = std::vector<std::string>{"services[0].rise: must be >= 1"};
    auto text = sidecar::render_status(s);
    CHECK(nlohmann::json::parse(text) == sidecar::status_to_json(s));
    CHECK(text.back() == '\n');
    // Each entry on its own line: a person paging the file sees one service per line.
    std::size_t lines = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("    {\"announced\"", 0) == 0) ++lines;
    }
    CHECK(lines == n);
  }
}

TEST_CASE("status file: the schedule block is a cumulative histogram of round lag") {
  auto s = sample();
  s.schedule.record(0.05, 1.0);
  s.schedule.record(3.0, 1.0);
  s.schedule.record(3000.0, 1.0);
  s.schedule_max_ms = 3000.0;
  auto j = sidecar::status_to_json(s)["schedule"];
  CHECK(j["rounds"] == 3);
  CHECK(j["lag_max_ms"] == 3000.0);
  REQUIRE(j["lag_bounds_ms"].size() == sidecar::ScheduleStats::kBoundsMs.size());
  REQUIRE(j["rounds_lag_at_most"].size() == j["lag_bounds_ms"].size() + 1);
  CHECK(j["rounds_lag_at_most"][0] == 1);      // <= 0.1 ms
  CHECK(j["rounds_lag_at_most"][5] == 2);      // <= 5 ms
  CHECK(j["rounds_lag_at_most"][11] == 2);     // <= 1000 ms
  CHECK(j["rounds_lag_at_most"].back() == 3);  // every round
  auto metrics = sidecar::metrics_text(s);
  CHECK(metrics.find("anycast_sidecar_round_lag_seconds_bucket{le=\"0.005\"} 2\n") !=
        std::string::npos);
  CHECK(metrics.find("anycast_sidecar_round_lag_seconds_bucket{le=\"+Inf\"} 3\n") !=
        std::string::npos);
  CHECK(metrics.find("anycast_sidecar_round_lag_seconds_count 3\n") != std::string::npos);
}
