#pragma once
// Judging a status file for a person and for monitoring (exit codes of the contract). Pure.
//
// judge_status runs one judge per concern (configuration, heartbeat, bridge, each service), each
// adding what it finds to a VerdictFindings; the worst finding is the verdict. A new concern is a
// function of the same shape (status in, findings added) and one call in judge_status.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidecar {

// The monitoring-plugins verdicts; the enum's value is the exit code.
enum class Verdict { ok = 0, warning = 1, critical = 2, unknown = 3 };
std::string_view verdict_name(Verdict verdict);
inline int exit_code_of(Verdict verdict) {
  return static_cast<int>(verdict);
}

struct StatusVerdict {
  Verdict verdict = Verdict::unknown;
  std::vector<std::string> lines;  // first: "CRITICAL: ...", then details and "next:" hints
  nlohmann::json json;             // {"exit_code", "verdict", "problems"}; `status` adds the file
  int exit_code() const { return exit_code_of(verdict); }
};

// What the judges found, in the order found; the summary puts the worst first.
struct VerdictFindings {
  Verdict worst = Verdict::ok;
  std::vector<std::pair<Verdict, std::string>> problems;
  std::vector<std::string> details;  // indented lines after the problems
  void raise(Verdict v, std::string problem);
};

// `status` must come from read_status_file / parse_status_text (size and depth bounded); any
// document that is not schema 1 with fields of the right types is UNKNOWN.
StatusVerdict judge_status(const nlohmann::json& status, double now_unix, double max_age_s);

// The judges, one concern each (exposed for tests and for judges added beside them).
void judge_config_error(const nlohmann::json& status, VerdictFindings& f);
void judge_reload_and_writes(const nlohmann::json& status, VerdictFindings& f);
void judge_heartbeat(const nlohmann::json& status, double now_unix, double max_age_s,
                     VerdictFindings& f);
// Returns the bridge's summary line ("exabgp bridge ok (ExaBGP 4.2.21)").
std::string judge_bridge(const nlohmann::json& exabgp, double now_unix, VerdictFindings& f);
void judge_service(const nlohmann::json& service, double now_unix, VerdictFindings& f);

// "" when a heartbeat written at updated_unix is believable at now_unix: not older than
// max_age_s, not ahead of now (beyond 2 s of jitter). Otherwise why not, for a person.
std::string heartbeat_problem(double updated_unix, double now_unix, double max_age_s);

}  // namespace sidecar
