#include "sidecar/status/status_reader.hpp"

#include <initializer_list>

#include "sidecar/lib/regular_file.hpp"

namespace sidecar {
namespace {

using json = nlohmann::json;

// The JSON types a field of the status file may have (schema 1).
enum class Type {
  string,
  number,
  boolean,
  object,
  array,
  number_or_null,
  string_or_null,
  object_or_null
};

bool has_type(const json& v, Type t) {
  switch (t) {
    case Type::string:
      return v.is_string();
    case Type::number:
      return v.is_number();
    case Type::boolean:
      return v.is_boolean();
    case Type::object:
      return v.is_object();
    case Type::array:
      return v.is_array();
    case Type::number_or_null:
      return v.is_number() || v.is_null();
    case Type::string_or_null:
      return v.is_string() || v.is_null();
    case Type::object_or_null:
      return v.is_object() || v.is_null();
  }
  return false;
}

const char* type_text(Type t) {
  switch (t) {
    case Type::string:
      return "a string";
    case Type::number:
      return "a number";
    case Type::boolean:
      return "true or false";
    case Type::object:
      return "an object";
    case Type::array:
      return "a list";
    case Type::number_or_null:
      return "a number or null";
    case Type::string_or_null:
      return "a string or null";
    case Type::object_or_null:
      return "an object or null";
  }
  return "?";
}

struct Field {
  const char* key;
  Type type;
  bool required = false;
};

// The first field of `obj` (itself at path `at`) that is missing while required or present with
// another type; "" when all hold.
std::string check_fields(const json& obj, const std::string& at,
                         std::initializer_list<Field> fields) {
  if (!obj.is_object()) return at + " is not an object";
  for (const auto& f : fields) {
    auto it = obj.find(f.key);
    auto path = (at.empty() ? "" : at + ".") + f.key;
    if (it == obj.end()) {
      if (f.required) return path + " is missing";
      continue;
    }
    if (!has_type(*it, f.type)) return path + " is not " + type_text(f.type);
  }
  return {};
}

// Each entry of the list at obj[key] (when present) checked by `each`, with its index in paths.
template <typename Each>
std::string check_list(const json& obj, const std::string& at, const char* key, Each each) {
  const json* list = array_at(obj, key);
  if (!list) return {};
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto problem = each((*list)[i], at + "." + key + "[" + std::to_string(i) + "]");
    if (!problem.empty()) return problem;
  }
  return {};
}

std::string check_service(const json& s, const std::string& at) {
  auto p = check_fields(s, at,
                        {{"name", Type::string, true},
                         {"state", Type::string, true},
                         {"since_unix", Type::number},
                         {"desired", Type::string},
                         {"announced", Type::boolean},
                         {"interval_ms", Type::number},
                         {"maintenance", Type::object_or_null},
                         {"checks", Type::array},
                         {"routes", Type::array},
                         {"transitions", Type::array}});
  if (!p.empty()) return p;
  if (const json* m = object_at(s, "maintenance")) {
    p = check_fields(*m, at + ".maintenance",
                     {{"reason", Type::string},
                      {"since_unix", Type::number},
                      {"drain_until_unix", Type::number}});
    if (!p.empty()) return p;
  }
  p = check_list(s, at, "checks", [](const json& c, const std::string& cat) {
    return check_fields(c, cat,
                        {{"name", Type::string},
                         {"ok", Type::boolean},
                         {"reason", Type::string_or_null},
                         {"detail", Type::string},
                         {"server", Type::string},
                         {"port", Type::number},
                         {"rtt_ms", Type::number_or_null},
                         {"at_unix", Type::number_or_null}});
  });
  if (!p.empty()) return p;
  p = check_list(s, at, "routes", [](const json& r, const std::string& rat) {
    auto q = check_fields(r, rat,
                          {{"prefix", Type::string, true},
                           {"next_hop", Type::string},
                           {"neighbors", Type::array},
                           {"desired", Type::string},
                           {"confirmed", Type::boolean}});
    if (!q.empty()) return q;
    return check_list(r, rat, "neighbors", [](const json& n, const std::string& nat) {
      return n.is_string() ? std::string() : nat + " is not a string";
    });
  });
  if (!p.empty()) return p;
  return check_list(s, at, "transitions", [](const json& t, const std::string& tat) {
    return check_fields(t, tat,
                        {{"at_unix", Type::number},
                         {"from", Type::string},
                         {"to", Type::string},
                         {"reason", Type::string}});
  });
}

}  // namespace

StatusDocument parse_status_text(std::string_view text) {
  StatusDocument out;
  if (text.size() > kMaxStatusFileBytes) {
    out.error = "larger than " + std::to_string(kMaxStatusFileBytes / (1024 * 1024)) + " MiB";
    return out;
  }
  if (json_depth(text, kMaxStatusDepth) > kMaxStatusDepth) {
    out.error = "nested deeper than " + std::to_string(kMaxStatusDepth) + " levels";
    return out;
  }
  auto doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    out.error = "not valid JSON";
  } else if (!doc.is_object()) {
    out.error = "not a JSON object";
  } else {
    out.doc = std::move(doc);
  }
  return out;
}

StatusDocument read_status_file(const std::string& path) {
  auto file = read_regular_file(path, kMaxStatusFileBytes);
  if (!file.text) return {json(), file.error};
  return parse_status_text(*file.text);
}

std::string schema_problem(const json& doc) {
  if (!doc.is_object()) return "not a JSON object";
  const json* schema = member(doc, "schema");
  if (!schema) return "schema is missing";
  if (!schema->is_number_integer() || *schema != 1) {
    // The value is the writer's: shown by its type only, never echoed.
    return schema->is_number() ? "schema is not 1 (this program reads schema 1)"
                               : "schema is not the number 1";
  }
  auto p = check_fields(doc, "",
                        {{"updated_unix", Type::number, true},
                         {"exabgp", Type::object, true},
                         {"services", Type::array, true},
                         {"version", Type::string},
                         {"pid", Type::number},
                         {"started_unix", Type::number},
                         {"seq", Type::number},
                         {"config_error", Type::array},
                         {"fleet", Type::object},
                         {"withdrawing", Type::array}});
  if (!p.empty()) return p;
  p = check_list(doc, "", "config_error", [](const json& l, const std::string& at) {
    return l.is_string() ? std::string() : at.substr(1) + " is not a string";
  });
  if (!p.empty()) return p;
  const json& ex = doc["exabgp"];
  p = check_fields(ex, "exabgp",
                   {{"state", Type::string, true},
                    {"pending_acks", Type::number},
                    {"last_ack_unix", Type::number_or_null},
                    {"detail", Type::string},
                    {"version", Type::string_or_null},
                    {"neighbors", Type::array}});
  if (!p.empty()) return p;
  p = check_list(ex, "exabgp", "neighbors", [](const json& n, const std::string& at) {
    return check_fields(
        n, at, {{"peer", Type::string}, {"state", Type::string}, {"since_unix", Type::number}});
  });
  if (!p.empty()) return p;
  p = check_list(doc, "", "services", check_service);
  // check_list joins paths with '.', which leaves a leading one at the top level.
  return !p.empty() && p[0] == '.' ? p.substr(1) : p;
}

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::optional<std::string> string_at(const json& j, const char* key) {
  const json* v = member(j, key);
  if (!v || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

std::optional<double> number_at(const json& j, const char* key) {
  const json* v = member(j, key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

std::optional<bool> bool_at(const json& j, const char* key) {
  const json* v = member(j, key);
  if (!v || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

const json* array_at(const json& j, const char* key) {
  const json* v = member(j, key);
  return v && v->is_array() ? v : nullptr;
}

const json* object_at(const json& j, const char* key) {
  const json* v = member(j, key);
  return v && v->is_object() ? v : nullptr;
}

}  // namespace sidecar
