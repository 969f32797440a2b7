// Running on an invalid configuration: how the problems are shown, and the verdict.
#include <catch2/catch.hpp>

#include "sidecar/status/status_model.hpp"
#include "sidecar/status/status_verdict.hpp"

TEST_CASE("config error: rendered only while present, judged CRITICAL with each problem") {
  sidecar::StatusSnapshot s;
  s.updated_unix = 100;
  CHECK_FALSE(sidecar::status_to_json(s).contains("config_error"));
  s.config_error = std::vector<std::string>{"services[0].rise: 0 is out of range (1 to 100)"};
  auto j = sidecar::status_to_json(s);
  REQUIRE(j.contains("config_error"));
  auto v = sidecar::judge_status(j, 101, 5);
  CHECK(v.exit_code() == 2);
  bool named = false;
  for (const auto& l : v.lines) named = named || l.find("services[0].rise") != std::string::npos;
  CHECK(named);
}
