#include "sidecar/status/fleet_verdict.hpp"

#include <optional>

#include "sidecar/lib/ago.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/fleet_hint.hpp"

namespace sidecar {
namespace {

using json = nlohmann::json;

constexpr std::size_t kOutLinesShown = 10;

// The file is input: every string shown becomes one printable line, every number is checked.
std::string field(const json& j, const char* key, const std::string& fallback = "") {
  auto it = j.is_object() ? j.find(key) : j.end();
  return j.is_object() && it != j.end() && it->is_string()
             ? text::printable(it->get<std::string>(), 300)
             : fallback;
}

std::optional<double> number(const json& j, const char* key) {
  auto it = j.is_object() ? j.find(key) : j.end();
  if (!j.is_object() || it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string for_how_long(const std::optional<double>& since, double now) {
  return since ? " for " + text::ago(now - *since) : "";
}

std::string fleet_name(const json& f) {
  auto prefix = field(f, "prefix");
  return prefix.empty() ? "fleet" : "fleet " + prefix;
}

void judge_verify(const json& f, double now, FleetVerdict& v) {
  auto it = f.find("verify");
  if (it == f.end() || !it->is_object()) return;
  const json& verify = *it;
  if (!verify.contains("ok") || !verify["ok"].is_boolean() || verify["ok"].get<bool>()) return;
  auto service = field(verify, "service", "the service");
  auto check = field(verify, "check");
  std::string slot = "the fleet's slot is held";
  if (f.contains("slot") && f["slot"].is_object()) {
    slot += for_how_long(number(f["slot"], "since_unix"), now);
  }
  v.problems.push_back(
      {2, service + " failed verification (" + (check.empty() ? "" : "check " + check + ": ") +
              field(verify, "reason", "no reason given") + "): it stays in maintenance and " +
              slot +
              ", so the rollout stops here; next: fix it, then `anycast-sidecar maintenance off "
              "--verify`"});
}

// A count from the file as text, clamped before the cast (casting -1e300 is UB).
std::string count(std::optional<double> n) {
  double x = n.value_or(0);
  if (!(x > 0)) x = 0;
  return std::to_string(static_cast<long long>(std::min(x, 1e9)));
}

void describe(const json& f, const std::string& state, double now, FleetVerdict& v) {
  std::string line = fleet_name(f) + " " + state + for_how_long(number(f, "since_unix"), now) +
                     " (this node: " + field(f, "node", "?") + ")";
  const json none;
  const json& members = f.contains("members") ? f["members"] : none;
  if (auto known = number(members, "known")) {
    line += ": " + count(known) + " members, " + count(number(members, "present")) + " present";
  }
  if (auto allowed = number(f, "max_unavailable")) {
    line +=
        ", " + count(number(members, "out")) + " out of service of " + count(allowed) + " allowed";
  }
  v.details.push_back(line);
  if (f.contains("out_of_service") && f["out_of_service"].is_array()) {
    const auto& out = f["out_of_service"];
    for (std::size_t i = 0; i < out.size() && i < kOutLinesShown; ++i) {
      auto why = field(out[i], "why");
      v.details.push_back(
          "  out: " + field(out[i], "node", "?") + " " + field(out[i], "status", "?") +
          for_how_long(number(out[i], "since_unix"), now) + (why.empty() ? "" : " (" + why + ")"));
    }
    if (out.size() > kOutLinesShown) {
      v.details.push_back("  ... and " + std::to_string(out.size() - kOutLinesShown) + " more");
    }
  }
  if (f.contains("slot") && f["slot"].is_object()) {
    auto reason = field(f["slot"], "reason");
    v.details.push_back("  this node holds a fleet slot" +
                        for_how_long(number(f["slot"], "since_unix"), now) +
                        (reason.empty() ? "" : " (" + reason + ")"));
  }
}

}  // namespace

FleetVerdict judge_fleet(const json& status, double now_unix) {
  FleetVerdict v;
  auto it = status.is_object() ? status.find("fleet") : status.end();
  if (!status.is_object() || it == status.end() || it->is_null()) return v;
  const json& f = *it;
  if (!f.is_object()) {
    v.problems.push_back({1, "the status file's \"fleet\" is not an object"});
    return v;
  }
  auto state = field(f, "state", "unknown");
  if (state == "off") return v;
  describe(f, state, now_unix, v);
  if (state == "unreachable") {
    auto detail = field(f, "detail");
    v.problems.push_back(
        {1, fleet_name(f) + " unreachable" + for_how_long(number(f, "since_unix"), now_unix) +
                (detail.empty() ? "" : " (" + detail + ")") +
                ": routing goes on from this node's own checks, but no maintenance slot can be "
                "taken; " +
                fleet_next_step(detail)});
  } else if (state != "ok") {
    v.problems.push_back({1, fleet_name(f) + " in unknown state \"" + state + "\""});
  }
  judge_verify(f, now_unix, v);
  if (f.contains("floor_hold") && f["floor_hold"].is_array() && !f["floor_hold"].empty()) {
    std::string prefixes;
    for (const auto& p : f["floor_hold"]) {
      prefixes += (prefixes.empty() ? "" : ", ") +
                  (p.is_string() ? text::printable(p.get<std::string>(), 64) : std::string("?"));
    }
    v.problems.push_back(
        {1, "fleet floor holds " + prefixes +
                " announced: too few other nodes announce it, so this node does not withdraw "
                "for a soft failure; next: see which checks fail here and on the other nodes "
                "(`anycast-sidecar fleet`)"});
  }
  return v;
}

}  // namespace sidecar
