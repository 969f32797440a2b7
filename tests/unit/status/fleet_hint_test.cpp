// The advice `status` and `fleet` give when etcd cannot be used, chosen from the client's error.
// The error texts are the ones the real etcd 3.4 and OpenSSL 3 gave in
// tests/e2e/test_fleet_tls_auth.py.
#include <catch2/catch.hpp>

#include "sidecar/status/fleet_hint.hpp"

using sidecar::fleet_next_step;

namespace {
bool names(const std::string& hint, const std::string& what) {
  return hint.rfind("next: ", 0) == 0 && hint.find(what) != std::string::npos;
}
}  // namespace

TEST_CASE("fleet hint: a server certificate our CA did not sign names fleet.ca_file") {
  CHECK(names(fleet_next_step("no etcd endpoint answered (last: https://127.0.0.1:2379: TLS "
                              "handshake: certificate verify failed)"),
              "fleet.ca_file"));
}

TEST_CASE("fleet hint: a refused or missing client certificate names cert_file and key_file") {
  for (auto e : {"https://127.0.0.1:2379: sslv3 alert bad certificate",
                 "TLS handshake: tlsv13 alert certificate required",
                 "TLS handshake: tlsv1 alert unknown ca"}) {
    INFO(e);
    CHECK(names(fleet_next_step(e), "fleet.cert_file and fleet.key_file"));
  }
}

TEST_CASE("fleet hint: plain http on a TLS port, and TLS on a plain port") {
  CHECK(names(fleet_next_step("http://127.0.0.1:2379: end of stream"), "https://"));
  CHECK(names(fleet_next_step("TLS handshake: wrong version number"), "use http://"));
}

TEST_CASE("fleet hint: credentials and permissions") {
  CHECK(names(fleet_next_step("etcd authentication as \"acs\" failed: etcdserver: authentication "
                              "failed, invalid user ID or password"),
              "fleet.username and fleet.password"));
  CHECK(names(fleet_next_step("etcdserver: user name not found"), "etcdctl user list"));
  CHECK(names(fleet_next_step("etcdserver: permission denied"), "grant-permission"));
}

TEST_CASE("fleet hint: anything else is etcd's health, and odd text changes nothing") {
  CHECK(fleet_next_step("connect: Connection refused") ==
        "next: `etcdctl endpoint health` with the fleet's endpoints");
  CHECK(fleet_next_step("") == "next: `etcdctl endpoint health` with the fleet's endpoints");
  CHECK(names(fleet_next_step(std::string(100000, 'x') + "permission denied"), "grant-permission"));
}
