#pragma once
// What `status` says about the fleet object of a status file: WARNING while the fleet is
// unreachable or its floor holds a route up, CRITICAL while a verification failed. Pure; called
// once by judge_status, which merges the problems into its own verdict. A file without a fleet
// object, or with the fleet off, yields nothing (a node without a fleet judges as before).
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidecar {

struct FleetVerdict {
  std::vector<std::pair<int, std::string>> problems;  // (1 WARNING | 2 CRITICAL, text)
  std::vector<std::string> details;                   // lines under the services
};

FleetVerdict judge_fleet(const nlohmann::json& status, double now_unix);

}  // namespace sidecar
