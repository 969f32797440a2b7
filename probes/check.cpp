#include "probes/check.hpp"

#include <arpa/nameser.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace probes {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

struct Named {
  std::string_view name;
  int value;
};

constexpr Named kTypes[] = {{"A", 1},      {"NS", 2},     {"CNAME", 5},   {"SOA", 6},
                            {"PTR", 12},   {"HINFO", 13}, {"MX", 15},     {"TXT", 16},
                            {"AAAA", 28},  {"SRV", 33},   {"NAPTR", 35},  {"DS", 43},
                            {"RRSIG", 46}, {"NSEC", 47},  {"DNSKEY", 48}, {"TLSA", 52},
                            {"SVCB", 64},  {"HTTPS", 65}, {"CAA", 257},   {"ANY", 255}};

constexpr Named kRcodes[] = {{"NOERROR", 0}, {"FORMERR", 1}, {"SERVFAIL", 2}, {"NXDOMAIN", 3},
                             {"NOTIMP", 4},  {"REFUSED", 5}, {"YXDOMAIN", 6}, {"YXRRSET", 7},
                             {"NXRRSET", 8}, {"NOTAUTH", 9}, {"NOTZONE", 10}};

}  // namespace

std::string_view to_string(Reason reason) {
  return text::name_of(kReasonNames, reason, "network_error");
}

std::optional<Reason> reason_from_string(std::string_view text) {
  return text::value_of(kReasonNames, text);
}

std::optional<std::uint16_t> qtype_from_string(std::string_view name) {
  auto u = upper(name);
  for (const auto& t : kTypes) {
    if (t.name == u) return static_cast<std::uint16_t>(t.value);
  }
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
  for (const auto& t : kTypes) {
    if (t.value == qtype) return std::string(t.name);
  }
  return "TYPE" + std::to_string(qtype);
}

std::optional<int> rcode_from_string(std::string_view name) {
  auto u = upper(name);
  for (const auto& r : kRcodes) {
    if (r.name == u) return r.value;
  }
  return std::nullopt;
}

std::string rcode_to_string(int rcode) {
  for (const auto& r : kRcodes) {
    if (r.value == rcode) return std::string(r.name);
  }
  return "RCODE" + std::to_string(rcode);
}

std::string hint_for(Reason reason, std::string_view server, std::uint16_t port) {
  // Appended step by step: g++ 12 at -O3 reports a false -Wrestrict on the chained
  // operator+ of temporaries this used to be, which -Werror turns fatal.
  const bool v6 = server.find(':') != std::string_view::npos;
  std::string where;
  if (v6) where += '[';
  where += server;
  if (v6) where += ']';
  where += ':';
  where += std::to_string(port);
  switch (reason) {
    case Reason::ok:
      return "";
    case Reason::connection_refused:
      return "nothing listens on " + where +
             ": is the resolver running? check `systemctl status unbound named`, then its "
             "config: `unbound-checkconf` / `named-checkconf` (a config error stops a restart)";
    case Reason::timeout:
      return "no answer from " + where +
             " before the deadline: resolver hung or overloaded (check its CPU and logs, "
             "`unbound-control status` / `rndc status`), or a firewall drops the packets";
    case Reason::servfail:
      return "the resolver at " + where +
             " answers SERVFAIL: it runs but cannot resolve: upstream/authoritative servers "
             "unreachable or DNSSEC validation failing (check its logs, `unbound-control "
             "lookup NAME` / `rndc dumpdb`, the trust anchor and the clock)";
    case Reason::refused:
      return "the resolver at " + where +
             " answers REFUSED: access-control / allow-query or views do not let this "
             "client in (check `access-control:` in unbound.conf or `allow-query` in named.conf)";
    case Reason::nxdomain:
      return "the name does not exist at " + where +
             ": the health zone is missing (local-zone/local-data in unbound.conf, or the zone "
             "in named.conf) or the check's qname is wrong";
    case Reason::nodata:
      return "the name exists at " + where +
             " but has no record of the asked type: check the health zone's data and the "
             "check's qtype";
    case Reason::wrong_answer:
      return "the resolver at " + where +
             " answers with other data than expected: check the health zone's records or the "
             "check's expect.answers";
    case Reason::bad_response:
      return "the reply from " + where +
             " was malformed, truncated or did not match the question: check what listens "
             "there (`ss -lunp`), or use TCP";
    case Reason::network_error:
      return "socket error talking to " + where +
             ": check the address, routes and local firewall (`ip addr`, `ss -lunp`)";
    case Reason::exit_status:
      return "the check program failed: run it by hand to see its output";
    case Reason::slow:
      return "the resolver at " + where +
             " answers correctly but slower than the check's expect.max_rtt_ms: upstream or "
             "authoritative servers slow or unreachable (check `unbound-control dump_infra` / "
             "`rndc recursing`), or the resolver is overloaded";
  }
  return "";
}

}  // namespace probes
