#pragma once
// The configuration (anycast-sidecar(8), CONFIGURATION): loading (JSON with comments), defaults and
// validation. Pure: takes text, returns values or a list of problems naming field paths.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "exabgp-bridge/route.hpp"
#include "probes/check.hpp"

namespace sidecar {

struct ExabgpSettings {
  bool ack = true;
  std::chrono::milliseconds ack_timeout{5000};
  std::chrono::milliseconds ping_interval{10000};
  // exabgp.refresh_ms: re-send the current state of every route this often (0: never).
  std::chrono::milliseconds refresh{0};
  // exabgp.hitless_restart: after a restart of the sidecar alone, keep what ExaBGP still holds
  // while the first rounds pass (false: the 0.1 behaviour, RISING from the start withdraws).
  bool hitless_restart = true;
};

struct CheckConfig {
  std::string name;
  enum class Type { dns, exec } type = Type::dns;
  probes::DnsCheck dns;    // when type == dns (timeout = the service's timeout_ms)
  probes::ExecCheck exec;  // when type == exec (timeout = the service's timeout_ms)
  // checks[].on_failure: a failing "down" check counts against the service's policy; a failing
  // "degrade" check only makes a healthy service degraded (never down).
  enum class OnFailure { down, degrade } on_failure = OnFailure::down;
  // checks[].watch (DNS checks): keep a TCP connection to server:port whose loss with a refused
  // reconnect runs the service's round at once (probes/watch_policy.hpp). Ignored for exec.
  bool watch = true;
  // checks[].stall_ms (DNS checks; 0: off): how long the kernel may show server:port's listening
  // UDP socket holding client queries it does not read, never shrinking, before the service's
  // round runs at once and a probe waiting behind them fails stall_ms/2 later rather than at
  // timeout_ms (probes/queue_policy.hpp). Exec checks: 0.
  std::chrono::milliseconds stall{100};
};

struct Policy {
  enum class Kind { all, any, quorum } kind = Kind::all;
  int quorum = 0;  // when kind == quorum
  bool operator==(const Policy&) const = default;
};

// What to do with a route when the service is down or disabled.
struct Withdraw {
  bool operator==(const Withdraw&) const = default;
};
using RouteAction = std::variant<Withdraw, bridge::Attributes>;  // Attributes: announce with these

struct RouteConfig {
  bridge::Route route;
  bridge::Attributes attributes;
  RouteAction when_down = Withdraw{};
  RouteAction when_disabled = Withdraw{};
  // A drain (RFC 8326): for this long after the service leaves an announcing state for DISABLED
  // the route is announced with when_disabled's attributes (for `"when_disabled": "drain"` the
  // route's own, a worse MED and GRACEFUL_SHUTDOWN 65535:0), then withdrawn. 0: no drain
  // (when_disabled holds for as long as the service is disabled).
  std::chrono::milliseconds drain{0};
  // Announced while the service is degraded. Default: attributes with med raised by 1000
  // (med 1000 if none), computed by the loader, so it is always complete here.
  bridge::Attributes when_degraded;
};

struct Hooks {
  std::vector<std::string> on_up, on_down, on_disabled, on_degraded;  // argv; empty = none
};

struct ServiceConfig {
  std::string name;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds fast_interval{200};
  // Between rounds while falling after a connection_refused round (sidecar/policy/schedule.hpp).
  std::chrono::milliseconds confirm_interval{20};
  std::chrono::milliseconds timeout{500};
  int rise = 3;
  int fall = 3;
  std::chrono::milliseconds hold_down{5000};  // min time between two transitions that announce
  Policy policy;
  std::string maintenance_file;  // default: <dir of status_file>/<name>.maintenance
  std::vector<CheckConfig> checks;
  Hooks hooks;
  std::chrono::milliseconds hook_timeout{5000};
  std::vector<RouteConfig> routes;
  std::size_t transitions_kept = 20;  // in the status file
};

// Where every command looks for the configuration without --config: the path the packaged unit,
// the example exabgp.conf and the man page use.
inline constexpr const char* kDefaultConfigPath = "/etc/anycast-sidecar/sidecar.json";

// An etcd endpoint of fleet.endpoints, split once by the loader.
struct EtcdEndpoint {
  std::string url;  // as written: "http://127.0.0.1:2379"
  bool tls = false;
  std::string host;  // a name or an address (IPv6 without its brackets)
  std::uint16_t port = 2379;
  bool operator==(const EtcdEndpoint&) const = default;
};

// The optional `fleet` block: nodes coordinate through etcd (README, "Fleet"). Absent: the fleet
// is off and nothing of it runs.
struct FleetConfig {
  std::vector<EtcdEndpoint> endpoints;  // required, at least one
  std::string prefix = "/anycast-sidecar/default";
  std::string node;  // default: the host name (filled by the loader)
  int max_unavailable = 1;
  int min_announcing = 0;
  // TLS (https:// endpoints): the CA that signs etcd's certificate (default: the system's) and a
  // client certificate and key for etcd's --client-cert-auth (both or neither).
  std::string ca_file, cert_file, key_file;
  // etcd authentication (etcd's --auth): a user and its password, given inline or in a file
  // readable only by the sidecar's user (the file's first line).
  std::string username, password, password_file;
  std::chrono::milliseconds request_timeout{2000};  // one request to one endpoint
  std::chrono::seconds lease_ttl{5};                // the presence's lease; kept alive at TTL/3
  bool operator==(const FleetConfig&) const = default;
};

struct Config {
  std::string status_file = "/run/anycast-sidecar/status.json";
  std::string metrics_file;  // empty: none
  ExabgpSettings exabgp;
  std::vector<ServiceConfig> services;
  std::string log_level = "info";    // debug | info | notice | warning | error
  std::optional<FleetConfig> fleet;  // none: the fleet is off
};

struct ConfigResult {
  std::optional<Config> config;       // set when valid
  std::vector<std::string> problems;  // one line each: "services[0].routes[1].prefix: ..."
};

// Parses and validates configuration text. Never throws.
ConfigResult parse_config(std::string_view text);
// Reads a file then parse_config; a read failure is one problem naming the file and the fix.
ConfigResult load_config_file(const std::string& path);

// The status_file a configuration text names, read even when the configuration is invalid (a
// wrong service does not hide where the operator wants the status), or the default path when the
// text names none usably (not JSON, not a string, empty, control characters). Pure; never throws.
// Used to publish `config_error` where `status` will look for it.
std::string best_effort_status_file(std::string_view config_text);

// Checks against this machine, beyond the text (`check-config` runs them; `run` may): the status
// and metrics folders exist, each exec check's and hook's program is an executable file. One
// line per problem, naming the field path.
std::vector<std::string> host_problems(const Config& config);

// The default routes[].when_degraded: the route's attributes with med raised by 1000 (saturating
// at 2^32-1), med 1000 when it had none.
bridge::Attributes default_when_degraded(const bridge::Attributes& attributes);
// `"when_disabled": "drain"`: the route's own attributes, the degraded MED and RFC 8326's
// GRACEFUL_SHUTDOWN community (65535:0), which a router honouring it turns into LOCAL_PREF 0.
bridge::Attributes drain_attributes(const bridge::Attributes& attributes);
inline constexpr std::chrono::milliseconds kDefaultDrain{3000};

// The longest service interval (used for status --max-age default).
std::chrono::milliseconds longest_interval(const Config& config);

}  // namespace sidecar
