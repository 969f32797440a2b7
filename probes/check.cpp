#include "probes/check.hpp"

#include <arpa/nameser.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string>

namespace probes {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

constexpr text::EnumName<int> kTypes[] = {
    {1, "A"},      {2, "NS"},    {5, "CNAME"},  {6, "SOA"},   {12, "PTR"},
    {13, "HINFO"}, {15, "MX"},   {16, "TXT"},   {28, "AAAA"}, {33, "SRV"},
    {35, "NAPTR"}, {43, "DS"},   {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"},
    {52, "TLSA"},  {64, "SVCB"}, {65, "HTTPS"}, {257, "CAA"}, {255, "ANY"}};

constexpr text::EnumName<int> kRcodes[] = {{0, "NOERROR"},  {1, "FORMERR"}, {2, "SERVFAIL"},
                                           {3, "NXDOMAIN"}, {4, "NOTIMP"},  {5, "REFUSED"},
                                           {6, "YXDOMAIN"}, {7, "YXRRSET"}, {8, "NXRRSET"},
                                           {9, "NOTAUTH"},  {10, "NOTZONE"}};

}  // namespace

std::string_view to_string(Reason reason) {
  return text::name_of(kReasonNames, reason, "network_error");
}

std::optional<Reason> reason_from_string(std::string_view name) {
  return text::value_of(kReasonNames, name);
}

std::optional<std::uint16_t> qtype_from_string(std::string_view name) {
  auto u = upper(name);
  if (auto known = text::value_of(kTypes, u)) return static_cast<std::uint16_t>(*known);
  // RFC 3597 generic form: TYPE65534.
  if (u.size() > 4 && u.size() <= 9 && u.compare(0, 4, "TYPE") == 0) {
    unsigned v = 0;
    for (char c : u.substr(4)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 0 && v <= 65535) return static_cast<std::uint16_t>(v);
  }
  return std::nullopt;
}

std::string qtype_to_string(std::uint16_t qtype) {
  auto name = text::name_of(kTypes, static_cast<int>(qtype), "");
  return name.empty() ? "TYPE" + std::to_string(qtype) : std::string(name);
}

std::optional<int> rcode_from_string(std::string_view name) {
  return text::value_of(kRcodes, upper(name));
}

std::string rcode_to_string(int rcode) {
  auto name = text::name_of(kRcodes, rcode, "");
  return name.empty() ? "RCODE" + std::to_string(rcode) : std::string(name);
}

std::optional<Software> software_from_string(std::string_view name) {
  return text::value_of(kSoftwareNames, name);
}

std::string_view to_string(Software software) {
  return text::name_of(kSoftwareNames, software, "");
}

namespace {

// What a hint names for each program: the text after "check" in each case. One row per
// program, and one for any that lists them all, so a hint never names a tool the operator does
// not have when the check says which program it talks to.
struct Tools {
  std::string_view service;   // systemd unit(s)
  std::string_view checker;   // the configuration check (a config error stops a restart)
  std::string_view status;    // is it alive and what is it doing
  std::string_view acl;       // where REFUSED comes from
  std::string_view zone;      // where the health name is served from
  std::string_view upstream;  // what it knows about its upstreams (SERVFAIL, slow)
};

constexpr Tools kToolsAny = {
    "unbound named pdns-recursor kresd@1 dnsdist",
    "`unbound-checkconf` / `named-checkconf` / `pdns_recursor --config=check` / "
    "`dnsdist --check-config` (kresd has none: start it by hand)",
    "`unbound-control status` / `rndc status` / `rec_control ping` / `kresc` / `dnsdist -c`",
    "`access-control:` in unbound.conf, `allow-query` in named.conf, a Lua policy in "
    "recursor.conf or kresd.conf, an RCodeAction in dnsdist.conf",
    "local-zone/local-data in unbound.conf, the zone in named.conf, auth-zones in "
    "recursor.conf, policy.ANSWER in kresd.conf, the backend's zone behind dnsdist",
    "`unbound-control dump_infra` / `rndc recursing` / `rec_control get-all` / kresd's log / "
    "dnsdist's `showServers()`"};

constexpr Tools kTools[] = {
    // unbound
    {"unbound", "`unbound-checkconf`", "`unbound-control status`",
     "`access-control:` in unbound.conf", "local-zone/local-data in unbound.conf",
     "`unbound-control dump_infra`, `unbound-control lookup NAME`"},
    // bind
    {"named", "`named-checkconf`", "`rndc status`",
     "`allow-query` / `allow-recursion` or views in named.conf", "the zone in named.conf",
     "`rndc recursing`, `rndc dumpdb`"},
    // pdns-recursor: clients outside allow-from are dropped (UDP) or reset (TCP), never
    // answered REFUSED, so a REFUSED comes from a Lua policy.
    {"pdns-recursor", "`pdns_recursor --config=check`", "`rec_control ping`",
     "a Lua policy (lua-dns-script) in recursor.conf", "auth-zones in recursor.conf",
     "`rec_control get-all` (outgoing timeouts), `rec_control dump-cache FILE`"},
    // knot-resolver: 5.x has no configuration checker; kresd exits with the Lua error.
    {"kresd@1",
     "kresd has no checker: run `kresd -n -c /etc/knot-resolver/kresd.conf` by hand "
     "to see the Lua error",
     "`kresc /run/knot-resolver/control/1`", "policy.REFUSE / view rules in kresd.conf",
     "hints or policy.ANSWER rules in kresd.conf", "kresd's log (`verbose(true)` through kresc)"},
    // dnsdist: it answers for its backends; SERVFAIL usually means no backend is up.
    {"dnsdist", "`dnsdist --check-config`", "`dnsdist -c` then `showServers()`",
     "setACL / RCodeAction rules in dnsdist.conf", "the backend resolver's health zone",
     "`dnsdist -c` then `showServers()` (backends down or slow)"},
};

const Tools& tools_of(Software software) {
  switch (software) {
    case Software::any:
      break;
    case Software::unbound:
      return kTools[0];
    case Software::bind:
      return kTools[1];
    case Software::pdns_recursor:
      return kTools[2];
    case Software::knot_resolver:
      return kTools[3];
    case Software::dnsdist:
      return kTools[4];
  }
  return kToolsAny;
}

// Appended step by step: g++ 12 at -O3 reports a false -Wrestrict on chained operator+ of
// temporaries, which -Werror turns fatal.
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

}  // namespace

std::string hint_for(Reason reason, std::string_view server, std::uint16_t port,
                     Software software) {
  const bool v6 = server.find(':') != std::string_view::npos;
  const std::string port_text = std::to_string(port);
  const std::string where = cat({v6 ? "[" : "", server, v6 ? "]" : "", ":", port_text});
  const Tools& t = tools_of(software);
  switch (reason) {
    case Reason::ok:
      return "";
    case Reason::connection_refused:
      return cat({"nothing listens on ", where,
                  ": is the resolver running? check `systemctl status ", t.service,
                  "`, then its config: ", t.checker, " (a config error stops a restart)"});
    case Reason::timeout:
      return cat(
          {"no answer from ", where,
           " before the deadline: resolver hung or overloaded (check its CPU and logs, ", t.status,
           "), or a firewall or an ACL that drops rather than refuses discards the packets"});
    case Reason::servfail:
      return cat({"the resolver at ", where,
                  " answers SERVFAIL: it runs but cannot resolve: upstream/authoritative "
                  "servers unreachable or DNSSEC validation failing (check its logs, ",
                  t.upstream, ", the trust anchor and the clock)"});
    case Reason::refused:
      return cat({"the resolver at ", where,
                  " answers REFUSED: its access control does not let this client in (check ", t.acl,
                  ")"});
    case Reason::nxdomain:
      return cat({"the name does not exist at ", where, ": the health zone is missing (", t.zone,
                  ") or the check's qname is wrong"});
    case Reason::nodata:
      return cat({"the name exists at ", where,
                  " but has no record of the asked type: check the health zone's data (", t.zone,
                  ") and the check's qtype"});
    case Reason::wrong_answer:
      return cat({"the resolver at ", where,
                  " answers with other data than expected: check the health zone's records (",
                  t.zone, ") or the check's expect.answers"});
    case Reason::bad_response:
      return cat({"the reply from ", where,
                  " was malformed, truncated or did not match the question: check what listens "
                  "there (`ss -lunp`), or use TCP"});
    case Reason::network_error:
      return cat({"socket error talking to ", where,
                  ": check the address, routes and local firewall (`ip addr`, `ss -lunp`)"});
    case Reason::exit_status:
      return "the check program failed: run it by hand to see its output";
    case Reason::slow:
      return cat({"the resolver at ", where,
                  " answers correctly but slower than the check's expect.max_rtt_ms: upstream "
                  "or authoritative servers slow or unreachable (check ",
                  t.upstream, "), or the resolver is overloaded"});
  }
  return "";
}

}  // namespace probes
