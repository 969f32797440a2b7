#pragma once
// etcd's v3 JSON gateway, as values: the request bodies we send and the answers we read. Pure (no
// sockets): the client (etcd_client.hpp) only moves these bytes. Every answer is hostile input:
// a wrong type, a missing field, bad base64 or a number that is not one gives an error string,
// never an exception, and nothing here allocates more than the answer's own size.
//
// The gateway's conventions (checked against etcd 3.4.23): keys and values are base64; 64-bit
// integers are JSON strings ("revision": "12"); fields at their zero value are left out (a
// txn that failed has no "succeeded"); an error is {"error": ..., "code": N, "message": ...}.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidecar::etcd {

std::string base64_encode(std::string_view raw);
// nullopt on anything but canonical base64 (padding included).
std::optional<std::string> base64_decode(std::string_view text);
// The range_end that selects every key starting with prefix (etcd's rule: the prefix with its
// last byte incremented; "\0" when the prefix is all 0xff).
std::string prefix_range_end(std::string_view prefix);

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;
};

// An answer or why there is none (text for a log line or an operator).
template <class T>
using Result = std::variant<T, std::string>;
template <class T>
const std::string* error_of(const Result<T>& r) {
  return std::get_if<std::string>(&r);
}

struct RangeAnswer {
  std::int64_t revision = 0;  // the store's revision the answer was read at
  std::vector<KeyValue> kvs;
  bool more = false;  // cut by the limit
};

struct TxnAnswer {
  std::int64_t revision = 0;
  bool succeeded = false;
  // The ranges the executed branch asked for, in order (puts and deletes give none).
  std::vector<RangeAnswer> ranges;
};

struct LeaseAnswer {
  std::int64_t id = 0;
  std::int64_t ttl = 0;  // seconds; 0 (absent) from a keepalive: the lease is gone
};

struct WatchEvent {
  enum class Type { put, del } type = Type::put;
  KeyValue kv;
};

struct WatchMessage {
  bool created = false;
  bool canceled = false;
  std::int64_t revision = 0;
  std::int64_t compact_revision = 0;  // set: the asked revision was compacted away
  std::string cancel_reason;
  std::vector<WatchEvent> events;
};

// Request bodies (JSON text).
std::string range_request(std::string_view key, bool prefix, std::int64_t limit = 0);
std::string put_request(std::string_view key, std::string_view value, std::int64_t lease = 0);
std::string delete_request(std::string_view key);
std::string lease_grant_request(std::int64_t ttl_s);
std::string lease_id_request(std::int64_t id);  // keepalive, revoke
std::string watch_request(std::string_view prefix, std::int64_t start_revision);
std::string authenticate_request(std::string_view name, std::string_view password);

// A txn, built up: compares, then the operations of each branch.
class Txn {
 public:
  enum class Target { version, create, mod, value, lease };
  enum class Op { equal, greater, less, not_equal };
  Txn& compare(std::string_view key, Target target, Op op, std::int64_t number);
  Txn& compare_value(std::string_view key, Op op, std::string_view value);
  Txn& put(bool on_success, std::string_view key, std::string_view value, std::int64_t lease = 0);
  Txn& del(bool on_success, std::string_view key);
  Txn& range(bool on_success, std::string_view key, bool prefix);
  std::string body() const;

 private:
  nlohmann::json compares_ = nlohmann::json::array();
  nlohmann::json success_ = nlohmann::json::array();
  nlohmann::json failure_ = nlohmann::json::array();
};

// Answers. `body` is the HTTP body as received.
Result<nlohmann::json> parse_json(std::string_view body);
// The error an answer carries ({"error": ...} or {"message": ...}), if any.
std::optional<std::string> answer_error(const nlohmann::json& answer);
Result<RangeAnswer> parse_range(const nlohmann::json& answer);
Result<TxnAnswer> parse_txn(const nlohmann::json& answer);
Result<std::int64_t> parse_put(const nlohmann::json& answer);   // the revision written
Result<LeaseAnswer> parse_lease(const nlohmann::json& answer);  // grant; keepalive's "result"
struct Token {
  std::string text;
};
Result<Token> parse_token(const nlohmann::json& answer);  // authenticate
// One message of the watch stream ({"result": {...}} or an error object).
Result<WatchMessage> parse_watch_message(const nlohmann::json& message);

}  // namespace sidecar::etcd
