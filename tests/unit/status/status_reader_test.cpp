// The one status-file reader: size and depth bounded before parsing, schema 1 checked field by
// field, typed accessors that never throw.
#include <catch2/catch.hpp>

#include "sidecar/status/status_reader.hpp"
#include "sidecar/status/status_verdict.hpp"

using nlohmann::json;

TEST_CASE("status reader: nesting is counted on the text, strings and escapes skipped") {
  CHECK(sidecar::json_depth("{}", 32) == 1);
  CHECK(sidecar::json_depth(R"({"a": [1, {"b": []}]})", 32) == 4);
  CHECK(sidecar::json_depth(R"({"a": "[[[[[[\"[[[["})", 32) == 1);
  CHECK(sidecar::json_depth("[[[]]][[]]", 32) == 3);
  CHECK(sidecar::json_depth(std::string(1000, '['), 32) == 33);  // stops early
  CHECK(sidecar::json_depth("]]]]", 32) == 0);
}

TEST_CASE("status reader: 100,000 levels deep is refused before parsing, no crash") {
  std::string deep =
      R"({"schema": 1, "services": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  REQUIRE(deep.size() > 200000);
  auto file = sidecar::parse_status_text(deep);
  CHECK_FALSE(file.ok());
  CHECK(file.error == "nested deeper than 32 levels");
  CHECK(file.doc.is_null());
  // Objects as well as lists; a wide document is fine.
  std::string objects;
  for (int i = 0; i < 50000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(50000, '}');
  CHECK(sidecar::parse_status_text(objects).error == "nested deeper than 32 levels");
  json wide = json::object();
  wide["services"] = json::array();
  for (int i = 0; i < 100000; ++i) wide["services"].push_back({{"name", "s"}, {"state", "up"}});
  CHECK(sidecar::parse_status_text(wide.dump()).ok());
}

TEST_CASE("status reader: size, JSON and object refused with a reason") {
  CHECK(sidecar::parse_status_text(std::string(sidecar::kMaxStatusFileBytes + 1, ' ')).error ==
        "larger than 16 MiB");
  CHECK(sidecar::parse_status_text("{").error == "not valid JSON");
  CHECK(sidecar::parse_status_text("[1]").error == "not a JSON object");
  CHECK(sidecar::parse_status_text("{}").ok());
  CHECK(sidecar::read_status_file("/nonexistent-acs/status.json").error.find("cannot read") !=
        std::string::npos);
}

TEST_CASE("status reader: schema 1 and the type of every field a reader uses") {
  json ok = {{"schema", 1},
             {"updated_unix", 1.5},
             {"exabgp", {{"state", "ok"}, {"neighbors", json::array()}}},
             {"services", {{{"name", "a"}, {"state", "up"}, {"maintenance", nullptr}}}}};
  CHECK(sidecar::schema_problem(ok).empty());
  struct Case {
    const char* pointer;
    json value;
    const char* problem;
  };
  const std::vector<Case> cases = {
      {"/schema", 99, "schema is not 1 (this program reads schema 1)"},
      {"/schema", "1", "schema is not the number 1"},
      {"/schema", nullptr, "schema is not the number 1"},
      {"/updated_unix", "now", "updated_unix is not a number"},
      {"/pid", "1", "pid is not a number"},
      {"/exabgp/state", 1, "exabgp.state is not a string"},
      {"/exabgp/neighbors", {1}, "exabgp.neighbors[0] is not an object"},
      {"/services/0/name", 3, "services[0].name is not a string"},
      {"/services/0/maintenance", "yes", "services[0].maintenance is not an object or null"},
      {"/services/0/routes", {{{"prefix", 5}}}, "services[0].routes[0].prefix is not a string"},
      {"/services/0/routes",
       {{{"prefix", "192.0.2.1/32"}, {"next_hop", 5}}},
       "services[0].routes[0].next_hop is not a string"},
      {"/services/0/checks", {{{"ok", "yes"}}}, "services[0].checks[0].ok is not true or false"},
      {"/config_error", {"a", 2}, "config_error[1] is not a string"},
  };
  for (const auto& c : cases) {
    INFO(c.pointer);
    auto doc = ok;
    doc[json::json_pointer(c.pointer)] = c.value;
    CHECK(sidecar::schema_problem(doc) == c.problem);
    CHECK(sidecar::judge_status(doc, 2, 5).verdict == sidecar::Verdict::unknown);
  }
  auto missing = ok;
  missing.erase("schema");
  CHECK(sidecar::schema_problem(missing) == "schema is missing");
  missing = ok;
  missing.erase("exabgp");
  CHECK(sidecar::schema_problem(missing) == "exabgp is missing");
}

TEST_CASE("status reader: typed accessors give nothing for another type or a non-object") {
  json j = {{"s", "x"}, {"n", 2.5}, {"b", true}, {"a", json::array()}, {"o", json::object()}};
  CHECK(sidecar::string_at(j, "s") == "x");
  CHECK_FALSE(sidecar::string_at(j, "n"));
  CHECK(sidecar::number_at(j, "n") == 2.5);
  CHECK_FALSE(sidecar::number_at(j, "s"));
  CHECK(sidecar::bool_at(j, "b") == true);
  CHECK_FALSE(sidecar::bool_at(j, "n"));
  CHECK(sidecar::array_at(j, "a"));
  CHECK_FALSE(sidecar::array_at(j, "o"));
  CHECK(sidecar::object_at(j, "o"));
  CHECK_FALSE(sidecar::object_at(j, "missing"));
  CHECK_FALSE(sidecar::string_at(json::array({1}), "s"));
  CHECK_FALSE(sidecar::member(json("text"), "s"));
}
