#include "sidecar/fleet/fleet_records.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/printable.hpp"

namespace fleet {
namespace {

using json = nlohmann::json;

double round_ms(double t) {
  return std::round(t * 1000.0) / 1000.0;
}

// The checks every record passes before its fields are read: size, UTF-8, depth, JSON, an
// object, a known version. Returns the document, or null with `error` set.
std::optional<json> open_record(std::string_view bytes, std::string& error) {
  if (bytes.size() > kMaxRecordBytes) {
    error = std::to_string(bytes.size()) + " bytes, more than " + std::to_string(kMaxRecordBytes);
    return std::nullopt;
  }
  if (!text::valid_utf8(bytes)) {
    error = "not UTF-8";
    return std::nullopt;
  }
  if (sidecar::json_depth(bytes, kMaxDepth) > kMaxDepth) {
    error = "nested deeper than " + std::to_string(kMaxDepth);
    return std::nullopt;
  }
  json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded()) {
    error = "not JSON";
    return std::nullopt;
  }
  if (!doc.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  auto v = doc.find("v");
  if (v == doc.end()) {
    error = "no version (\"v\")";
    return std::nullopt;
  }
  if (!v->is_number_integer()) {
    error = "v: not an integer";
    return std::nullopt;
  }
  if (v->get<std::int64_t>() != kRecordVersion) {
    error = "unknown version " + std::to_string(v->get<std::int64_t>()) + " (this node reads " +
            std::to_string(kRecordVersion) + "; upgrade it)";
    return std::nullopt;
  }
  return doc;
}

// Reads typed fields off a parsed record, remembering the first problem with its path. Every
// getter returns a neutral value once something failed, so callers read on and check ok() once.
class Reader {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void fail(const std::string& path, const std::string& what) {
    if (error_.empty()) error_ = path + ": " + what;
  }

  const json* find(const json& obj, const std::string& path, const char* key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end() || (!required && it->is_null())) {
      if (required) fail(path + key, "missing");
      return nullptr;
    }
    return &*it;
  }

  std::string text(const json& obj, const std::string& path, const char* key, std::size_t max,
                   bool required = true) {
    const json* j = find(obj, path, key, required);
    if (!j) return {};
    if (!j->is_string()) {
      fail(path + key, "not a string");
      return {};
    }
    const auto& s = j->get_ref<const std::string&>();
    if (s.size() > max) {
      fail(path + key, std::to_string(s.size()) + " bytes, more than " + std::to_string(max));
      return {};
    }
    return s;
  }

  std::string node(const json& obj, const std::string& path, const char* key) {
    auto n = text(obj, path, key, kMaxNameBytes);
    if (ok() && !valid_node_name(n)) fail(path + key, "not a node name");
    return n;
  }

  double unix_time(const json& obj, const std::string& path, const char* key) {
    const json* j = find(obj, path, key, true);
    if (!j) return 0;
    if (!j->is_number()) {
      fail(path + key, "not a number");
      return 0;
    }
    double t = j->get<double>();
    if (!(t >= 0 && t <= kMaxUnixTime)) {
      fail(path + key, "not a time");
      return 0;
    }
    return t;
  }

  bool boolean(const json& obj, const std::string& path, const char* key) {
    const json* j = find(obj, path, key, true);
    if (!j) return false;
    if (!j->is_boolean()) {
      fail(path + key, "not true or false");
      return false;
    }
    return j->get<bool>();
  }

  // An array of at most `max` entries; an absent or null optional one reads as empty.
  const json& array(const json& obj, const std::string& path, const char* key, std::size_t max,
                    bool required) {
    static const json kEmpty = json::array();
    const json* j = find(obj, path, key, required);
    if (!j) return kEmpty;
    if (!j->is_array()) {
      fail(path + key, "not a list");
      return kEmpty;
    }
    if (j->size() > max) {
      fail(path + key, std::to_string(j->size()) + " entries, more than " + std::to_string(max));
      return kEmpty;
    }
    return *j;
  }

  // An object, or nullptr when the key is absent or null.
  const json* object_or_null(const json& obj, const std::string& path, const char* key) {
    const json* j = find(obj, path, key, false);
    if (j && !j->is_object()) {
      fail(path + key, "not an object");
      return nullptr;
    }
    return j;
  }

  bool is_object(const json& j, const std::string& path) {
    if (!j.is_object()) fail(path, "not an object");
    return j.is_object();
  }

 private:
  std::string error_;
};

std::string at(const std::string& list, std::size_t i) {
  return list + "[" + std::to_string(i) + "].";
}

template <typename T>
Parsed<T> failed(std::string error) {
  Parsed<T> p;
  p.error = std::move(error);
  return p;
}

template <typename T>
Parsed<T> result(Reader& r, T value) {
  if (!r.ok()) return failed<T>(r.error());
  Parsed<T> p;
  p.value = std::move(value);
  return p;
}

std::string node_mismatch(const std::string& record_node, std::string_view key_node) {
  return "record of node \"" + record_node + "\" under the key of \"" + std::string(key_node) +
         "\"";
}

// Cut to a bound, on a character boundary, so that a reader's bound never rejects our writing;
// control characters become '?' (JSON would escape each to 6 bytes, and no reader wants them).
std::string cut(const std::string& s, std::size_t max) {
  auto out = s.size() <= max && text::valid_utf8(s) ? s : text::to_utf8(s, max);
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string finish(json doc) {
  sidecar::valid_utf8_strings(doc);
  return sidecar::dump_json(doc);
}

}  // namespace

bool out_of_service(const ServiceRecord& s) {
  if (s.maintenance || s.state == "disabled" || s.state == "down") return true;
  bool announcing_state = s.state == "up" || s.state == "degraded" || s.state == "falling";
  return !announcing_state && s.desired == "withdraw";
}

const Slot* BudgetRecord::held_by(std::string_view node) const {
  for (const auto& s : slots) {
    if (s.node == node) return &s;
  }
  return nullptr;
}

bool FloorRecord::has(std::string_view node) const {
  return std::find(announcers.begin(), announcers.end(), node) != announcers.end();
}

std::string render(const MemberRecord& r) {
  return finish({{"v", kRecordVersion},
                 {"node", cut(r.node, kMaxNameBytes)},
                 {"joined_unix", round_ms(r.joined_unix)},
                 {"version", cut(r.version, kMaxLabelBytes)}});
}

std::string render(const PresenceRecord& r) {
  // Out of service first: if the bound cuts services off, it cuts those in service.
  std::vector<const ServiceRecord*> order;
  for (const auto& s : r.services) {
    if (out_of_service(s)) order.push_back(&s);
  }
  for (const auto& s : r.services) {
    if (!out_of_service(s)) order.push_back(&s);
  }
  json services = json::array();
  for (std::size_t i = 0; i < order.size() && i < kMaxServices; ++i) {
    const auto& s = *order[i];
    json routes = json::array();
    for (std::size_t k = 0; k < s.routes.size() && k < kMaxRoutes; ++k) {
      routes.push_back({{"prefix", cut(s.routes[k].prefix, kMaxLabelBytes)},
                        {"desired", cut(s.routes[k].desired, kMaxLabelBytes)}});
    }
    json maintenance = nullptr;
    if (s.maintenance) {
      maintenance = {{"reason", cut(s.maintenance->reason, kMaxTextBytes)},
                     {"since_unix", round_ms(s.maintenance->since_unix)}};
    }
    services.push_back({{"name", cut(s.name, kMaxLabelBytes)},
                        {"state", cut(s.state, kMaxLabelBytes)},
                        {"desired", cut(s.desired, kMaxLabelBytes)},
                        {"reason", cut(s.reason, kMaxTextBytes)},
                        {"since_unix", round_ms(s.since_unix)},
                        {"maintenance", maintenance},
                        {"routes", routes}});
  }
  json verify = nullptr;
  if (r.verify) {
    verify = {{"ok", r.verify->ok},
              {"service", cut(r.verify->service, kMaxLabelBytes)},
              {"check", cut(r.verify->check, kMaxLabelBytes)},
              {"reason", cut(r.verify->reason, kMaxTextBytes)},
              {"at_unix", round_ms(r.verify->at_unix)}};
  }
  json floor = json::array();
  for (std::size_t i = 0; i < r.floor_hold.size() && i < kMaxFloorHolds; ++i) {
    floor.push_back(cut(r.floor_hold[i], kMaxLabelBytes));
  }
  return finish({{"v", kRecordVersion},
                 {"node", cut(r.node, kMaxNameBytes)},
                 {"version", cut(r.version, kMaxLabelBytes)},
                 {"updated_unix", round_ms(r.updated_unix)},
                 {"services", services},
                 {"services_total", r.services.size()},
                 {"verify", verify},
                 {"floor_hold", floor}});
}

std::string render(const BudgetRecord& r) {
  json slots = json::array();
  for (std::size_t i = 0; i < r.slots.size() && i < kMaxSlots; ++i) {
    const auto& s = r.slots[i];
    slots.push_back({{"node", cut(s.node, kMaxNameBytes)},
                     {"reason", cut(s.reason, kMaxTextBytes)},
                     {"since_unix", round_ms(s.since_unix)}});
  }
  return finish({{"v", kRecordVersion}, {"slots", slots}});
}

std::string render(const FloorRecord& r) {
  json announcers = json::array();
  for (std::size_t i = 0; i < r.announcers.size() && i < kMaxNodesPerFloor; ++i) {
    announcers.push_back(cut(r.announcers[i], kMaxNameBytes));
  }
  return finish({{"v", kRecordVersion},
                 {"prefix", cut(r.prefix, kMaxLabelBytes)},
                 {"announcers", announcers}});
}

Parsed<MemberRecord> parse_member(std::string_view bytes, std::string_view key_node) {
  std::string error;
  auto doc = open_record(bytes, error);
  if (!doc) return failed<MemberRecord>(error);
  Reader r;
  MemberRecord m;
  m.node = r.node(*doc, "", "node");
  m.joined_unix = r.unix_time(*doc, "", "joined_unix");
  m.version = r.text(*doc, "", "version", kMaxLabelBytes);
  if (r.ok() && m.node != key_node) return failed<MemberRecord>(node_mismatch(m.node, key_node));
  return result(r, std::move(m));
}

Parsed<PresenceRecord> parse_presence(std::string_view bytes, std::string_view key_node) {
  std::string error;
  auto doc = open_record(bytes, error);
  if (!doc) return failed<PresenceRecord>(error);
  Reader r;
  PresenceRecord p;
  p.node = r.node(*doc, "", "node");
  p.version = r.text(*doc, "", "version", kMaxLabelBytes);
  p.updated_unix = r.unix_time(*doc, "", "updated_unix");
  const auto& services = r.array(*doc, "", "services", kMaxServices, true);
  for (std::size_t i = 0; i < services.size() && r.ok(); ++i) {
    const auto& j = services[i];
    auto path = at("services", i);
    if (!r.is_object(j, "services[" + std::to_string(i) + "]")) break;
    ServiceRecord s;
    s.name = r.text(j, path, "name", kMaxLabelBytes);
    s.state = r.text(j, path, "state", kMaxLabelBytes);
    s.desired = r.text(j, path, "desired", kMaxLabelBytes);
    s.reason = r.text(j, path, "reason", kMaxTextBytes, false);
    s.since_unix = r.unix_time(j, path, "since_unix");
    if (const json* m = r.object_or_null(j, path, "maintenance")) {
      s.maintenance = MaintenanceRecord{r.text(*m, path + "maintenance.", "reason", kMaxTextBytes),
                                        r.unix_time(*m, path + "maintenance.", "since_unix")};
    }
    const auto& routes = r.array(j, path, "routes", kMaxRoutes, false);
    for (std::size_t k = 0; k < routes.size() && r.ok(); ++k) {
      auto rpath = path + at("routes", k);
      if (!r.is_object(routes[k], path + "routes[" + std::to_string(k) + "]")) break;
      s.routes.push_back({r.text(routes[k], rpath, "prefix", kMaxLabelBytes),
                          r.text(routes[k], rpath, "desired", kMaxLabelBytes)});
    }
    p.services.push_back(std::move(s));
  }
  p.services_total = p.services.size();
  if (const json* total = r.find(*doc, "", "services_total", false)) {
    if (!total->is_number_unsigned() || total->get<std::uint64_t>() < p.services.size() ||
        total->get<std::uint64_t>() > 1000000) {
      r.fail("services_total", "not a count of at least the services listed");
    } else {
      p.services_total = total->get<std::size_t>();
    }
  }
  if (const json* v = r.object_or_null(*doc, "", "verify")) {
    VerifyRecord vr;
    vr.ok = r.boolean(*v, "verify.", "ok");
    vr.service = r.text(*v, "verify.", "service", kMaxLabelBytes, false);
    vr.check = r.text(*v, "verify.", "check", kMaxLabelBytes, false);
    vr.reason = r.text(*v, "verify.", "reason", kMaxTextBytes, false);
    vr.at_unix = r.unix_time(*v, "verify.", "at_unix");
    p.verify = std::move(vr);
  }
  const auto& floor = r.array(*doc, "", "floor_hold", kMaxFloorHolds, false);
  for (std::size_t i = 0; i < floor.size() && r.ok(); ++i) {
    if (!floor[i].is_string() || floor[i].get_ref<const std::string&>().size() > kMaxLabelBytes) {
      r.fail("floor_hold[" + std::to_string(i) + "]", "not a prefix");
      break;
    }
    p.floor_hold.push_back(floor[i].get<std::string>());
  }
  if (r.ok() && p.node != key_node) return failed<PresenceRecord>(node_mismatch(p.node, key_node));
  return result(r, std::move(p));
}

Parsed<BudgetRecord> parse_budget(std::string_view bytes) {
  std::string error;
  auto doc = open_record(bytes, error);
  if (!doc) return failed<BudgetRecord>(error);
  Reader r;
  BudgetRecord b;
  const auto& slots = r.array(*doc, "", "slots", kMaxSlots, true);
  for (std::size_t i = 0; i < slots.size() && r.ok(); ++i) {
    auto path = at("slots", i);
    if (!r.is_object(slots[i], "slots[" + std::to_string(i) + "]")) break;
    Slot s;
    s.node = r.node(slots[i], path, "node");
    s.reason = r.text(slots[i], path, "reason", kMaxTextBytes, false);
    s.since_unix = r.unix_time(slots[i], path, "since_unix");
    if (r.ok() && b.held_by(s.node)) {
      r.fail(path + "node", "\"" + s.node + "\" holds two slots");
      break;
    }
    b.slots.push_back(std::move(s));
  }
  return result(r, std::move(b));
}

Parsed<FloorRecord> parse_floor(std::string_view bytes) {
  std::string error;
  auto doc = open_record(bytes, error);
  if (!doc) return failed<FloorRecord>(error);
  Reader r;
  FloorRecord f;
  f.prefix = r.text(*doc, "", "prefix", kMaxLabelBytes);
  const auto& announcers = r.array(*doc, "", "announcers", kMaxNodesPerFloor, true);
  for (std::size_t i = 0; i < announcers.size() && r.ok(); ++i) {
    const auto& a = announcers[i];
    if (!a.is_string() || !valid_node_name(a.get_ref<const std::string&>())) {
      r.fail("announcers[" + std::to_string(i) + "]", "not a node name");
      break;
    }
    if (f.has(a.get_ref<const std::string&>())) {
      r.fail("announcers[" + std::to_string(i) + "]", "listed twice");
      break;
    }
    f.announcers.push_back(a.get<std::string>());
  }
  return result(r, std::move(f));
}

}  // namespace fleet
