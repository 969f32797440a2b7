#pragma once
// `anycast-sidecar fleet`: the fleet view as a verdict line, one line per node and a JSON
// document, with the monitoring exit code of the contract. Pure: the CLI reads the prefix and
// prints what this returns.
//   0 the fleet reachable and every node in service
//   1 some nodes out of service, within max_unavailable
//   2 the fleet unreachable, a verification failed, more out than max_unavailable, or the budget
//     record unreadable (no maintenance can be decided)
//   3 unknown (bad usage, unreadable configuration: the CLI's own cases)
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidecar/fleet/fleet_policy.hpp"

namespace fleet {

struct FleetTable {
  int exit_code = 3;
  std::vector<std::string> lines;  // "WARNING: ...", then the table, then "also:" / "skipped:"
  nlohmann::json json;             // {"exit_code", "verdict", "problems", "fleet": {...}}
};

struct TableInput {
  std::string prefix;  // the fleet's name for a person
  int max_unavailable = 1;
  double now_unix = 0;
};

FleetTable fleet_table(const FleetView& view, const TableInput& input);
// The fleet could not be read (every endpoint failed): exit 2, naming the endpoints' error.
FleetTable unreachable_table(const TableInput& input, const std::string& error);

}  // namespace fleet
