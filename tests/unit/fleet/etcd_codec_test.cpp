// etcd's JSON gateway as values: base64, the request bodies, and answers read as hostile input
// (every answer below is what etcd 3.4.23 sent, or that with one thing broken).
#include <catch2/catch.hpp>

#include <string>

#include "sidecar/fleet/etcd_codec.hpp"

using namespace sidecar::etcd;
using nlohmann::json;

namespace {

json parsed(const std::string& text) {
  auto r = parse_json(text);
  REQUIRE(std::holds_alternative<json>(r));
  return std::get<json>(r);
}

}  // namespace

TEST_CASE("etcd codec: base64 both ways, strict") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("/t/a") == "L3QvYQ==");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(base64_decode(base64_encode(all)) == all);
  CHECK(base64_decode("aGk=") == "hi");
  CHECK_FALSE(base64_decode("aGk"));       // not a multiple of 4
  CHECK_FALSE(base64_decode("a=Gk"));      // padding in the middle
  CHECK_FALSE(base64_decode("aG!k"));      // outside the alphabet
  CHECK_FALSE(base64_decode("aGk=aGk="));  // padding before the end
}

TEST_CASE("etcd codec: prefix range end") {
  CHECK(prefix_range_end("/a/") == "/a0");
  CHECK(prefix_range_end("ab") == "ac");
  CHECK(prefix_range_end(std::string("a\xff", 2)) == "b");
  CHECK(prefix_range_end(std::string("\xff\xff", 2)) == std::string(1, '\0'));
}

TEST_CASE("etcd codec: request bodies") {
  CHECK(json::parse(range_request("/t/", true)) == json{{"key", "L3Qv"}, {"range_end", "L3Qw"}});
  CHECK(json::parse(put_request("/t/a", "hi", 42)) ==
        json{{"key", "L3QvYQ=="}, {"value", "aGk="}, {"lease", "42"}});
  CHECK(json::parse(lease_grant_request(5)) == json{{"TTL", "5"}});
  CHECK(
      json::parse(watch_request("/t/", 7)) ==
      json{{"create_request", {{"key", "L3Qv"}, {"range_end", "L3Qw"}, {"start_revision", "7"}}}});
  Txn txn;
  txn.compare("/t/b", Txn::Target::mod, Txn::Op::equal, 0).put(true, "/t/b", "x");
  CHECK(
      json::parse(txn.body()) ==
      json{{"compare",
            {{{"key", "L3QvYg=="}, {"target", "MOD"}, {"result", "EQUAL"}, {"mod_revision", "0"}}}},
           {"success", {{{"request_put", {{"key", "L3QvYg=="}, {"value", "eA=="}}}}}},
           {"failure", json::array()}});
}

TEST_CASE("etcd codec: answers of etcd 3.4.23") {
  auto range = parse_range(parsed(
      R"({"header":{"cluster_id":"1","member_id":"2","revision":"2","raft_term":"2"},
          "kvs":[{"key":"L3QvYQ==","create_revision":"2","mod_revision":"2","version":"1",
                  "value":"aGk="}],"count":"1"})"));
  REQUIRE(std::holds_alternative<RangeAnswer>(range));
  const auto& r = std::get<RangeAnswer>(range);
  CHECK(r.revision == 2);
  REQUIRE(r.kvs.size() == 1);
  CHECK(r.kvs[0].key == "/t/a");
  CHECK(r.kvs[0].value == "hi");
  CHECK(r.kvs[0].mod_revision == 2);
  CHECK(r.kvs[0].lease == 0);

  // A failed compare: "succeeded" is left out (its zero value); the failure branch's range.
  auto txn = parse_txn(parsed(
      R"({"header":{"revision":"2"},"responses":[{"response_range":{"header":{"revision":"2"},
          "kvs":[{"key":"L3QvYQ==","mod_revision":"2","value":"aGk="}],"count":"1"}}]})"));
  REQUIRE(std::holds_alternative<TxnAnswer>(txn));
  CHECK_FALSE(std::get<TxnAnswer>(txn).succeeded);
  REQUIRE(std::get<TxnAnswer>(txn).ranges.size() == 1);
  CHECK(std::get<TxnAnswer>(txn).ranges[0].kvs[0].value == "hi");

  auto grant =
      parse_lease(parsed(R"({"header":{"revision":"2"},"ID":"5920723047768378632","TTL":"5"})"));
  REQUIRE(std::holds_alternative<LeaseAnswer>(grant));
  CHECK(std::get<LeaseAnswer>(grant).id == 5920723047768378632);
  CHECK(std::get<LeaseAnswer>(grant).ttl == 5);
  // A keepalive of a lease that expired: no TTL.
  auto gone = parse_lease(parsed(R"({"result":{"header":{"revision":"2"},"ID":"123"}})"));
  REQUIRE(std::holds_alternative<LeaseAnswer>(gone));
  CHECK(std::get<LeaseAnswer>(gone).ttl == 0);

  auto watch = parse_watch_message(parsed(
      R"({"result":{"header":{"revision":"4"},"events":[{"type":"DELETE",
          "kv":{"key":"L3QvYg==","mod_revision":"4"}}]}})"));
  REQUIRE(std::holds_alternative<WatchMessage>(watch));
  REQUIRE(std::get<WatchMessage>(watch).events.size() == 1);
  CHECK(std::get<WatchMessage>(watch).events[0].type == WatchEvent::Type::del);
  CHECK(std::get<WatchMessage>(watch).events[0].kv.key == "/t/b");
  auto created =
      parse_watch_message(parsed(R"({"result":{"header":{"revision":"2"},"created":true}})"));
  REQUIRE(std::holds_alternative<WatchMessage>(created));
  CHECK(std::get<WatchMessage>(created).created);
}

TEST_CASE("etcd codec: errors and hostile answers give an error, never an exception") {
  auto error = parse_range(parsed(
      R"({"error":"json: cannot unmarshal number","message":"json: cannot unmarshal number","code":3})"));
  REQUIRE(error_of(error));
  CHECK(*error_of(error) == "json: cannot unmarshal number");
  CHECK(error_of(parse_json("<html>")));
  CHECK(error_of(parse_json("[1]")));
  const char* hostile[] = {
      R"({})",                                                            // no header
      R"({"header":{"revision":"x"}})",                                   // not a number
      R"({"header":{"revision":"2"},"kvs":{}})",                          // kvs not an array
      R"({"header":{"revision":"2"},"kvs":[1]})",                         // kv not an object
      R"({"header":{"revision":"2"},"kvs":[{"key":"!!!!"}]})",            // key not base64
      R"({"header":{"revision":"2"},"kvs":[{"key":"YQ==","value":7}]})",  // value not a string
      R"({"header":{"revision":"2"},"more":"yes"})",                      // more not a boolean
      R"({"header":{"revision":"99999999999999999999"}})",                // beyond int64
      R"({"header":[]})",
      R"({"error":{"grpc_code":14}})",
  };
  for (const char* h : hostile) {
    INFO(h);
    CHECK(error_of(parse_range(parsed(h))));
  }
  CHECK(error_of(parse_watch_message(parsed(R"({"result":{"header":{"revision":"2"},
      "events":[{"type":"BOOM","kv":{"key":"YQ=="}}]}})"))));
  CHECK(error_of(parse_watch_message(parsed(R"({"result":{"header":{"revision":"2"},
      "events":[{"type":"PUT"}]}})"))));
  CHECK(error_of(parse_watch_message(
      parsed(R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader"}})"))));
  CHECK(error_of(parse_token(parsed(R"({"header":{},"token":""})"))));
  CHECK(error_of(parse_lease(parsed(R"({"result":"x"})"))));
}
