// Configurations that `check-config` once called "config OK" but that fail at run time,
// and files that once made it hang. Each row: the text, a part of the one problem it must give.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

#include "sidecar/config/config.hpp"
#include "sidecar/lib/printable.hpp"

namespace fs = std::filesystem;

namespace {

std::string config(const std::string& check = R"({"qname": "probe.test."})",
                   const std::string& route = R"({"prefix": "192.0.2.53/32"})",
                   const std::string& service_extra = "", const std::string& top = "") {
  return "{" + top + R"("services": [{"name": "resolver", )" + service_extra + R"("checks": [)" +
         check + R"(], "routes": [)" + route + "]}]}";
}

}  // namespace

TEST_CASE("hostile configurations are refused with the rule they break") {
  struct Case {
    std::string text;
    std::string problem;  // substring of problems[0]
  };
  const std::string l64(64, 'a');
  // clang-format off
  const std::vector<Case> cases = {
    // files that collide
    {config("{\"qname\": \"x.\"}", R"({"prefix": "192.0.2.53/32"})", R"("maintenance_file": "/run/s.json", )", R"("status_file": "/run/s.json", )"),
     "services[0].maintenance_file: \"/run/s.json\" is also the status_file"},
    {config("{\"qname\": \"x.\"}", R"({"prefix": "192.0.2.53/32"})", "", R"("status_file": "/run/s.json", "metrics_file": "/run/s.json", )"),
     "metrics_file: \"/run/s.json\" is also the status_file"},
    {config("{\"qname\": \"x.\"}", R"({"prefix": "192.0.2.53/32"})", R"("maintenance_file": "/run/m.prom", )", R"("metrics_file": "/run/m.prom", )"),
     "is also the metrics_file"},
    // default routes
    {config(R"({"qname": "x."})", R"({"prefix": "0.0.0.0/0"})"), "0.0.0.0/0 is a default route"},
    {config(R"({"qname": "x."})", R"({"prefix": "::/0"})"), "::/0 is a default route"},
    // AS 0
    {config(R"({"qname": "x."})", R"({"prefix": "192.0.2.53/32", "attributes": {"as_path": [0]}})"), "AS 0 is reserved"},
    {config(R"({"qname": "x."})", R"({"prefix": "192.0.2.53/32", "when_down": {"as_path": [65000, 0]}})"), "as_path[1]: must be an AS number"},
    // expected answers that can never match
    {config(R"({"qname": "x.", "expect": {"answers": ["localhost"]}})"), "is not an IPv4 address, so it can never match an A answer"},
    {config(R"({"qname": "x.", "qtype": "AAAA", "expect": {"answers": ["192.0.2.1"]}})"), "is not an IPv6 address"},
    {config(R"({"qname": "x.", "expect": {"answers": ["192.0.2.1 "]}})"), "is not an IPv4 address"},
    {config(R"({"qname": "x.", "expect": {"answers": ["192.0.2.\u0007"]}})"), "control character"},
    // names
    {config(R"({"qname": "two words.test."})"), "contains a space"},
    {config(R"({"qname": ")" + l64 + R"(.test."})"), "a label of 64 bytes: a DNS label has at most 63"},
    {config(R"({"qname": ")" + std::string(127, 'a') + "." + std::string(127, 'b') + R"(."})"), "at most 253"},
    {config(R"({"qname": "a..b."})"), "empty label"},
    {config(R"({"qname": ".x."})"), "empty label"},
    {config(R"({"qname": "tab\there."})"), "control character"},
    {config(R"({"qname": "esc\u001b[2J."})"), "control character"},
    // duplicate keys (JSON keeps the last silently)
    {R"({"services": [], "services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}]})",
     "services: key appears twice in the same object"},
    {config(R"({"qname": "x.", "qname": "y."})"), "services[].checks[].qname: key appears twice"},
    {config(R"({"qname": "x."})", R"({"prefix": "192.0.2.53/32", "prefix": "192.0.2.54/32"})"), "services[].routes[].prefix: key appears twice"},
    {R"({"exabgp": {"ack": true, "ack": false}, "services": []})", "exabgp.ack: key appears twice"},
    // bounds, stated as they are
    {config(R"({"qname": "x."})", R"({"prefix": "192.0.2.53/32"})", R"("timeout_ms": 1000, )"), "1000 must be shorter than interval_ms 1000"},
    {config(R"({"qname": "x."})", R"({"prefix": "192.0.2.53/32"})", R"("interval_ms": 100, "fast_interval_ms": 200, "timeout_ms": 50, )"), "200 must not be longer than interval_ms 100"},
    // control characters in any string
    {config(R"({"qname": "x.", "name": "a\u0000b"})"), "must not contain line breaks or NUL"},
    {config(R"({"type": "exec", "command": ["/bin/true", "x"], "name": "c\u007f"})"), "control character"},
    {config(R"({"qname": "x."})", R"({"prefix": "192.0.2.53/32"})", "", R"("status_file": "/run/\u001b.json", )"), "status_file: contains a control character"},
    // two services, one maintenance file
    {R"({"services": [{"name": "a", "maintenance_file": "/run/m", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]},
                      {"name": "b", "maintenance_file": "/run/m", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.54/32"}]}]})",
     "services[1].maintenance_file: \"/run/m\" is also services[0].maintenance_file"},
    // numbers that are not whole
    {config(R"({"qname": "x.", "port": 53.0})"), "must be a whole number, not a number with a fraction or exponent (53.0)"},
    {config(R"({"qname": "x."})", R"({"prefix": "192.0.2.53/32"})", R"("rise": 1e2, )"), "not a number with a fraction or exponent"},
    // other shapes
    {R"({"services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}], "log_level": "\u0085"})", "control character"},
  };
  // clang-format on
  for (const auto& c : cases) {
    INFO(c.text);
    auto r = sidecar::parse_config(c.text);
    CHECK_FALSE(r.config);
    REQUIRE_FALSE(r.problems.empty());
    INFO(r.problems[0]);
    CHECK(r.problems[0].find(c.problem) != std::string::npos);
    for (const auto& p : r.problems) CHECK(text::valid_utf8(p));
  }
}

TEST_CASE("root name and valid UTF-8 labels stay accepted") {
  CHECK(sidecar::parse_config(config(R"({"qname": "."})")).config);
  CHECK(sidecar::parse_config(config(R"({"qname": "caf\u00e9.test."})")).config);
  CHECK(sidecar::parse_config(config(R"({"qname": ")" + std::string(63, 'a') + R"(."})")).config);
  CHECK(sidecar::parse_config(
            config(R"({"qname": "x.", "qtype": "TXT", "expect": {"answers": ["v=1 ok"]}})"))
            .config);
  CHECK(sidecar::parse_config(config(R"({"qname": "x."})", R"({"prefix": "192.0.2.53/32"})",
                                     R"("interval_ms": 1000, "timeout_ms": 999, )"))
            .config);
}

TEST_CASE("non-regular files are refused at once, never waited on") {
  auto dir = fs::temp_directory_path() / ("acs_hostile_cfg_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto fifo = (dir / "config.json").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Run in another thread with a deadline: a regression hangs there, not the test binary.
  auto pending = std::async(std::launch::async, [&] { return sidecar::load_config_file(fifo); });
  REQUIRE(pending.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  auto r = pending.get();
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].find("is a FIFO, not a regular file") != std::string::npos);
  auto folder = sidecar::load_config_file(dir.string());
  REQUIRE(folder.problems.size() == 1);
  CHECK(folder.problems[0].find("is a folder") != std::string::npos);
  auto dev = sidecar::load_config_file("/dev/zero");  // endless: must not be read
  REQUIRE(dev.problems.size() == 1);
  CHECK(dev.problems[0].find("is a device") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("host checks: missing status folder, exec command that is a folder or not executable") {
  auto dir = fs::temp_directory_path() / ("acs_host_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto noexec = (dir / "noexec.sh").string();
  { std::ofstream(noexec) << "#!/bin/sh\n"; }
  auto host = [&](const std::string& check, const std::string& top) {
    auto r = sidecar::parse_config(config(check, R"({"prefix": "192.0.2.53/32"})", "", top));
    INFO((r.problems.empty() ? "" : r.problems[0]));
    REQUIRE(r.config);
    return sidecar::host_problems(*r.config);
  };
  auto ok_top = R"("status_file": ")" + (dir / "s.json").string() + R"(", )";
  CHECK(host(R"({"qname": "x."})", ok_top).empty());
  CHECK(host(R"({"type": "exec", "command": ["true"]})", ok_top).empty());  // found in PATH
  auto p = host(R"({"qname": "x."})", R"("status_file": "/nonexistent-acs/s.json", )");
  REQUIRE(p.size() == 1);
  CHECK(p[0].find("status_file: the folder \"/nonexistent-acs\" does not exist") == 0);
  p = host(R"({"qname": "x."})", ok_top + R"("metrics_file": "/nonexistent-acs/m.prom", )");
  REQUIRE(p.size() == 1);
  CHECK(p[0].find("metrics_file:") == 0);
  p = host(R"({"type": "exec", "command": ["/tmp"]})", ok_top);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "services[0].checks[0].command[0]: \"/tmp\" is a folder, not a program");
  p = host(R"({"type": "exec", "command": [")" + noexec + R"("]})", ok_top);
  REQUIRE(p.size() == 1);
  CHECK(p[0].find("is not executable") != std::string::npos);
  p = host(R"({"type": "exec", "command": ["no-such-program-acs"]})", ok_top);
  REQUIRE(p.size() == 1);
  CHECK(p[0].find("not an executable found in PATH") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("best_effort_status_file: the configured path even from an invalid config") {
  const std::string def = sidecar::Config{}.status_file;
  CHECK(sidecar::best_effort_status_file(R"({"status_file": "/srv/s.json", "services": 3})") ==
        "/srv/s.json");
  CHECK(sidecar::best_effort_status_file(R"(// comment
    {"status_file": "/srv/s.json", "services": []})") == "/srv/s.json");
  CHECK(sidecar::best_effort_status_file("not json") == def);
  CHECK(sidecar::best_effort_status_file("") == def);
  CHECK(sidecar::best_effort_status_file(R"([1])") == def);
  CHECK(sidecar::best_effort_status_file(R"({"status_file": 3})") == def);
  CHECK(sidecar::best_effort_status_file(R"({"status_file": ""})") == def);
  CHECK(sidecar::best_effort_status_file(R"({"status_file": "/a\u001bb"})") == def);
  CHECK(sidecar::best_effort_status_file(R"({"services": []})") == def);
}
