// Running on an invalid configuration: where the problems go (the status file the broken
// configuration still names, if it can be read), how they are shown, and the verdict.
#include <catch2/catch.hpp>

#include "sidecar/config_fallback.hpp"
#include "sidecar/status_model.hpp"
#include "sidecar/status_verdict.hpp"

namespace {
const std::string kDefault = "/run/anycast-sidecar/status.json";
}

TEST_CASE("config error: the status file named by an invalid configuration") {
  using sidecar::fallback_status_file;
  CHECK(fallback_status_file(R"({"status_file": "/tmp/x/status.json", "services": 3})", kDefault) ==
        "/tmp/x/status.json");
  CHECK(fallback_status_file("// comment\n{\"status_file\": \"/a/b.json\" /* c */}", kDefault) ==
        "/a/b.json");
  for (const char* bad :
       {"", "not json", "[]", R"({"status_file": 3})", R"({"status_file": "relative.json"})",
        R"({"status_file": "/"})", R"({"status_file": "/dir/"})", "{\"status_file\": \"/a\\nb\"}",
        "{\"status_file\": \"/caf\xc3\xa9\"}", R"({"status_file": "/x")"}) {
    INFO(bad);
    CHECK(fallback_status_file(bad, kDefault) == kDefault);
  }
}

TEST_CASE("config error: rendered only while present, judged CRITICAL with each problem") {
  sidecar::StatusSnapshot s;
  s.updated_unix = 100;
  CHECK_FALSE(sidecar::status_to_json(s).contains("config_error"));
  s.config_error = {"services[0].rise: 0 is out of range (1 to 100)"};
  auto j = sidecar::status_to_json(s);
  REQUIRE(j.contains("config_error"));
  auto v = sidecar::judge_status(j, 101, 5);
  CHECK(v.exit_code == 2);
  bool named = false;
  for (const auto& l : v.lines) named = named || l.find("services[0].rise") != std::string::npos;
  CHECK(named);
}
