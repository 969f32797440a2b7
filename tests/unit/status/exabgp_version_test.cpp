// exabgp.version in the status file and in `status`: null / absent until ExaBGP answered
// "version", then the release number the bridge parsed from the answer.
#include <catch2/catch.hpp>

#include "sidecar/status/status_model.hpp"
#include "sidecar/status/status_verdict.hpp"

namespace {

bool has_line(const sidecar::StatusVerdict& v, const std::string& line) {
  for (const auto& l : v.lines)
    if (l == line) return true;
  return false;
}

}  // namespace

TEST_CASE("exabgp.version is null until known, then the release") {
  sidecar::StatusSnapshot s;
  auto j = sidecar::status_to_json(s);
  REQUIRE(j["exabgp"].contains("version"));
  CHECK(j["exabgp"]["version"].is_null());
  s.exabgp.version = "5.0.15";
  CHECK(sidecar::status_to_json(s)["exabgp"]["version"] == "5.0.15");
}

TEST_CASE("status text names ExaBGP's release when the status file has it") {
  sidecar::StatusSnapshot s;
  s.updated_unix = 1795339599.4;
  sidecar::ServiceView svc;  // a status file lists at least one service
  svc.name = "resolver";
  s.services.push_back(svc);
  s.exabgp.version = "4.2.21";
  auto v = sidecar::judge_status(sidecar::status_to_json(s), 1795339600.0, 10);
  CHECK(has_line(v, "exabgp bridge ok (ExaBGP 4.2.21)"));
  s.exabgp.version.clear();
  v = sidecar::judge_status(sidecar::status_to_json(s), 1795339600.0, 10);
  CHECK(has_line(v, "exabgp bridge ok"));
}
