#include "sidecar/cli/cli_status.hpp"

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "sidecar/cli/cli_util.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/lib/regular_file.hpp"
#include "sidecar/status/status_verdict.hpp"

namespace sidecar {

namespace {
constexpr const char* kUsage =
    "usage: anycast-sidecar status [--config FILE | --status-file FILE] [--json] [--max-age S]\n"
    "Reads the daemon's status file and says what to act on. Exit 0 every service up and\n"
    "announced, bridge ok, file fresh; 1 a service in maintenance, rising or falling; 2 a service\n"
    "down, the ExaBGP bridge stalled or gone, a route not confirmed, the configuration invalid\n"
    "(config_error), a heartbeat in the future, or the file older than\n"
    "--max-age (default 3 x the longest service interval, at least 5 s); 3 file "
    "missing, unreadable or malformed.\n";

constexpr const char* kDefaultConfig = kDefaultConfigPath;

int unknown(bool as_json, const std::string& message) {
  if (as_json) {
    nlohmann::json j = {{"exit_code", 3}, {"verdict", "UNKNOWN"}, {"problems", {message}}};
    std::printf("%s\n", dump_json(j, 2).c_str());
  } else {
    std::printf("UNKNOWN: %s\n", text::printable(message, 2000).c_str());
  }
  return 3;
}
}  // namespace

int run_status_command(const std::vector<std::string>& args) {
  auto a = parse_args(args, {"--config", "--status-file", "--max-age"}, {"--json", "--help"});
  if (a.has("--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.error.empty()) return usage_error("status", a.error, kUsage);
  if (!a.positional.empty()) return usage_error("status", "unexpected " + a.positional[0], kUsage);
  bool as_json = a.has("--json");
  std::optional<double> max_age;
  if (auto m = a.value("--max-age")) {
    char* end = nullptr;
    double v = std::strtod(m->c_str(), &end);
    if (end == m->c_str() || *end != '\0' || !(v > 0) || v > 1e7) {
      return usage_error("status", "--max-age takes a positive number of seconds", kUsage);
    }
    max_age = v;
  }
  std::string status_path;
  double default_age = 5.0;
  if (auto sf = a.value("--status-file")) {
    status_path = *sf;
  } else {
    auto config_path = a.value("--config").value_or(kDefaultConfig);
    auto config_text = read_regular_file(config_path, 4 * 1024 * 1024);
    if (!config_text.text)
      return unknown(as_json, config_text.error + " (or pass --status-file FILE)");
    auto loaded = parse_config(*config_text.text);
    if (loaded.config) {
      status_path = loaded.config->status_file;
      default_age = std::max(5.0, 3.0 * longest_interval(*loaded.config).count() / 1000.0);
    } else {
      // An invalid configuration: the daemon still runs and reports config_error in the status
      // file the text names (contract), so that file is the one to judge.
      status_path = best_effort_status_file(*config_text.text);
      if (::access(status_path.c_str(), F_OK) != 0) {
        return unknown(as_json, "cannot use " + text::printable(config_path, 300) + ": " +
                                    (loaded.problems.empty() ? "invalid" : loaded.problems[0]) +
                                    " (or pass --status-file FILE)");
      }
    }
  }
  const auto shown = text::printable(status_path, 300);
  // Bounded and non-blocking: a status file is a few KiB; a FIFO or a huge file is not ours.
  auto file = read_regular_file(status_path, 16 * 1024 * 1024);
  if (!file.text) {
    return unknown(as_json, file.error +
                                ": is anycast-sidecar running (as ExaBGP's process "
                                "child)? does its status folder exist?");
  }
  auto status = nlohmann::json::parse(*file.text, nullptr, false);
  if (status.is_discarded()) {
    return unknown(as_json, "the status file " + shown + " is not valid JSON");
  }
  if (!a.value("--status-file") || max_age) {
    // keep default from config
  } else if (status.contains("services") && status["services"].is_array()) {
    // Only a status file: the intervals it records give the default staleness bound.
    double longest = 0;
    for (const auto& s : status["services"]) {
      if (s.is_object() && s.contains("interval_ms") && s["interval_ms"].is_number()) {
        longest = std::max(longest, s["interval_ms"].get<double>() / 1000.0);
      }
    }
    default_age = std::max(5.0, 3.0 * longest);
  }
  auto verdict = judge_status(status, unix_now(), max_age.value_or(default_age));
  if (as_json) {
    std::printf("%s\n", dump_json(verdict.json, 2).c_str());
  } else {
    for (const auto& l : verdict.lines) std::printf("%s\n", l.c_str());
  }
  return verdict.exit_code;
}

}  // namespace sidecar
