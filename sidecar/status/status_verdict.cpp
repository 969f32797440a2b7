#include "sidecar/status/status_verdict.hpp"

#include <algorithm>
#include <cstdio>

#include "probes/check.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/fleet_verdict.hpp"

namespace sidecar {
namespace {

using json = nlohmann::json;

// Every string shown comes from the file, which anyone who can write it controls: one printable
// line each (no escape sequences reach the on-call's terminal).
std::string str(const json& j, const char* key, const std::string& fallback = "") {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? text::printable(it->get<std::string>(), 300) : fallback;
}

// The shape every status file the daemon writes has; anything else is not ours to judge (a
// truncated copy, a hand-edited file, another program's JSON): UNKNOWN, never OK or CRITICAL.
std::string malformed(const json& s) {
  if (!s.is_object()) return "not a JSON object";
  if (!s.contains("services") || !s["services"].is_array()) return "no \"services\" list";
  if (!s.contains("updated_unix") || !s["updated_unix"].is_number()) {
    return "no numeric \"updated_unix\" heartbeat";
  }
  if (!s.contains("exabgp") || !s["exabgp"].is_object() || !s["exabgp"].contains("state") ||
      !s["exabgp"]["state"].is_string()) {
    return "no \"exabgp\" object with a \"state\"";
  }
  bool config_error = s.contains("config_error");
  if (config_error) {
    const auto& e = s["config_error"];
    if (!e.is_array() ||
        !std::all_of(e.begin(), e.end(), [](const json& l) { return l.is_string(); })) {
      return "\"config_error\" is not a list of lines";
    }
  }
  if (s["services"].empty() && !config_error) return "an empty \"services\" list";
  for (std::size_t i = 0; i < s["services"].size(); ++i) {
    const auto& svc = s["services"][i];
    auto at = "services[" + std::to_string(i) + "]";
    if (!svc.is_object()) return at + " is not an object";
    if (!svc.contains("name") || !svc["name"].is_string()) return at + " has no \"name\"";
    if (!svc.contains("state") || !svc["state"].is_string()) return at + " has no \"state\"";
    if (svc.contains("checks") && !svc["checks"].is_array()) return at + ".checks is not a list";
    if (svc.contains("checks")) {
      for (const auto& c : svc["checks"]) {
        if (!c.is_object()) return at + ".checks has an entry that is not an object";
      }
    }
  }
  return {};
}

std::optional<double> num(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string ago(double seconds) {
  // Clamped before the cast: a double beyond long's range (a since_unix of -1e300) is UB to cast.
  if (!(seconds > 0)) seconds = 0;
  if (seconds > 1e12) seconds = 1e12;
  long s = static_cast<long>(seconds);
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%lds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ldd%02ldh", s / 86400, (s % 86400) / 3600);
  }
  return buf;
}

struct Judge {
  int code = 0;
  std::vector<std::string> problems;  // the worst first after sorting by severity
  std::vector<std::pair<int, std::string>> ranked;
  void raise(int c, std::string problem) {
    code = std::max(code, c);
    ranked.emplace_back(c, std::move(problem));
  }
};

}  // namespace

std::string_view verdict_name(int exit_code) {
  switch (exit_code) {
    case 0:
      return "OK";
    case 1:
      return "WARNING";
    case 2:
      return "CRITICAL";
    default:
      return "UNKNOWN";
  }
}

StatusVerdict judge_status(const json& status, double now_unix, double max_age_s) {
  StatusVerdict v;
  Judge j;
  std::vector<std::string> details;
  if (auto why = malformed(status); !why.empty()) {
    v.exit_code = 3;
    v.lines = {"UNKNOWN: the status file is not an anycast-sidecar status (" + why + ")"};
    v.json = {
        {"exit_code", 3}, {"verdict", "UNKNOWN"}, {"problems", {v.lines[0]}}, {"status", status}};
    return v;
  }

  if (status.contains("config_error")) {
    // The daemon runs but announces nothing until the configuration is fixed (contract).
    std::string first = status["config_error"].empty()
                            ? std::string("(no detail)")
                            : text::printable(status["config_error"][0].get<std::string>(), 300);
    j.raise(2, "the configuration is invalid, nothing is announced: " + first +
                   "; next: `anycast-sidecar check-config --config FILE`, fix, then SIGHUP");
    for (const auto& line : status["config_error"]) {
      details.push_back("  config: " + text::printable(line.get<std::string>(), 300));
    }
  }

  auto updated = num(status, "updated_unix");
  // Same host, same clock: a heartbeat ahead of now means the clock was stepped back or the file
  // is not the daemon's. It would never go stale, so it is suspicious rather than fresh.
  constexpr double kFutureSlack = 2.0;
  if (*updated - now_unix > kFutureSlack) {
    j.raise(2, "status file heartbeat is " + ago(*updated - now_unix) +
                   " in the future: the clock was set back, or something else writes this file");
  } else if (now_unix - *updated > max_age_s) {
    j.raise(2, "status file not updated for " + ago(now_unix - *updated) + " (max " +
                   ago(max_age_s) +
                   "): is anycast-sidecar running? check ExaBGP's log and "
                   "`systemctl status exabgp`");
  }

  const json empty = json::object();
  const json& ex =
      status.contains("exabgp") && status["exabgp"].is_object() ? status["exabgp"] : empty;
  auto bstate = str(ex, "state", "unknown");
  auto pending = num(ex, "pending_acks").value_or(0);
  std::string bline = "exabgp bridge " + bstate;
  if (auto release = str(ex, "version"); !release.empty()) {
    bline += " (ExaBGP " + text::printable(release, 64) + ")";
  }
  if (pending > 0) {
    bline +=
        ", " + std::to_string(static_cast<long long>(std::min(pending, 1e15))) + " acks pending";
  }
  auto bdetail = str(ex, "detail");
  if (!bdetail.empty()) bline += ": " + bdetail;
  if (bstate == "stalled") {
    j.raise(2, "ExaBGP bridge stalled: " + bdetail +
                   "; next: check ExaBGP (`systemctl status "
                   "exabgp`, is it stopped or spinning?)");
  } else if (bstate == "gone") {
    j.raise(2, "ExaBGP bridge gone: ExaBGP closed the pipe; next: `systemctl status exabgp`");
  } else if (bstate != "ok") {
    j.raise(2, "ExaBGP bridge state \"" + bstate + "\" unknown");
  }
  if (ex.contains("neighbors") && ex["neighbors"].is_array()) {
    for (const auto& n : ex["neighbors"]) {
      std::string nl = "  neighbor " + str(n, "peer", "?") + " " + str(n, "state", "?");
      if (auto since = num(n, "since_unix")) nl += " for " + ago(now_unix - *since);
      details.push_back(nl);
    }
  }

  const auto& services = status["services"];
  for (const auto& s : services.is_array() ? services : json::array()) {
    auto name = str(s, "name", "?");
    auto state = str(s, "state", "unknown");
    auto desired = str(s, "desired", "?");
    bool announced = s.is_object() && s.contains("announced") && s["announced"].is_boolean() &&
                     s["announced"].get<bool>();
    std::string line = name + ": " + state;
    if (auto since = num(s, "since_unix")) line += " for " + ago(now_unix - *since);
    line += ", " + desired + (announced ? " (acknowledged by ExaBGP)" : " (not acknowledged)");
    details.push_back(line);

    std::vector<std::string> failing;
    std::string hint;
    if (s.contains("checks") && s["checks"].is_array()) {
      for (const auto& c : s["checks"]) {
        bool ok = c.is_object() && c.contains("ok") && c["ok"].is_boolean() && c["ok"].get<bool>();
        auto reason = str(c, "reason", "not probed yet");
        std::string cl = "  check " + str(c, "name", "?") + ": " + (ok ? "ok" : reason);
        auto detail = str(c, "detail");
        if (!detail.empty()) cl += " (" + detail + ")";
        if (auto rtt = num(c, "rtt_ms"); rtt && ok) {
          char buf[32];
          std::snprintf(buf, sizeof buf, " %.2f ms", *rtt);
          cl += buf;
        }
        details.push_back(cl);
        if (!ok) {
          failing.push_back(str(c, "name", "?") + " " + reason);
          if (hint.empty()) {
            if (auto r = probes::reason_from_string(reason)) {
              auto port = num(c, "port").value_or(53);
              if (!(port >= 0 && port <= 65535)) port = 53;  // out-of-range casts are UB
              hint = probes::hint_for(*r, str(c, "server", "?"), static_cast<std::uint16_t>(port));
            }
          }
        }
      }
    }
    std::string why = failing.empty() ? "" : " (" + [&] {
      std::string f;
      for (const auto& x : failing) f += (f.empty() ? "" : ", ") + x;
      return f;
    }() + ")";
    if (!hint.empty()) details.push_back("  next: " + hint);

    if (state == "up") {
      if (!announced) {
        j.raise(2, name + " healthy but its route is not confirmed by ExaBGP (desired " + desired +
                       "); next: check the bridge and ExaBGP's log");
      }
    } else if (state == "degraded") {
      // Serving, with worse attributes: a warning that names what degrades it.
      if (!announced) {
        j.raise(2, name + " degraded and its route is not confirmed by ExaBGP (desired " + desired +
                       "); next: check the bridge and ExaBGP's log");
      } else {
        j.raise(1, name + " degraded" + why);
      }
    } else if (state == "down") {
      j.raise(2, name + " down" + why);
    } else if (state == "disabled") {
      std::string reason;
      if (s.contains("maintenance") && s["maintenance"].is_object()) {
        reason = str(s["maintenance"], "reason");
      }
      j.raise(1, name + " in maintenance" + (reason.empty() ? "" : ": " + reason));
    } else if (state == "rising" || state == "falling" || state == "init") {
      j.raise(1, name + " " + state + why);
    } else {
      j.raise(2, name + " in unknown state \"" + state + "\"");
    }
  }

  auto fleet = judge_fleet(status, now_unix);
  for (auto& [c, p] : fleet.problems) j.raise(c, std::move(p));
  for (auto& d : fleet.details) details.push_back(std::move(d));

  std::stable_sort(j.ranked.begin(), j.ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [c, p] : j.ranked) j.problems.push_back(p);
  v.exit_code = j.code;
  std::string summary;
  if (j.problems.empty()) {
    std::size_t n = services.is_array() ? services.size() : 0;
    summary = std::to_string(n) + " service" + (n == 1 ? "" : "s") +
              " up and announced, ExaBGP bridge ok";
  } else {
    summary = j.problems.front();
    if (j.problems.size() > 1) summary += " (+" + std::to_string(j.problems.size() - 1) + " more)";
  }
  v.lines.push_back(std::string(verdict_name(v.exit_code)) + ": " + summary);
  for (std::size_t i = 1; i < j.problems.size(); ++i) v.lines.push_back("also: " + j.problems[i]);
  for (auto& d : details) v.lines.push_back(std::move(d));
  v.lines.push_back(bline);
  if (updated) v.lines.push_back("status updated " + ago(now_unix - *updated) + " ago");
  v.json = {{"exit_code", v.exit_code},
            {"verdict", verdict_name(v.exit_code)},
            {"problems", j.problems},
            {"status", status}};
  return v;
}

}  // namespace sidecar
