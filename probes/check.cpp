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
