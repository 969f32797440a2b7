// Judging a status file: every exit code path, staleness, malformed input.
#include <catch2/catch.hpp>

#include <functional>

#include "fixtures/status_document.hpp"
#include "probes/check.hpp"
#include "sidecar/status/status_verdict.hpp"

using nlohmann::json;

namespace {

using fixtures::healthy_status;
using fixtures::kNow;

bool has_line(const sidecar::StatusVerdict& v, const std::string& text) {
  for (const auto& l : v.lines) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("all well: OK, exit 0") {
  auto v = sidecar::judge_status(healthy_status(), kNow, 5);
  CHECK(v.exit_code() == 0);
  REQUIRE_FALSE(v.lines.empty());
  CHECK(v.lines[0] == "OK: 1 service up and announced, ExaBGP bridge ok");
  CHECK(has_line(v, "resolver: up for 3m12s, announce (acknowledged by ExaBGP)"));
  CHECK(v.json["exit_code"] == 0);
  CHECK(v.json["verdict"] == "OK");
  CHECK(v.json["problems"].empty());
  // The file itself is attached by `status --json` (moved, never copied).
  CHECK_FALSE(v.json.contains("status"));
}

TEST_CASE("WARNING paths, exit 1") {
  for (const char* state : {"rising", "falling", "init"}) {
    auto s = healthy_status();
    s["services"][0]["state"] = state;
    auto v = sidecar::judge_status(s, kNow, 5);
    CHECK(v.exit_code() == 1);
    CHECK(v.lines[0] == std::string("WARNING: resolver ") + state);
  }
  auto s = healthy_status();
  s["services"][0]["state"] = "disabled";
  s["services"][0]["desired"] = "withdraw";
  s["services"][0]["maintenance"] = {{"reason", "kernel upgrade"}, {"since_unix", kNow - 60}};
  auto v = sidecar::judge_status(s, kNow, 5);
  CHECK(v.exit_code() == 1);
  CHECK(v.lines[0] == "WARNING: resolver in maintenance: kernel upgrade");
  CHECK(v.json["verdict"] == "WARNING");
}

TEST_CASE("CRITICAL paths, exit 2") {
  SECTION("service down names the failing check and what to check next") {
    auto s = healthy_status();
    s["services"][0]["state"] = "down";
    s["services"][0]["desired"] = "withdraw";
    auto& c = s["services"][0]["checks"][0];
    c["ok"] = false;
    c["reason"] = "connection_refused";
    c["detail"] = "ICMP port unreachable";
    auto v = sidecar::judge_status(s, kNow, 5);
    CHECK(v.exit_code() == 2);
    CHECK(v.lines[0] == "CRITICAL: resolver down (local-zone connection_refused)");
    CHECK(has_line(v, "  check local-zone: connection_refused (ICMP port unreachable)"));
    CHECK(has_line(
        v, "  next: " + probes::hint_for(probes::Reason::connection_refused, "127.0.0.1", 53)));
    // A check whose configuration names its program gets that program's tools in the hint; a
    // value this build does not know falls back to all of them.
    c["resolver"] = "pdns-recursor";
    CHECK(has_line(sidecar::judge_status(s, kNow, 5),
                   "  next: " + probes::hint_for(probes::Reason::connection_refused, "127.0.0.1",
                                                 53, probes::Software::pdns_recursor)));
    c["resolver"] = "powerdns";
    CHECK(has_line(
        sidecar::judge_status(s, kNow, 5),
        "  next: " + probes::hint_for(probes::Reason::connection_refused, "127.0.0.1", 53)));
  }
  SECTION("bridge stalled") {
    auto s = healthy_status();
    s["exabgp"]["state"] = "stalled";
    s["exabgp"]["pending_acks"] = 3;
    s["exabgp"]["detail"] = "no ack for 6.0 s";
    auto v = sidecar::judge_status(s, kNow, 5);
    CHECK(v.exit_code() == 2);
    CHECK(v.lines[0].rfind("CRITICAL: ExaBGP bridge stalled: no ack for 6.0 s", 0) == 0);
    CHECK(has_line(v, "exabgp bridge stalled, 3 acks pending: no ack for 6.0 s"));
  }
  SECTION("bridge gone") {
    auto s = healthy_status();
    s["exabgp"]["state"] = "gone";
    CHECK(sidecar::judge_status(s, kNow, 5).exit_code() == 2);
  }
  SECTION("healthy but not announced") {
    auto s = healthy_status();
    s["services"][0]["announced"] = false;
    auto v = sidecar::judge_status(s, kNow, 5);
    CHECK(v.exit_code() == 2);
    CHECK(v.lines[0].rfind("CRITICAL: resolver healthy but its route is not confirmed", 0) == 0);
  }
  SECTION("stale file") {
    auto v = sidecar::judge_status(healthy_status(), kNow + 42, 5);
    CHECK(v.exit_code() == 2);
    CHECK(v.lines[0].rfind("CRITICAL: status file not updated for 42s (max 5s): is anycast-sidecar "
                           "running?",
                           0) == 0);
  }
  SECTION("the worst wins, the others follow") {
    auto s = healthy_status();
    s["services"].push_back(s["services"][0]);
    s["services"][1]["name"] = "second";
    s["services"][1]["state"] = "rising";
    s["services"][0]["state"] = "down";
    auto v = sidecar::judge_status(s, kNow, 5);
    CHECK(v.exit_code() == 2);
    CHECK(v.lines[0] == "CRITICAL: resolver down (+1 more)");
    CHECK(v.lines[1] == "also: second rising");
    CHECK(v.json["problems"].size() == 2);
  }
}

TEST_CASE("malformed status JSON never crashes") {
  CHECK(sidecar::judge_status(json::array(), kNow, 5).exit_code() == 3);
  CHECK(sidecar::judge_status(json::object(), kNow, 5).exit_code() == 3);
  CHECK(sidecar::judge_status(json("text"), kNow, 5).exit_code() == 3);
  auto v = sidecar::judge_status(json::parse(R"({"services": 5})"), kNow, 5);
  CHECK(v.exit_code() == 3);  // not ours to judge: UNKNOWN, never CRITICAL or OK
  v = sidecar::judge_status(
      json::parse(R"({"updated_unix": "now", "exabgp": [], "services": [1, {"checks": 7},
                     {"name": 3, "state": 4, "checks": [null, {"ok": "yes", "port": "x"}]}]})"),
      kNow, 5);
  CHECK(v.exit_code() == 3);
  CHECK_FALSE(v.lines.empty());
  CHECK(v.json["verdict"] == "UNKNOWN");
}

TEST_CASE("verdict names") {
  using sidecar::Verdict;
  CHECK(sidecar::verdict_name(Verdict::ok) == "OK");
  CHECK(sidecar::verdict_name(Verdict::warning) == "WARNING");
  CHECK(sidecar::verdict_name(Verdict::critical) == "CRITICAL");
  CHECK(sidecar::verdict_name(Verdict::unknown) == "UNKNOWN");
  CHECK(sidecar::exit_code_of(Verdict::critical) == 2);
}

TEST_CASE("hostile status files: malformed is UNKNOWN, each with its reason") {
  struct Case {
    std::string what;
    std::function<void(json&)> edit;
    int code;
    std::string line0;  // substring of the first line
  };
  const std::vector<Case> cases = {
      {"services not a list", [](json& s) { s["services"] = 5; }, 3, "services is not a list"},
      {"services empty", [](json& s) { s["services"] = json::array(); }, 3, "empty \"services\""},
      {"service not an object", [](json& s) { s["services"][0] = 1; }, 3, "is not an object"},
      {"service without name", [](json& s) { s["services"][0].erase("name"); }, 3,
       "services[0].name is missing"},
      {"name not a string", [](json& s) { s["services"][0]["name"] = 3; }, 3,
       "services[0].name is not a string"},
      {"state not a string", [](json& s) { s["services"][0]["state"] = nullptr; }, 3,
       "services[0].state is not a string"},
      {"checks not a list", [](json& s) { s["services"][0]["checks"] = 7; }, 3,
       "checks is not a list"},
      {"a check not an object", [](json& s) { s["services"][0]["checks"][0] = "x"; }, 3,
       "not an object"},
      {"heartbeat missing", [](json& s) { s.erase("updated_unix"); }, 3, "updated_unix"},
      {"heartbeat a string", [](json& s) { s["updated_unix"] = "now"; }, 3, "updated_unix"},
      {"exabgp missing", [](json& s) { s.erase("exabgp"); }, 3, "exabgp is missing"},
      {"exabgp state not a string", [](json& s) { s["exabgp"]["state"] = 1; }, 3, "exabgp.state"},
      {"config_error not a list", [](json& s) { s["config_error"] = "bad"; }, 3, "config_error"},
      {"config_error with a number", [](json& s) { s["config_error"] = {1}; }, 3, "config_error"},
      {"heartbeat an hour ahead", [](json& s) { s["updated_unix"] = kNow + 3600; }, 2,
       "1h00m in the future"},
      {"heartbeat far ahead", [](json& s) { s["updated_unix"] = 1e300; }, 2, "in the future"},
      {"heartbeat 1 s ahead is clock jitter", [](json& s) { s["updated_unix"] = kNow + 1; }, 0,
       "OK"},
      {"since in the far past", [](json& s) { s["services"][0]["since_unix"] = -1e300; }, 0, "OK"},
      {"huge pending acks", [](json& s) { s["exabgp"]["pending_acks"] = 1e300; }, 0, "OK"},
      {"config_error", [](json& s) { s["config_error"] = {"services[0].name: is required"}; }, 2,
       "the configuration is invalid, nothing is announced: services[0].name: is required"},
      {"config_error with no service",
       [](json& s) {
         s["config_error"] = {"x"};
         s["services"] = json::array();
       },
       2, "configuration is invalid"},
      {"escape sequences in a name", [](json& s) { s["services"][0]["name"] = "\x1b[2Jx"; }, 0,
       "OK"},
      {"unknown state", [](json& s) { s["services"][0]["state"] = "\x1b[31mweird"; }, 2,
       "unknown state \"?[31mweird\""},
      {"schema 99", [](json& s) { s["schema"] = 99; }, 3, "schema is not 1"},
      {"schema \"1\"", [](json& s) { s["schema"] = "1"; }, 3, "schema is not the number 1"},
      {"schema null", [](json& s) { s["schema"] = nullptr; }, 3, "schema is not the number 1"},
      {"schema 1.5", [](json& s) { s["schema"] = 1.5; }, 3, "schema is not 1"},
      {"schema missing", [](json& s) { s.erase("schema"); }, 3, "schema is missing"},
      {"a route's prefix a number",
       [](json& s) { s["services"][0]["routes"] = json::parse(R"([{"prefix": 5}])"); }, 3,
       "services[0].routes[0].prefix is not a string"},
      {"a route's neighbor a number",
       [](json& s) {
         s["services"][0]["routes"] =
             json::parse(R"([{"prefix": "192.0.2.1/32", "neighbors": [1]}])");
       },
       3, "services[0].routes[0].neighbors[0] is not a string"},
      {"maintenance a string", [](json& s) { s["services"][0]["maintenance"] = "yes"; }, 3,
       "services[0].maintenance is not an object or null"},
      {"announced a string", [](json& s) { s["services"][0]["announced"] = "true"; }, 3,
       "services[0].announced is not true or false"},
      {"a check's ok a string", [](json& s) { s["services"][0]["checks"][0]["ok"] = "yes"; }, 3,
       "services[0].checks[0].ok"},
      {"pending acks a string", [](json& s) { s["exabgp"]["pending_acks"] = "0"; }, 3,
       "exabgp.pending_acks"},
      {"a neighbor not an object", [](json& s) { s["exabgp"]["neighbors"] = {1}; }, 3,
       "exabgp.neighbors[0] is not an object"},
      {"bad port with a failing check",
       [](json& s) {
         s["services"][0]["state"] = "down";
         s["services"][0]["checks"][0]["ok"] = false;
         s["services"][0]["checks"][0]["reason"] = "timeout";
         s["services"][0]["checks"][0]["port"] = 1e12;
       },
       2, "resolver down"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto s = healthy_status();
    c.edit(s);
    auto v = sidecar::judge_status(s, kNow, 5);
    CHECK(v.exit_code() == c.code);
    REQUIRE_FALSE(v.lines.empty());
    CHECK(v.lines[0].find(c.line0) != std::string::npos);
    for (const auto& l : v.lines) {
      for (unsigned char ch : l) CHECK(ch >= 0x20);  // nothing reaches the terminal raw
    }
  }
}

TEST_CASE("config_error: every problem is shown") {
  auto s = healthy_status();
  s["config_error"] = {"a: first", "b: second"};
  auto v = sidecar::judge_status(s, kNow, 5);
  CHECK(v.exit_code() == 2);
  CHECK(has_line(v, "  config: a: first"));
  CHECK(has_line(v, "  config: b: second"));
}
