// The contract's fixed words: reasons, qtypes, rcodes, and the hints operators read.
#include <catch2/catch.hpp>
#include <set>

#include "probes/check.hpp"

using namespace probes;

TEST_CASE("reasons are the contract's words and round-trip") {
  std::vector<std::string> words = {
      "ok",       "timeout", "connection_refused", "network_error", "servfail",    "refused",
      "nxdomain", "nodata",  "wrong_answer",       "bad_response",  "exit_status", "slow"};
  std::set<std::string> seen;
  for (auto r : kAllReasons) {
    auto text = std::string(to_string(r));
    seen.insert(text);
    CHECK(reason_from_string(text) == r);
  }
  CHECK(seen == std::set<std::string>(words.begin(), words.end()));
  CHECK_FALSE(reason_from_string("OK"));
  CHECK_FALSE(reason_from_string(""));
  CHECK_FALSE(reason_from_string("timeout "));
}

TEST_CASE("qtypes by name, case-insensitive, and the generic TYPEn form") {
  for (auto [name, value] : {std::pair{"A", 1},
                             {"NS", 2},
                             {"CNAME", 5},
                             {"SOA", 6},
                             {"PTR", 12},
                             {"MX", 15},
                             {"TXT", 16},
                             {"AAAA", 28},
                             {"SRV", 33},
                             {"DS", 43},
                             {"DNSKEY", 48},
                             {"ANY", 255},
                             {"CAA", 257}}) {
    CAPTURE(name);
    CHECK(qtype_from_string(name) == value);
    CHECK(qtype_to_string(static_cast<std::uint16_t>(value)) == name);
  }
  CHECK(qtype_from_string("aaaa") == 28);
  CHECK(qtype_from_string("TYPE65534") == 65534);
  CHECK(qtype_to_string(65534) == "TYPE65534");
  for (const char* bad : {"", "AAA", "TYPE", "TYPE0", "TYPE65536", "TYPE1x", "TYPE99999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(qtype_from_string(bad));
  }
}

TEST_CASE("rcodes by name") {
  for (auto [name, value] : {std::pair{"NOERROR", 0},
                             {"FORMERR", 1},
                             {"SERVFAIL", 2},
                             {"NXDOMAIN", 3},
                             {"NOTIMP", 4},
                             {"REFUSED", 5}}) {
    CHECK(rcode_from_string(name) == value);
    CHECK(rcode_to_string(value) == name);
  }
  CHECK(rcode_from_string("nxdomain") == 3);
  CHECK_FALSE(rcode_from_string("NOPE"));
  CHECK(rcode_to_string(15) == "RCODE15");
}

TEST_CASE("hints name the thing and the next step") {
  CHECK(hint_for(Reason::ok, "127.0.0.1", 53).empty());
  for (auto r : kAllReasons) {
    if (r == Reason::ok) continue;
    CAPTURE(to_string(r));
    auto hint = hint_for(r, "127.0.0.1", 5353);
    CHECK_FALSE(hint.empty());
    CHECK(hint.find('\n') == std::string::npos);
    if (r != Reason::exit_status) CHECK(hint.find("127.0.0.1:5353") != std::string::npos);
  }
  auto refused = hint_for(Reason::connection_refused, "127.0.0.1", 53);
  CHECK(refused.find("nothing listens on 127.0.0.1:53") != std::string::npos);
  CHECK(refused.find("named-checkconf") != std::string::npos);
  CHECK(refused.find("unbound-checkconf") != std::string::npos);
  CHECK(hint_for(Reason::timeout, "::1", 53).find("[::1]:53") != std::string::npos);
  CHECK(hint_for(Reason::servfail, "::1", 53).find("DNSSEC") != std::string::npos);
  CHECK(hint_for(Reason::refused, "::1", 53).find("access-control") != std::string::npos);
}

TEST_CASE("a check that names its program gets that program's tools, and only those") {
  // The configuration checker each program ships (Knot Resolver 5 has none: kresd started by
  // hand is the check), as named in connection_refused hints.
  const std::pair<Software, std::string_view> checkers[] = {
      {Software::unbound, "unbound-checkconf"},
      {Software::bind, "named-checkconf"},
      {Software::pdns_recursor, "pdns_recursor --config=check"},
      {Software::knot_resolver, "kresd -n -c"},
      {Software::dnsdist, "dnsdist --check-config"}};
  auto any = hint_for(Reason::connection_refused, "127.0.0.1", 53);
  for (auto [software, checker] : checkers) {
    CAPTURE(to_string(software));
    CHECK(software_from_string(to_string(software)) == software);
    auto hint = hint_for(Reason::connection_refused, "127.0.0.1", 53, software);
    CHECK(hint.find(checker) != std::string::npos);
    CHECK(hint.find("nothing listens on 127.0.0.1:53") != std::string::npos);
    for (auto [other, other_checker] : checkers) {
      if (other != software) CHECK(hint.find(other_checker) == std::string::npos);
    }
    // Every named checker is also in the hint of a check that names no program, except
    // kresd's (it has no checker; the any hint says so).
    if (software != Software::knot_resolver) CHECK(any.find(checker) != std::string::npos);
    for (auto r : kAllReasons) {
      if (r == Reason::ok) continue;
      CAPTURE(to_string(r));
      auto h = hint_for(r, "::1", 5353, software);
      CHECK_FALSE(h.empty());
      CHECK(h.find('\n') == std::string::npos);
      if (r != Reason::exit_status) CHECK(h.find("[::1]:5353") != std::string::npos);
    }
  }
  CHECK(any.find("kresd has none") != std::string::npos);
  CHECK(to_string(Software::any).empty());
  CHECK_FALSE(software_from_string("any"));
  CHECK_FALSE(software_from_string("Unbound"));
  CHECK(hint_for(Reason::timeout, "127.0.0.1", 53, Software::pdns_recursor).find("rec_control") !=
        std::string::npos);
  CHECK(hint_for(Reason::servfail, "127.0.0.1", 53, Software::dnsdist).find("showServers()") !=
        std::string::npos);
  CHECK(hint_for(Reason::refused, "127.0.0.1", 53, Software::pdns_recursor).find("Lua") !=
        std::string::npos);
}
