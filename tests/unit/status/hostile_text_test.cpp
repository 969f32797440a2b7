// Text from outside (maintenance file, DNS replies, ExaBGP, config) can never make a
// JSON writer throw. `run` once exited 70 on every start over a reason cut mid-character.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fixtures/scratch_dir.hpp"
#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/maintenance_file.hpp"
#include "sidecar/status/status_model.hpp"

namespace fs = std::filesystem;

namespace {
const std::string kBad = "caf\xe9 \xc3 \xff\xfe \xed\xa0\x80 \x1b[2J";  // Latin-1, cut, junk, ESC

sidecar::StatusSnapshot hostile_snapshot() {
  sidecar::StatusSnapshot s;
  s.version = kBad;
  s.exabgp.detail = kBad;
  s.exabgp.neighbors.push_back({kBad, kBad, 1});
  sidecar::ServiceView v;
  v.name = kBad;
  v.policy = kBad;
  v.maintenance = sidecar::MaintenanceView{kBad, 2, std::nullopt};
  sidecar::CheckView c;
  c.name = kBad;
  c.type = "dns";
  c.server = kBad;
  c.qname = kBad;
  probes::CheckResult r;
  r.detail = kBad;
  r.answers = {kBad, kBad};
  c.last = r;
  v.checks.push_back(c);
  c.type = "exec";
  c.command = {kBad};
  v.checks.push_back(c);
  v.transitions.push_back({3, sidecar::ServiceState::up, sidecar::ServiceState::down, kBad});
  v.routes.push_back({kBad, kBad, sidecar::Desired::announce, true, false, kBad, {kBad}});
  s.services.push_back(v);
  s.config_error = std::vector<std::string>{kBad};
  return s;
}
}  // namespace

TEST_CASE("status file and metrics from hostile text: no throw, valid UTF-8") {
  auto s = hostile_snapshot();
  std::string text;
  REQUIRE_NOTHROW(text = sidecar::render_status(s));
  CHECK(text::valid_utf8(text));
  REQUIRE_NOTHROW(sidecar::status_to_json(s).dump());  // plain dump too: valid by construction
  auto j = nlohmann::json::parse(text);
  CHECK(j["config_error"].size() == 1);
  std::string metrics;
  REQUIRE_NOTHROW(metrics = sidecar::metrics_text(s));
  CHECK(text::valid_utf8(metrics));
}

TEST_CASE("config_error is absent unless set, and listed line by line when set") {
  sidecar::StatusSnapshot s;
  CHECK_FALSE(sidecar::status_to_json(s).contains("config_error"));
  s.config_error = std::vector<std::string>{"services[0].name: is required", "b"};
  auto j = sidecar::status_to_json(s);
  CHECK(j["config_error"] == nlohmann::json({"services[0].name: is required", "b"}));
}

TEST_CASE("dump_json replaces instead of throwing on documents built elsewhere") {
  nlohmann::json j = {{"k", kBad}};
  CHECK_THROWS(j.dump());
  CHECK(text::valid_utf8(sidecar::dump_json(j)));
  sidecar::valid_utf8_strings(j);
  CHECK_NOTHROW(j.dump());
  nlohmann::json keyed = nlohmann::json::object();
  keyed[kBad] = 1;
  sidecar::valid_utf8_strings(keyed);
  CHECK_NOTHROW(keyed.dump());
}

TEST_CASE("maintenance reasons: Latin-1, cut accents, 10 KB, controls, empty") {
  fixtures::ScratchDir scratch("hostile-maintenance");
  const auto& dir = scratch.path();
  auto path = (dir / "svc.maintenance").string();
  std::string accents;
  while (accents.size() < 601) accents += "\xc3\xa9";
  struct Case {
    std::string written;  // raw file content
    std::string expect;   // reason read back ("" = only check validity)
  };
  std::vector<Case> cases = {
      {"d\xe9pannage\n", "d\xef\xbf\xbdpannage"},
      {accents.substr(0, 511) + "\n", ""},  // the old writer's mid-character cut
      {accents + "\n", ""},
      {std::string(10240, 'r') + "\n", std::string(sidecar::kMaxReason, 'r') + "..."},
      {"tab\there\x1b[31m red\n", "tab here?[31m red"},
      {"\n", "maintenance"},
      {"", "maintenance"},
      {std::string("nul\0inside", 10), "nul?inside"},
  };
  for (const auto& c : cases) {
    { std::ofstream(path, std::ios::binary) << c.written; }
    auto m = sidecar::read_maintenance(path);
    REQUIRE(m);
    CHECK(text::valid_utf8(m->reason));
    if (!c.expect.empty()) CHECK(m->reason == c.expect);
  }
  // The writer cuts on a character boundary, so what it writes reads back valid.
  REQUIRE_FALSE(sidecar::write_maintenance(path, accents));
  auto m = sidecar::read_maintenance(path);
  REQUIRE(m);
  CHECK(text::valid_utf8(m->reason));
  CHECK(m->reason.size() <= sidecar::kMaxReason + 3);
  REQUIRE_FALSE(sidecar::write_maintenance(path, "old terminal: \xe9t\xe9"));
  CHECK(text::valid_utf8(sidecar::read_maintenance(path)->reason));
  fs::remove_all(dir);
}
