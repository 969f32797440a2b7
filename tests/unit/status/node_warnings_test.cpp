// What goes wrong on the node itself, beside the services: a rejected reload (the previous
// configuration keeps running) and a failing metrics write. Both are WARNING in `status`, shown in
// the status file, and absent when all is well.
#include <catch2/catch.hpp>

#include "fixtures/status_document.hpp"
#include "sidecar/status/status_model.hpp"
#include "sidecar/status/status_verdict.hpp"

using nlohmann::json;

namespace {

using fixtures::kNow;

json healthy() {
  return fixtures::healthy_status();
}

std::string all_lines(const sidecar::StatusVerdict& v) {
  std::string out;
  for (const auto& l : v.lines) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("node warnings: healthy without them, WARNING with each") {
  CHECK(sidecar::judge_status(healthy(), kNow, 5).exit_code() == 0);

  auto s = healthy();
  s["reload_error"] = {"services[0].rise: 0 is out of range (1 to 100)"};
  auto v = sidecar::judge_status(s, kNow, 5);
  CHECK(v.exit_code() == 1);
  CHECK(all_lines(v).find("the last reload was rejected") != std::string::npos);
  CHECK(all_lines(v).find("services[0].rise") != std::string::npos);
  CHECK(all_lines(v).find("anycast-sidecar reload") != std::string::npos);

  s = healthy();
  s["write_errors"] = {
      "metrics_file: cannot create /var/lib/prometheus/node-exporter/.x.tmp.1: Permission denied"};
  v = sidecar::judge_status(s, kNow, 5);
  CHECK(v.exit_code() == 1);
  CHECK(all_lines(v).find("cannot write metrics_file") != std::string::npos);
  CHECK(all_lines(v).find("Permission denied") != std::string::npos);

  // Empty lists and other shapes never raise anything.
  s = healthy();
  s["reload_error"] = json::array();
  s["write_errors"] = json::array();
  CHECK(sidecar::judge_status(s, kNow, 5).exit_code() == 0);

  // A service down stays CRITICAL whatever else is said.
  s = healthy();
  s["write_errors"] = {"metrics_file: x"};
  s["services"][0]["state"] = "down";
  CHECK(sidecar::judge_status(s, kNow, 5).exit_code() == 2);
}

TEST_CASE("node warnings in the status file: only when present") {
  sidecar::StatusSnapshot snap;
  auto j = sidecar::status_to_json(snap);
  CHECK_FALSE(j.contains("reload_error"));
  CHECK_FALSE(j.contains("reloaded_unix"));
  CHECK_FALSE(j.contains("write_errors"));
  snap.reloaded_unix = 1795339600.25;
  snap.reload_error = std::vector<std::string>{"services[0].rise: bad"};
  snap.write_errors = {"metrics_file: cannot create x: Permission denied"};
  j = sidecar::status_to_json(snap);
  CHECK(j["reloaded_unix"] == 1795339600.25);
  CHECK(j["reload_error"] == json({"services[0].rise: bad"}));
  CHECK(j["write_errors"] == json({"metrics_file: cannot create x: Permission denied"}));
}
