#pragma once
// What a check is and what it found: plain values shared by the probes, the daemon, the status
// file and the CLI. No I/O here.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/lib/enum_names.hpp"

namespace probes {

// The fixed vocabulary of the probe reasons (anycast-sidecar(8), PROBE REASONS): operators,
// alerts and metric labels rely on these names.
enum class Reason {
  ok,
  timeout,
  connection_refused,
  network_error,
  servfail,
  refused,
  nxdomain,
  nodata,
  wrong_answer,
  bad_response,
  exit_status,
  slow,  // a DNS reply met every expectation but arrived later than expect.max_rtt_ms
};
// Their names, as the status file, the metrics and `probe` spell them.
inline constexpr text::EnumName<Reason> kReasonNames[] = {
    {Reason::ok, "ok"},
    {Reason::timeout, "timeout"},
    {Reason::connection_refused, "connection_refused"},
    {Reason::network_error, "network_error"},
    {Reason::servfail, "servfail"},
    {Reason::refused, "refused"},
    {Reason::nxdomain, "nxdomain"},
    {Reason::nodata, "nodata"},
    {Reason::wrong_answer, "wrong_answer"},
    {Reason::bad_response, "bad_response"},
    {Reason::exit_status, "exit_status"},
    {Reason::slow, "slow"}};
// Every reason, in the table's order (the per-reason counters are indexed by it).
inline constexpr auto kAllReasons = [] {
  std::array<Reason, std::size(kReasonNames)> all{};
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = kReasonNames[i].value;
  return all;
}();
std::string_view to_string(Reason reason);
std::optional<Reason> reason_from_string(std::string_view name);

// DNS record types by name ("A", "AAAA", "SOA", "NS", "TXT", "PTR", "CNAME", "MX", ...).
std::optional<std::uint16_t> qtype_from_string(std::string_view name);
std::string qtype_to_string(std::uint16_t qtype);
// RCODE names ("NOERROR", "SERVFAIL", "NXDOMAIN", "REFUSED", ...).
std::optional<int> rcode_from_string(std::string_view name);
std::string rcode_to_string(int rcode);

struct Expectation {
  int rcode = 0;                     // NOERROR
  std::vector<std::string> answers;  // empty: any answer of the asked type (NOERROR only)
  // A reply that meets every other expectation but took longer fails with Reason::slow.
  std::optional<std::chrono::milliseconds> max_rtt;
};

enum class Transport { udp, tcp };

// The resolver program behind a check, as its configuration names it (checks[].resolver, `probe
// --resolver`). It changes nothing in the probing: it only lets the hints name that program's
// own checker and control tool. any (not named): the hints list every supported program's, as
// the sidecar cannot tell reliably what listens (a dead or hung resolver cannot be asked, and a
// dnsdist in front answers for the resolver behind it).
enum class Software { any, unbound, bind, pdns_recursor, knot_resolver, dnsdist };
inline constexpr text::EnumName<Software> kSoftwareNames[] = {
    {Software::unbound, "unbound"},
    {Software::bind, "bind"},
    {Software::pdns_recursor, "pdns-recursor"},
    {Software::knot_resolver, "knot-resolver"},
    {Software::dnsdist, "dnsdist"}};
std::optional<Software> software_from_string(std::string_view name);
std::string_view to_string(Software software);  // "" for any

struct DnsCheck {
  std::string server = "127.0.0.1";  // IPv4 or IPv6 literal
  std::uint16_t port = 53;
  std::string qname;        // absolute or relative; sent as given
  std::uint16_t qtype = 1;  // A
  Transport transport = Transport::udp;
  Software software = Software::any;       // only chooses the hints' tools
  std::chrono::milliseconds timeout{500};  // whole-probe deadline
  Expectation expect;
};

struct ExecCheck {
  std::vector<std::string> argv;  // argv[0] is the program (PATH is searched), no shell
  std::chrono::milliseconds timeout{500};
};

struct CheckResult {
  bool ok = false;
  Reason reason = Reason::network_error;
  std::string detail;                // human text, e.g. "NOERROR 1 answer", "exit status 3: ..."
  std::optional<int> rcode;          // when a DNS reply was received
  std::vector<std::string> answers;  // textual answers of the asked type
  double rtt_ms = 0.0;               // round trip (or run time for exec)
};

// One-line operator hint for a failure reason ("nothing listens on 127.0.0.1:53: is the resolver
// running? ..."). server/port name the thing; software chooses the tools the hint names (every
// supported program's for any); empty for ok.
std::string hint_for(Reason reason, std::string_view server, std::uint16_t port,
                     Software software = Software::any);

}  // namespace probes
