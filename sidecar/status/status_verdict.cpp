#include "sidecar/status/status_verdict.hpp"

#include <algorithm>
#include <cstdio>

#include "probes/check.hpp"
#include "sidecar/lib/ago.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/fleet_verdict.hpp"
#include "sidecar/status/status_reader.hpp"

namespace sidecar {
namespace {

using json = nlohmann::json;

// Every string shown comes from the file, which anyone who can write it controls: one printable
// line each (no escape sequences reach the on-call's terminal).
std::string shown(const json& j, const char* key, const std::string& fallback = "") {
  auto s = string_at(j, key);
  return s ? text::printable(*s, 300) : fallback;
}

// What schema 1 says and judging needs besides types: something to judge.
std::string unjudgeable(const json& s) {
  if (auto why = schema_problem(s); !why.empty()) return why;
  if (s["services"].empty() && !member(s, "config_error")) return "an empty \"services\" list";
  return {};
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& x : items) out += (out.empty() ? "" : ", ") + x;
  return out;
}

// One check's detail line; adds "name reason" to failing and a hint when it fails first.
void judge_check(const json& c, std::vector<std::string>& failing, std::string& hint,
                 VerdictFindings& f) {
  bool ok = bool_at(c, "ok").value_or(false);
  auto reason = shown(c, "reason", "not probed yet");
  std::string line = "  check " + shown(c, "name", "?") + ": " + (ok ? "ok" : reason);
  if (auto detail = shown(c, "detail"); !detail.empty()) line += " (" + detail + ")";
  if (auto rtt = number_at(c, "rtt_ms"); rtt && ok) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %.2f ms", *rtt);
    line += buf;
  }
  f.details.push_back(std::move(line));
  if (ok) return;
  failing.push_back(shown(c, "name", "?") + " " + reason);
  if (!hint.empty()) return;
  if (auto r = probes::reason_from_string(reason)) {
    auto port = number_at(c, "port").value_or(53);
    if (!(port >= 0 && port <= 65535)) port = 53;  // out-of-range casts are UB
    auto software = probes::software_from_string(shown(c, "resolver"));
    hint = probes::hint_for(*r, shown(c, "server", "?"), static_cast<std::uint16_t>(port),
                            software.value_or(probes::Software::any));
  }
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok:
      return "OK";
    case Verdict::warning:
      return "WARNING";
    case Verdict::critical:
      return "CRITICAL";
    case Verdict::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

void VerdictFindings::raise(Verdict v, std::string problem) {
  worst = std::max(worst, v);
  problems.emplace_back(v, std::move(problem));
}

void judge_config_error(const json& status, VerdictFindings& f) {
  const json* errors = array_at(status, "config_error");
  if (!errors) return;
  // The daemon runs but announces nothing until the configuration is fixed (contract).
  std::string first = errors->empty() || !errors->front().is_string()
                          ? std::string("(no detail)")
                          : text::printable(errors->front().get<std::string>(), 300);
  f.raise(Verdict::critical, "the configuration is invalid, nothing is announced: " + first +
                                 "; next: `anycast-sidecar check-config`, fix, "
                                 "then `anycast-sidecar reload`");
  for (const auto& line : *errors) {
    if (line.is_string())
      f.details.push_back("  config: " + text::printable(line.get<std::string>(), 300));
  }
}

// A rejected reload (the previous configuration runs) and a failing status or metrics write:
// WARNING, naming the problem.
void judge_reload_and_writes(const json& status, VerdictFindings& f) {
  for (const char* key : {"reload_error", "write_errors"}) {
    const json* lines = array_at(status, key);
    if (!lines || lines->empty()) continue;
    const auto& first = lines->front();
    auto line = text::printable(first.is_string() ? first.get<std::string>() : "?", 300);
    f.raise(Verdict::warning,
            std::string(key) == "reload_error"
                ? "the last reload was rejected, the previous configuration runs: " + line +
                      "; next: `anycast-sidecar check-config`, fix, `anycast-sidecar reload`"
                : "cannot write " + line);
  }
}

std::string heartbeat_problem(double updated_unix, double now_unix, double max_age_s) {
  // Same host, same clock: a heartbeat ahead of now means the clock was stepped back or the file
  // is not the daemon's. It would never go stale, so it is suspicious rather than fresh.
  constexpr double kFutureSlack = 2.0;
  if (updated_unix - now_unix > kFutureSlack) {
    return "status file heartbeat is " + text::ago(updated_unix - now_unix) +
           " in the future: the clock was set back, or something else writes this file";
  }
  if (now_unix - updated_unix > max_age_s) {
    return "status file not updated for " + text::ago(now_unix - updated_unix) + " (max " +
           text::ago(max_age_s) +
           "): is anycast-sidecar running? check ExaBGP's log and `systemctl status "
           "anycast-exabgp`";
  }
  return {};
}

void judge_heartbeat(const json& status, double now_unix, double max_age_s, VerdictFindings& f) {
  auto updated = number_at(status, "updated_unix");
  if (!updated) {
    f.raise(Verdict::unknown, "no numeric \"updated_unix\" heartbeat");
    return;
  }
  if (auto problem = heartbeat_problem(*updated, now_unix, max_age_s); !problem.empty()) {
    f.raise(Verdict::critical, std::move(problem));
  }
}

std::string judge_bridge(const json& ex, double now_unix, VerdictFindings& f) {
  auto state = shown(ex, "state", "unknown");
  auto pending = number_at(ex, "pending_acks").value_or(0);
  std::string line = "exabgp bridge " + state;
  if (auto release = shown(ex, "version"); !release.empty()) {
    line += " (ExaBGP " + text::printable(release, 64) + ")";
  }
  if (pending > 0) {
    line +=
        ", " + std::to_string(static_cast<long long>(std::min(pending, 1e15))) + " acks pending";
  }
  auto detail = shown(ex, "detail");
  if (!detail.empty()) line += ": " + detail;
  if (state == "stalled") {
    f.raise(Verdict::critical, "ExaBGP bridge stalled: " + detail +
                                   "; next: check ExaBGP (`systemctl status anycast-exabgp`, is it "
                                   "stopped or spinning?)");
  } else if (state == "gone") {
    f.raise(Verdict::critical,
            "ExaBGP bridge gone: ExaBGP closed the pipe; next: `systemctl status anycast-exabgp`");
  } else if (state != "ok") {
    f.raise(Verdict::critical, "ExaBGP bridge state \"" + state + "\" unknown");
  }
  if (const json* neighbors = array_at(ex, "neighbors")) {
    for (const auto& n : *neighbors) {
      std::string nl = "  neighbor " + shown(n, "peer", "?") + " " + shown(n, "state", "?");
      if (auto since = number_at(n, "since_unix")) nl += " for " + text::ago(now_unix - *since);
      f.details.push_back(nl);
    }
  }
  return line;
}

void judge_service(const json& s, double now_unix, VerdictFindings& f) {
  auto name = shown(s, "name", "?");
  auto state = shown(s, "state", "unknown");
  auto desired = shown(s, "desired", "?");
  bool announced = bool_at(s, "announced").value_or(false);
  std::string line = name + ": " + state;
  if (auto since = number_at(s, "since_unix")) line += " for " + text::ago(now_unix - *since);
  line += ", " + desired + (announced ? " (acknowledged by ExaBGP)" : " (not acknowledged)");
  f.details.push_back(line);

  std::vector<std::string> failing;
  std::string hint;
  if (const json* checks = array_at(s, "checks")) {
    for (const auto& c : *checks) judge_check(c, failing, hint, f);
  }
  std::string why = failing.empty() ? "" : " (" + joined(failing) + ")";
  if (!hint.empty()) f.details.push_back("  next: " + hint);

  const std::string unconfirmed = " route is not confirmed by ExaBGP (desired " + desired +
                                  "); next: check the bridge and ExaBGP's log";
  if (state == "up") {
    if (!announced) f.raise(Verdict::critical, name + " healthy but its" + unconfirmed);
  } else if (state == "degraded") {
    // Serving, with worse attributes: a warning that names what degrades it.
    if (!announced) {
      f.raise(Verdict::critical, name + " degraded and its" + unconfirmed);
    } else {
      f.raise(Verdict::warning, name + " degraded" + why);
    }
  } else if (state == "down") {
    f.raise(Verdict::critical, name + " down" + why);
  } else if (state == "disabled") {
    const json* m = object_at(s, "maintenance");
    std::string reason = m ? shown(*m, "reason") : "";
    std::string drain;
    if (auto until = m ? number_at(*m, "drain_until_unix") : std::nullopt) {
      drain = " (draining: withdrawn in " + text::ago(*until - now_unix) + ")";
    }
    f.raise(Verdict::warning,
            name + " in maintenance" + (reason.empty() ? "" : ": " + reason) + drain);
  } else if (state == "rising" || state == "falling" || state == "init") {
    f.raise(Verdict::warning, name + " " + state + why);
  } else {
    f.raise(Verdict::critical, name + " in unknown state \"" + state + "\"");
  }
}

StatusVerdict judge_status(const json& status, double now_unix, double max_age_s) {
  StatusVerdict v;
  if (auto why = unjudgeable(status); !why.empty()) {
    v.verdict = Verdict::unknown;
    v.lines = {"UNKNOWN: the status file is not an anycast-sidecar status (" +
               text::printable(why, 300) + ")"};
    v.json = {{"exit_code", 3}, {"verdict", "UNKNOWN"}, {"problems", {v.lines[0]}}};
    return v;
  }

  VerdictFindings f;
  judge_config_error(status, f);
  judge_reload_and_writes(status, f);
  judge_heartbeat(status, now_unix, max_age_s, f);
  auto bridge_line = judge_bridge(status["exabgp"], now_unix, f);
  for (const auto& s : status["services"]) judge_service(s, now_unix, f);

  auto fleet = judge_fleet(status, now_unix);
  for (auto& [code, problem] : fleet.problems) {
    f.raise(code >= 2 ? Verdict::critical : Verdict::warning, std::move(problem));
  }
  for (auto& d : fleet.details) f.details.push_back(std::move(d));

  std::stable_sort(f.problems.begin(), f.problems.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  v.verdict = f.worst;
  std::vector<std::string> problems;
  for (auto& [severity, p] : f.problems) problems.push_back(std::move(p));
  std::string summary;
  if (problems.empty()) {
    std::size_t n = status["services"].size();
    summary = std::to_string(n) + " service" + (n == 1 ? "" : "s") +
              " up and announced, ExaBGP bridge ok";
  } else {
    summary = problems.front();
    if (problems.size() > 1) summary += " (+" + std::to_string(problems.size() - 1) + " more)";
  }
  v.lines.push_back(std::string(verdict_name(v.verdict)) + ": " + summary);
  for (std::size_t i = 1; i < problems.size(); ++i) v.lines.push_back("also: " + problems[i]);
  for (auto& d : f.details) v.lines.push_back(std::move(d));
  v.lines.push_back(bridge_line);
  if (auto updated = number_at(status, "updated_unix")) {
    v.lines.push_back("status updated " + text::ago(now_unix - *updated) + " ago");
  }
  v.json = {{"exit_code", v.exit_code()},
            {"verdict", verdict_name(v.verdict)},
            {"problems", std::move(problems)}};
  return v;
}

}  // namespace sidecar
