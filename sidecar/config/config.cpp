// Configuration loading and validation. Every problem is collected (not just the first) and named
// by its JSON field path, so one check-config run tells the operator everything to fix. This file
// walks the root; each section's rules live in config_<section>.cpp, the generic field checker in
// config_fields.cpp.
#include "sidecar/config/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "sidecar/config/config_names.hpp"
#include "sidecar/config/config_sections.hpp"
#include "sidecar/lib/limits.hpp"
#include "sidecar/lib/log.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/lib/regular_file.hpp"

namespace sidecar {
namespace {

using namespace config_detail;
using text::printable;

// nlohmann keeps the last of two equal keys without a word: `"services"` twice silently drops
// the first list. The parser callback sees every key, so duplicates are found while parsing.
class DuplicateKeys {
 public:
  std::vector<std::string> found;

  bool operator()(int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames_.push_back({true, {}, {}});
        break;
      case json::parse_event_t::array_start:
        frames_.push_back({false, {}, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!frames_.empty()) frames_.pop_back();
        element_done();
        break;
      case json::parse_event_t::value:
        element_done();
        break;
      case json::parse_event_t::key:
        if (!frames_.empty() && parsed.is_string()) {
          auto& top = frames_.back();
          top.last_key = parsed.get<std::string>();
          if (!top.keys.insert(top.last_key).second && found.size() < 20) {
            found.push_back(printable(path(), 300) + ": key appears twice in the same object " +
                            "(JSON keeps only the last one: remove or merge the other)");
          }
        }
        break;
      default:
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string last_key;
    std::size_t index = 0;  // in an array: the element being parsed
  };
  // A value ended: in an array, the next one has the next index (paths name it: services[1]).
  void element_done() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  std::string path() const {
    std::string p;
    for (const auto& f : frames_) {
      if (f.object) {
        p += (p.empty() ? "" : ".") + f.last_key;
      } else {
        p += "[" + std::to_string(f.index) + "]";
      }
    }
    return p;
  }
  std::vector<Frame> frames_;
};

std::string syntax_problem(std::string_view text) {
  // Re-parse with exceptions to learn where: nlohmann reports line and column.
  try {
    auto again = json::parse(text.begin(), text.end(), nullptr, true, true);
    return "(file): not valid JSON (" + type_name(again) + ")";
  } catch (const json::parse_error& e) {
    // The position is computed here from the byte offset so the message does not depend on
    // the wording of nlohmann's what().
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    auto pos = what.find("syntax error");
    return "(file): not valid JSON at line " + std::to_string(line) + ", column " +
           std::to_string(column) + ": " +
           printable(pos == std::string::npos ? what : what.substr(pos), 300);
  } catch (const json::exception& e) {
    // Not a syntax error: a number too large for a double (1e400) is reported as out_of_range.
    return std::string("(file): not valid JSON: ") +
           (e.id == 406 ? "a number is too large" : "unreadable value");
  }
}

void parse_exabgp(Checker& c, const json& e, Config* config) {
  c.known_keys(e, "exabgp",
               {"ack", "ack_timeout_ms", "ping_interval_ms", "refresh_ms", "hitless_restart"});
  c.boolean(e, "ack", "exabgp", &config->exabgp.ack);
  c.millis(e, "ack_timeout_ms", "exabgp", &config->exabgp.ack_timeout, 100, 600000);
  c.millis(e, "ping_interval_ms", "exabgp", &config->exabgp.ping_interval, 100, 3600000);
  c.millis(e, "refresh_ms", "exabgp", &config->exabgp.refresh, 0, 86400000);
  c.boolean(e, "hitless_restart", "exabgp", &config->exabgp.hitless_restart);
}

// Files the daemon writes must be distinct: a maintenance file equal to the status file puts the
// service in maintenance as soon as the status is written; a metrics file equal to it overwrites
// the status with Prometheus text, so `status` reads garbage.
void distinct_files(Checker& c, const Config& config) {
  if (!config.metrics_file.empty() && config.metrics_file == config.status_file) {
    c.add("metrics_file",
          "\"" + config.metrics_file + "\" is also the status_file: give each its own path");
  }
  for (std::size_t i = 0; i < config.services.size(); ++i) {
    const auto& m = config.services[i].maintenance_file;
    auto p = "services[" + std::to_string(i) + "].maintenance_file";
    if (m == config.status_file) {
      c.add(p, "\"" + m + "\" is also the status_file: the status would put it in maintenance");
    } else if (!config.metrics_file.empty() && m == config.metrics_file) {
      c.add(p, "\"" + m + "\" is also the metrics_file: give each its own path");
    } else {
      // Shared, `maintenance off --service a` would also end b's maintenance, unannounced.
      for (std::size_t j = 0; j < i; ++j) {
        if (config.services[j].maintenance_file == m) {
          c.add(p, "\"" + m + "\" is also services[" + std::to_string(j) +
                       "].maintenance_file: give each service its own");
          break;
        }
      }
    }
  }
}

// Ownership per (prefix, neighbor): two routes of one prefix overlap when they share a neighbor
// or either has none (every peer). Whatever one of them does (maintenance, down) would withdraw
// or replace the other's announcement at the shared peers, so one owner each.
class RouteOwners {
 public:
  void claim(Checker& c, const bridge::Route& route, const std::string& rpath) {
    for (const auto& [other, other_path] : claimed_) {
      if (other.prefix.text != route.prefix.text) continue;
      auto shared = shared_peer(other, route);
      if (!shared) continue;
      c.add(rpath + ".prefix", route.prefix.text + " " + *shared + " is already announced by " +
                                   other_path + " (one owner per prefix and neighbor)");
      return;
    }
    claimed_.emplace_back(route, rpath);
  }

 private:
  // A peer both routes reach, described; nullopt when their neighbors are disjoint.
  static std::optional<std::string> shared_peer(const bridge::Route& a, const bridge::Route& b) {
    if (a.neighbors.empty() || b.neighbors.empty()) {
      return std::string(a.neighbors.empty() && b.neighbors.empty() ? "to every peer"
                                                                    : "to every peer it names");
    }
    for (const auto& n : a.neighbors) {
      if (std::find(b.neighbors.begin(), b.neighbors.end(), n) != b.neighbors.end()) {
        return "to neighbor " + n;
      }
    }
    return std::nullopt;
  }
  std::vector<std::pair<bridge::Route, std::string>> claimed_;
};

void parse_services(Checker& c, const json& root, Config* config) {
  const auto* services = c.array(root, "services", "");
  if (!services || services->empty()) {
    if (!services && root.contains("services")) return;  // type problem already reported
    c.add("services", "at least one service is needed");
    return;
  }
  RouteOwners owners;
  for (std::size_t i = 0; i < services->size(); ++i) {
    ServiceConfig svc;
    auto path = "services[" + std::to_string(i) + "]";
    parse_service(c, (*services)[i], path, *config, &svc);
    for (std::size_t j = 0; j < config->services.size(); ++j) {
      if (!svc.name.empty() && config->services[j].name == svc.name) {
        c.add(path + ".name",
              "\"" + svc.name + "\" is already used by services[" + std::to_string(j) + "]");
      }
    }
    for (std::size_t r = 0; r < svc.routes.size(); ++r) {
      if (svc.routes[r].route.prefix.text.empty()) continue;
      owners.claim(c, svc.routes[r].route, path + ".routes[" + std::to_string(r) + "]");
    }
    config->services.push_back(std::move(svc));
  }
}

// fleet.node's default. gethostname() is a plain read of the kernel's uts name.
std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

}  // namespace

ConfigResult parse_config(std::string_view text) {
  ConfigResult result;
  Checker c;
  DuplicateKeys duplicates;
  // ignore_comments: the contract allows // and /* */ comments.
  auto root = json::parse(text.begin(), text.end(), std::ref(duplicates), false, true);
  if (root.is_discarded()) {
    result.problems.push_back(syntax_problem(text));
    return result;
  }
  if (!root.is_object()) {
    result.problems.push_back("(file): must be a JSON object, not " + type_name(root));
    return result;
  }
  c.problems = std::move(duplicates.found);
  Config config;
  c.known_keys(root, "",
               {"status_file", "metrics_file", "exabgp", "services", "log_level", "fleet"});
  c.string(root, "status_file", "", &config.status_file);
  c.string(root, "metrics_file", "", &config.metrics_file, true);
  if (c.string(root, "log_level", "", &config.log_level)) {
    if (log::Level level; !log::parse_level(config.log_level, &level)) {
      std::string names;
      for (const auto& [value, name] : log::kLevelNames)
        names += (names.empty() ? "" : ", ") + std::string(name);
      c.add("log_level", "must be one of " + names);
    }
  }
  if (auto* e = c.object(root, "exabgp", "")) parse_exabgp(c, *e, &config);
  parse_services(c, root, &config);
  if (auto* f = c.object(root, "fleet", "")) {
    config.fleet.emplace();
    parse_fleet(c, *f, host_name(), &*config.fleet);
  }
  distinct_files(c, config);
  result.problems = std::move(c.problems);
  if (result.problems.empty()) result.config = std::move(config);
  return result;
}

ConfigResult load_config_file(const std::string& path) {
  // Configurations are small; a huge file is a mistake, not something to load whole.
  auto file = read_regular_file(path, kMaxConfigBytes);
  if (!file.text) {
    ConfigResult r;
    r.problems.push_back(file.error);
    return r;
  }
  return parse_config(*file.text);
}

std::string best_effort_status_file(std::string_view config_text) {
  const std::string fallback = Config{}.status_file;
  auto root = json::parse(config_text.begin(), config_text.end(), nullptr, false, true);
  if (!root.is_object()) return fallback;
  auto it = root.find("status_file");
  if (it == root.end() || !it->is_string()) return fallback;
  auto s = it->get<std::string>();
  // Only a path the validator itself would accept: the daemon writes there.
  if (s.empty() || !text_problem(s).empty()) return fallback;
  return s;
}

bridge::Attributes default_when_degraded(const bridge::Attributes& attributes) {
  bridge::Attributes out = attributes;
  constexpr std::uint64_t kRaise = 1000, kMax = 4294967295ULL;
  out.med = static_cast<std::uint32_t>(
      attributes.med ? std::min<std::uint64_t>(kMax, std::uint64_t{*attributes.med} + kRaise)
                     : kRaise);
  return out;
}

bridge::Attributes drain_attributes(const bridge::Attributes& attributes) {
  auto out = default_when_degraded(attributes);
  constexpr std::string_view kGracefulShutdown = "65535:0";
  if (std::find(out.community.begin(), out.community.end(), kGracefulShutdown) ==
      out.community.end()) {
    out.community.emplace_back(kGracefulShutdown);
  }
  return out;
}

std::chrono::milliseconds longest_interval(const Config& config) {
  std::chrono::milliseconds longest{0};
  for (const auto& s : config.services) longest = std::max(longest, s.interval);
  return longest;
}

}  // namespace sidecar
