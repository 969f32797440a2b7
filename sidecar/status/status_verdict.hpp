#pragma once
// Judging a status file for a person and for monitoring (exit codes of the contract). Pure.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sidecar {

struct StatusVerdict {
  int exit_code = 3;               // 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
  std::vector<std::string> lines;  // first: "CRITICAL: ...", then details and "next:" hints
  nlohmann::json json;             // {"exit_code", "verdict", "problems", "status"}
};

StatusVerdict judge_status(const nlohmann::json& status, double now_unix, double max_age_s);
std::string_view verdict_name(int exit_code);

}  // namespace sidecar
