#pragma once
// What an operator should try next when etcd cannot be used, chosen from the error text the etcd
// client reported. One place, so that `status`, `fleet` and `maintenance` give the same advice.
#include <string>
#include <string_view>

namespace sidecar {

// "next: ..." for an error of the fleet's etcd client (TLS, credentials, permissions, transport).
std::string fleet_next_step(std::string_view error);

}  // namespace sidecar
