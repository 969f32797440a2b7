#include "sidecar/fleet/etcd_codec.hpp"

#include <array>
#include <charconv>

#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar::etcd {
namespace {

using nlohmann::json;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 64-bit integers come as strings; a plain JSON number is accepted too. Absent: 0.
bool int_field(const json& obj, const char* key, std::int64_t* out, std::string* error) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    *out = 0;
    return true;
  }
  if (it->is_number_integer()) {
    *out = it->get<std::int64_t>();
    return true;
  }
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return true;
  }
  *error = std::string("\"") + key + "\" is not an integer";
  return false;
}

bool bytes_field(const json& obj, const char* key, std::string* out, std::string* error) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    out->clear();
    return true;
  }
  if (it->is_string()) {
    if (auto raw = base64_decode(it->get_ref<const std::string&>())) {
      *out = std::move(*raw);
      return true;
    }
  }
  *error = std::string("\"") + key + "\" is not base64";
  return false;
}

bool bool_field(const json& obj, const char* key, bool* out, std::string* error) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    *out = false;
    return true;
  }
  if (it->is_boolean()) {
    *out = it->get<bool>();
    return true;
  }
  *error = std::string("\"") + key + "\" is not a boolean";
  return false;
}

bool header_revision(const json& answer, std::int64_t* out, std::string* error) {
  auto h = answer.find("header");
  if (h == answer.end() || !h->is_object()) {
    *error = "no header";
    return false;
  }
  return int_field(*h, "revision", out, error);
}

bool parse_kv(const json& j, KeyValue* kv, std::string* error) {
  if (!j.is_object()) {
    *error = "a key-value is not an object";
    return false;
  }
  return bytes_field(j, "key", &kv->key, error) && bytes_field(j, "value", &kv->value, error) &&
         int_field(j, "create_revision", &kv->create_revision, error) &&
         int_field(j, "mod_revision", &kv->mod_revision, error) &&
         int_field(j, "version", &kv->version, error) && int_field(j, "lease", &kv->lease, error);
}

bool parse_range_body(const json& answer, RangeAnswer* out, std::string* error) {
  if (!answer.is_object()) {
    *error = "a range answer is not an object";
    return false;
  }
  // A range inside a txn carries a header with the revision only; at the top level it is required.
  if (answer.contains("header") && !header_revision(answer, &out->revision, error)) return false;
  if (!bool_field(answer, "more", &out->more, error)) return false;
  auto kvs = answer.find("kvs");
  if (kvs == answer.end() || kvs->is_null()) return true;
  if (!kvs->is_array()) {
    *error = "\"kvs\" is not an array";
    return false;
  }
  out->kvs.reserve(kvs->size());
  for (const auto& j : *kvs) {
    KeyValue kv;
    if (!parse_kv(j, &kv, error)) return false;
    out->kvs.push_back(std::move(kv));
  }
  return true;
}

const char* target_name(Txn::Target t) {
  switch (t) {
    case Txn::Target::version:
      return "VERSION";
    case Txn::Target::create:
      return "CREATE";
    case Txn::Target::mod:
      return "MOD";
    case Txn::Target::value:
      return "VALUE";
    case Txn::Target::lease:
      return "LEASE";
  }
  return "VERSION";
}

const char* op_name(Txn::Op op) {
  switch (op) {
    case Txn::Op::equal:
      return "EQUAL";
    case Txn::Op::greater:
      return "GREATER";
    case Txn::Op::less:
      return "LESS";
    case Txn::Op::not_equal:
      return "NOT_EQUAL";
  }
  return "EQUAL";
}

json key_json(std::string_view key, bool prefix) {
  json j = {{"key", base64_encode(key)}};
  if (prefix) j["range_end"] = base64_encode(prefix_range_end(key));
  return j;
}

}  // namespace

std::string base64_encode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    std::uint32_t n =
        (std::uint8_t(raw[i]) << 16) | (std::uint8_t(raw[i + 1]) << 8) | std::uint8_t(raw[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == raw.size()) {
    std::uint32_t n = std::uint8_t(raw[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == raw.size()) {
    std::uint32_t n = (std::uint8_t(raw[i]) << 16) | (std::uint8_t(raw[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  static const auto table = [] {
    std::array<int, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = i;
    return t;
  }();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      unsigned char ch = text[i + k];
      if (ch == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad > 0 || table[ch] < 0) {
        return std::nullopt;  // a character after '=' or outside the alphabet
      } else {
        v[k] = table[ch];
      }
    }
    std::uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string prefix_range_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::string(1, '\0');
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

std::string range_request(std::string_view key, bool prefix, std::int64_t limit) {
  auto j = key_json(key, prefix);
  if (limit > 0) j["limit"] = std::to_string(limit);
  return j.dump();
}

std::string put_request(std::string_view key, std::string_view value, std::int64_t lease) {
  json j = {{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  if (lease != 0) j["lease"] = std::to_string(lease);
  return j.dump();
}

std::string delete_request(std::string_view key) {
  return key_json(key, false).dump();
}

std::string lease_grant_request(std::int64_t ttl_s) {
  return json{{"TTL", std::to_string(ttl_s)}}.dump();
}

std::string lease_id_request(std::int64_t id) {
  return json{{"ID", std::to_string(id)}}.dump();
}

std::string watch_request(std::string_view prefix, std::int64_t start_revision) {
  auto create = key_json(prefix, true);
  if (start_revision > 0) create["start_revision"] = std::to_string(start_revision);
  return json{{"create_request", create}}.dump();
}

std::string authenticate_request(std::string_view name, std::string_view password) {
  return dump_json(json{{"name", std::string(name)}, {"password", std::string(password)}});
}

Txn& Txn::compare(std::string_view key, Target target, Op op, std::int64_t number) {
  static const char* field[] = {"version", "create_revision", "mod_revision", "value", "lease"};
  json c = {{"key", base64_encode(key)},
            {"target", target_name(target)},
            {"result", op_name(op)},
            {field[static_cast<int>(target)], std::to_string(number)}};
  compares_.push_back(std::move(c));
  return *this;
}

Txn& Txn::compare_value(std::string_view key, Op op, std::string_view value) {
  compares_.push_back({{"key", base64_encode(key)},
                       {"target", "VALUE"},
                       {"result", op_name(op)},
                       {"value", base64_encode(value)}});
  return *this;
}

Txn& Txn::put(bool on_success, std::string_view key, std::string_view value, std::int64_t lease) {
  (on_success ? success_ : failure_)
      .push_back({{"request_put", json::parse(put_request(key, value, lease))}});
  return *this;
}

Txn& Txn::del(bool on_success, std::string_view key) {
  (on_success ? success_ : failure_).push_back({{"request_delete_range", key_json(key, false)}});
  return *this;
}

Txn& Txn::range(bool on_success, std::string_view key, bool prefix) {
  (on_success ? success_ : failure_).push_back({{"request_range", key_json(key, prefix)}});
  return *this;
}

std::string Txn::body() const {
  return json{{"compare", compares_}, {"success", success_}, {"failure", failure_}}.dump();
}

Result<json> parse_json(std::string_view body) {
  auto j = json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) return std::string("not JSON");
  if (!j.is_object()) return std::string("not a JSON object");
  return j;
}

std::optional<std::string> answer_error(const json& answer) {
  for (const char* key : {"error", "message"}) {
    auto it = answer.find(key);
    if (it == answer.end()) continue;
    if (it->is_string()) return text::printable(it->get_ref<const std::string&>(), 300);
    if (it->is_object()) {
      // The watch stream's {"error": {"grpc_code": .., "message": ..}}.
      auto m = it->find("message");
      if (m != it->end() && m->is_string()) {
        return text::printable(m->get_ref<const std::string&>(), 300);
      }
    }
    return std::string("an error of unexpected form");
  }
  return std::nullopt;
}

Result<RangeAnswer> parse_range(const json& answer) {
  if (auto e = answer_error(answer)) return *e;
  RangeAnswer out;
  std::string error;
  if (!header_revision(answer, &out.revision, &error) || !parse_range_body(answer, &out, &error)) {
    return "range: " + error;
  }
  return out;
}

Result<TxnAnswer> parse_txn(const json& answer) {
  if (auto e = answer_error(answer)) return *e;
  TxnAnswer out;
  std::string error;
  if (!header_revision(answer, &out.revision, &error) ||
      !bool_field(answer, "succeeded", &out.succeeded, &error)) {
    return "txn: " + error;
  }
  auto rs = answer.find("responses");
  if (rs == answer.end() || rs->is_null()) return out;
  if (!rs->is_array()) return std::string("txn: \"responses\" is not an array");
  for (const auto& r : *rs) {
    if (!r.is_object()) return std::string("txn: a response is not an object");
    auto range = r.find("response_range");
    if (range == r.end()) continue;
    RangeAnswer ra;
    if (!parse_range_body(*range, &ra, &error)) return "txn: " + error;
    out.ranges.push_back(std::move(ra));
  }
  return out;
}

Result<std::int64_t> parse_put(const json& answer) {
  if (auto e = answer_error(answer)) return *e;
  std::int64_t revision = 0;
  std::string error;
  if (!header_revision(answer, &revision, &error)) return "put: " + error;
  return revision;
}

Result<LeaseAnswer> parse_lease(const json& answer) {
  if (auto e = answer_error(answer)) return *e;
  const json* body = &answer;
  if (auto r = answer.find("result"); r != answer.end()) {
    if (!r->is_object()) return std::string("lease: \"result\" is not an object");
    body = &*r;
  }
  LeaseAnswer out;
  std::string error;
  if (!int_field(*body, "ID", &out.id, &error) || !int_field(*body, "TTL", &out.ttl, &error)) {
    return "lease: " + error;
  }
  auto e = body->find("error");
  if (e != body->end() && e->is_string() && !e->get_ref<const std::string&>().empty()) {
    return "lease: " + text::printable(e->get_ref<const std::string&>(), 300);
  }
  return out;
}

Result<Token> parse_token(const json& answer) {
  if (auto e = answer_error(answer)) return *e;
  auto t = answer.find("token");
  if (t == answer.end() || !t->is_string() || t->get_ref<const std::string&>().empty() ||
      t->get_ref<const std::string&>().size() > 4096 ||
      !text::valid_utf8(t->get_ref<const std::string&>())) {
    return std::string("authenticate: no usable token");
  }
  return Token{t->get<std::string>()};
}

Result<WatchMessage> parse_watch_message(const json& message) {
  if (auto e = answer_error(message)) return *e;
  auto r = message.find("result");
  if (r == message.end() || !r->is_object()) return std::string("watch: no \"result\" object");
  WatchMessage out;
  std::string error;
  if (!header_revision(*r, &out.revision, &error) ||
      !bool_field(*r, "created", &out.created, &error) ||
      !bool_field(*r, "canceled", &out.canceled, &error) ||
      !int_field(*r, "compact_revision", &out.compact_revision, &error)) {
    return "watch: " + error;
  }
  if (auto c = r->find("cancel_reason"); c != r->end() && c->is_string()) {
    out.cancel_reason = text::printable(c->get_ref<const std::string&>(), 300);
  }
  auto events = r->find("events");
  if (events == r->end() || events->is_null()) return out;
  if (!events->is_array()) return std::string("watch: \"events\" is not an array");
  for (const auto& e : *events) {
    if (!e.is_object()) return std::string("watch: an event is not an object");
    WatchEvent ev;
    auto type = e.find("type");
    if (type != e.end() && !type->is_null()) {
      if (!type->is_string()) return std::string("watch: an event's type is not a string");
      const auto& t = type->get_ref<const std::string&>();
      if (t == "DELETE") {
        ev.type = WatchEvent::Type::del;
      } else if (t != "PUT") {
        return "watch: unknown event type " + text::printable(t, 40);
      }
    }
    auto kv = e.find("kv");
    if (kv == e.end() || !parse_kv(*kv, &ev.kv, &error)) {
      return "watch: " + (error.empty() ? std::string("an event without kv") : error);
    }
    out.events.push_back(std::move(ev));
  }
  return out;
}

}  // namespace sidecar::etcd
