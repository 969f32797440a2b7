#include "sidecar/status/fleet_hint.hpp"

#include <array>
#include <utility>

namespace sidecar {
namespace {

struct Hint {
  std::array<std::string_view, 3> needles;  // any of them (empty ones never match)
  std::string_view next;
};

// OpenSSL's and etcd's own words, as the client passes them on; checked in order.
constexpr std::array kHints{
    Hint{{"certificate verify failed", "unable to get local issuer", "self signed certificate"},
         "fleet.ca_file must name the CA that signed etcd's server certificate, and that "
         "certificate must list the endpoint's host; try `etcdctl --cacert FILE --endpoints URL "
         "endpoint health`"},
    Hint{{"alert bad certificate", "alert certificate required", "alert unknown ca"},
         "etcd refused this node's client certificate (it runs with --client-cert-auth): set "
         "fleet.cert_file and fleet.key_file to a certificate signed by etcd's --trusted-ca-file"},
    Hint{{"wrong version number", "unknown protocol", "packet length too long"},
         "the endpoint does not speak TLS: use http:// endpoints, or https:// on etcd's TLS port"},
    // What an http:// request to etcd's TLS port gets: the connection closed before an answer.
    Hint{{"end of stream", "", ""},
         "etcd closed the connection without an answer: if it serves TLS on that port, the "
         "endpoint must say https://; else `etcdctl endpoint health` with the fleet's endpoints"},
    Hint{{"authentication failed", "invalid auth token", "user name is empty"},
         "check fleet.username and fleet.password (or password_file); try `etcdctl --user NAME "
         "--endpoints URL endpoint status`"},
    Hint{{"user name not found", "authentication is not enabled", ""},
         "check fleet.username against `etcdctl user list` (and whether etcd has auth enabled)"},
    Hint{{"permission denied", "", ""},
         "fleet.username may not read and write the fleet's prefix: `etcdctl role "
         "grant-permission ROLE --prefix=true readwrite PREFIX`"},
};

constexpr std::string_view kDefault = "`etcdctl endpoint health` with the fleet's endpoints";

}  // namespace

std::string fleet_next_step(std::string_view error) {
  for (const auto& hint : kHints) {
    for (auto needle : hint.needles) {
      if (!needle.empty() && error.find(needle) != std::string_view::npos) {
        return "next: " + std::string(hint.next);
      }
    }
  }
  return "next: " + std::string(kDefault);
}

}  // namespace sidecar
