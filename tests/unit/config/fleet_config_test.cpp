// The fleet block: no block is the fleet off; every default; every rule with the exact line an
// operator reads.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "fixtures/config_problems.hpp"
#include "sidecar/config/config.hpp"

using namespace std::chrono_literals;
using test_support::problems_of;

namespace {

std::string with_fleet(const std::string& fleet) {
  return R"({"services": [{"name": "resolver", "checks": [{"qname": "probe.health.test."}],
             "routes": [{"prefix": "192.0.2.53/32"}]}], "fleet": )" +
         fleet + "}";
}

std::string host() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace

TEST_CASE("fleet: no block is the fleet off") {
  auto r = sidecar::parse_config(
      R"({"services": [{"name": "r", "checks": [{"qname": "a.test."}],
          "routes": [{"prefix": "192.0.2.53/32"}]}]})");
  REQUIRE(r.config);
  CHECK_FALSE(r.config->fleet);
}

TEST_CASE("fleet: the contract's example and every default") {
  auto r = sidecar::parse_config(with_fleet(R"({
    "endpoints": ["http://127.0.0.1:2379", "http://[::1]:2380", "https://etcd-1.example:2379/"],
    "prefix": "/anycast-sidecar/dns-eu", "node": "resolver-1", "max_unavailable": 1,
    "min_announcing": 0})"));
  INFO(problems_of(with_fleet("{}")));
  // Mixed schemes are refused (below); check the split of each URL on an all-http list instead.
  CHECK_FALSE(r.config);
  r = sidecar::parse_config(with_fleet(R"({
    "endpoints": ["http://127.0.0.1:2379", "http://[::1]:2380", "http://etcd-1.example/"],
    "prefix": "/anycast-sidecar/dns-eu", "node": "resolver-1"})"));
  REQUIRE(r.config);
  REQUIRE(r.config->fleet);
  const auto& f = *r.config->fleet;
  REQUIRE(f.endpoints.size() == 3);
  CHECK(f.endpoints[0].host == "127.0.0.1");
  CHECK(f.endpoints[0].port == 2379);
  CHECK_FALSE(f.endpoints[0].tls);
  CHECK(f.endpoints[1].host == "::1");
  CHECK(f.endpoints[1].port == 2380);
  CHECK(f.endpoints[2].host == "etcd-1.example");
  CHECK(f.endpoints[2].port == 2379);
  CHECK(f.prefix == "/anycast-sidecar/dns-eu");
  CHECK(f.node == "resolver-1");
  CHECK(f.max_unavailable == 1);
  CHECK(f.min_announcing == 0);
  CHECK(f.request_timeout == 2000ms);
  CHECK(f.lease_ttl == 5s);

  r = sidecar::parse_config(with_fleet(R"({"endpoints": ["http://10.0.0.1:2379"]})"));
  REQUIRE(r.config);
  CHECK(r.config->fleet->prefix == "/anycast-sidecar/default");
  CHECK(r.config->fleet->node == host());
  CHECK(r.config->fleet->max_unavailable == 1);
}

TEST_CASE("fleet: TLS and credentials") {
  auto r = sidecar::parse_config(with_fleet(R"({"endpoints": ["https://10.0.0.1:2379"],
      "ca_file": "/etc/ssl/etcd-ca.pem", "cert_file": "/etc/ssl/node.pem",
      "key_file": "/etc/ssl/node.key", "username": "sidecar", "password_file": "/etc/pw",
      "request_timeout_ms": 500, "lease_ttl_s": 10})"));
  REQUIRE(r.config);
  const auto& f = *r.config->fleet;
  CHECK(f.endpoints[0].tls);
  CHECK(f.ca_file == "/etc/ssl/etcd-ca.pem");
  CHECK(f.cert_file == "/etc/ssl/node.pem");
  CHECK(f.key_file == "/etc/ssl/node.key");
  CHECK(f.username == "sidecar");
  CHECK(f.password_file == "/etc/pw");
  CHECK(f.request_timeout == 500ms);
  CHECK(f.lease_ttl == 10s);
}

TEST_CASE("fleet: each mistake is one line naming its field") {
  struct Case {
    const char* fleet;
    const char* problem;
  };
  const Case cases[] = {
      {R"({})",
       "fleet.endpoints: is required: the etcd client URLs, e.g. [\"http://10.0.0.1:2379\"]\n"},
      {R"({"endpoints": []})", "fleet.endpoints: must name at least one etcd client URL\n"},
      {R"({"endpoints": "http://a:1"})", "fleet.endpoints: must be an array, not a string\n"},
      {R"({"endpoints": [1]})", "fleet.endpoints[0]: must be a string, not a number\n"},
      {R"({"endpoints": ["127.0.0.1:2379"]})",
       "fleet.endpoints[0]: \"127.0.0.1:2379\" must start with http:// or https:// (an etcd "
       "client URL, e.g. \"http://127.0.0.1:2379\")\n"},
      {R"({"endpoints": ["http://a:2379/v3"]})",
       "fleet.endpoints[0]: \"http://a:2379/v3\" must be scheme://host:port only (no path, user "
       "or query)\n"},
      {R"({"endpoints": ["http://a:99999"]})",
       "fleet.endpoints[0]: \"http://a:99999\" the port must be a number from 1 to 65535\n"},
      {R"({"endpoints": ["http://:2379"]})",
       "fleet.endpoints[0]: \"http://:2379\" names no host\n"},
      {R"({"endpoints": ["http://a:1", "https://b:1"]})",
       "fleet.endpoints: mixes http:// and https://: use one scheme for every member\n"},
      {R"({"endpoints": ["http://a:1"], "prefix": "x/y"})",
       "fleet.prefix: \"x/y\" must be a key path like \"/anycast-sidecar/dns-eu\": starting with "
       "/, no trailing / or //, at most 200 bytes\n"},
      {R"({"endpoints": ["http://a:1"], "prefix": "/a/"})",
       "fleet.prefix: \"/a/\" must be a key path like \"/anycast-sidecar/dns-eu\": starting with "
       "/, no trailing / or //, at most 200 bytes\n"},
      {R"({"endpoints": ["http://a:1"], "node": "a/b"})",
       "fleet.node: \"a/b\" must be 1-63 letters, digits, '.', '_' or '-' (it is part of the "
       "fleet's etcd keys)\n"},
      {R"({"endpoints": ["http://a:1"], "max_unavailable": -1})",
       "fleet.max_unavailable: -1 is out of range (0 to 10000)\n"},
      {R"({"endpoints": ["http://a:1"], "cert_file": "/c"})",
       "fleet.key_file: is required with fleet.cert_file (a client certificate and its key go "
       "together)\nfleet.endpoints: ca_file, cert_file and key_file need https:// endpoints\n"},
      {R"({"endpoints": ["http://a:1"], "username": "u"})",
       "fleet.username: needs password or password_file\n"},
      {R"({"endpoints": ["http://a:1"], "password": "p"})",
       "fleet.username: is required with a password\n"},
      {R"({"endpoints": ["http://a:1"], "username": "u", "password": "p", "password_file": "/f"})",
       "fleet.password_file: give password or password_file, not both\n"},
      {R"({"endpoints": ["http://a:1"], "lease_ttl_s": 1})",
       "fleet.lease_ttl_s: 1 is out of range (2 to 300)\n"},
      {R"({"endpoints": ["http://a:1"], "request_timeout_ms": 50})",
       "fleet.request_timeout_ms: 50 is out of range (100 to 60000)\n"},
      {R"({"endpoints": ["http://a:1"], "max_unavailabel": 2})",
       "fleet.max_unavailabel: unknown key (did you mean \"max_unavailable\"?)\n"},
      {R"("on")", "fleet: must be an object, not a string\n"},
  };
  for (const auto& c : cases) {
    INFO(c.fleet);
    CHECK(problems_of(with_fleet(c.fleet)) == c.problem);
  }
}
