// Validation and formatting of ExaBGP commands. The expected lines are the ones a real ExaBGP
// 4.2.21 accepted ("done") and applied, checked in GoBGP's RIB: every attribute, IPv4 and IPv6,
// one neighbor and two neighbors ("neighbor A , neighbor B announce ...").
#include <catch2/catch.hpp>
#include <string>

#include "exabgp-bridge/route.hpp"

using namespace bridge;

namespace {

Route make_route(const std::string& prefix, const std::string& next_hop = "self",
                 std::vector<std::string> neighbors = {}) {
  Route r;
  r.prefix = *parse_prefix(prefix);
  r.next_hop = *parse_next_hop(next_hop);
  r.neighbors = std::move(neighbors);
  return r;
}

}  // namespace

TEST_CASE("prefixes are canonicalised") {
  auto p = parse_prefix("192.0.2.53/32");
  REQUIRE(p);
  CHECK(p->text == "192.0.2.53/32");
  CHECK_FALSE(p->ipv6);
  auto v6 = parse_prefix("2001:DB8:0:0::53/128");
  REQUIRE(v6);
  CHECK(v6->text == "2001:db8::53/128");
  CHECK(v6->ipv6);
  CHECK(parse_prefix("0.0.0.0/0")->text == "0.0.0.0/0");
  CHECK(parse_prefix("::/0")->text == "::/0");
  CHECK(parse_prefix("203.0.113.0/24")->text == "203.0.113.0/24");
  CHECK(parse_prefix("2001:db8::/32")->text == "2001:db8::/32");
  CHECK(parse_prefix("192.0.2.53/032")->text == "192.0.2.53/32");
}

TEST_CASE("bad prefixes are rejected with a message naming the input") {
  for (const char* bad :
       {"", "/", "192.0.2.53", "192.0.2.53/", "192.0.2.53/33", "2001:db8::/129", "192.0.2.1/24",
        "2001:db8::1/64", "192.0.2.53/-1", "192.0.2.53/+32", "192.0.2.53/3 2", "192.0.2/24",
        "192.0.2.256/32", "1.2.3.4/32/32", "fe80::1%eth0/128", "192.0.2.53/99999999999",
        "192.0.2.53 /32", " 192.0.2.53/32", "192.0.2.53/32 "}) {
    std::string err;
    INFO(bad);
    CHECK_FALSE(parse_prefix(bad, &err));
    CHECK_FALSE(err.empty());
  }
  std::string err;
  parse_prefix("192.0.2.1/24", &err);
  CHECK(err.find("host bits") != std::string::npos);
  CHECK(err.find("192.0.2.1/24") != std::string::npos);
}

TEST_CASE("injection attempts never validate") {
  const std::string attempts[] = {
      "192.0.2.53/32\nshutdown",
      "192.0.2.53/32\rshutdown",
      std::string("192.0.2.53/32\0 next-hop 1.1.1.1", 31),
      std::string("192.0.2.53\0/32", 14),
      "192.0.2.53/32 next-hop self",
      "192.0.2.53/32]",
      "[192.0.2.53/32",
      "192.0.2.53/32;withdraw route 0.0.0.0/0",
  };
  for (const auto& a : attempts) {
    INFO(a);
    std::string err;
    CHECK_FALSE(parse_prefix(a, &err));
    CHECK(err.find('\n') == std::string::npos);  // the message itself is one safe line
    CHECK_FALSE(parse_address(a));
    CHECK_FALSE(parse_next_hop(a));
    CHECK_FALSE(valid_community(a));
    CHECK_FALSE(valid_large_community(a));
  }
  CHECK_FALSE(parse_address(std::string("192.0.2.1\0", 10)));
  CHECK_FALSE(parse_next_hop("self\nshutdown"));
  CHECK_FALSE(parse_next_hop("self "));
  CHECK_FALSE(valid_community("65000:53]"));
  CHECK_FALSE(valid_community("65000:53 65000:54"));
  CHECK_FALSE(valid_community("[65000:53"));
  CHECK_FALSE(valid_community("65000:53\nshutdown"));
  CHECK_FALSE(valid_large_community("1:2:3\nshutdown"));
  CHECK_FALSE(valid_large_community("1:2:3 4:5:6"));
}

TEST_CASE("next-hop is self or an address") {
  CHECK(parse_next_hop("self")->text == "self");
  CHECK(parse_next_hop("192.0.2.254")->text == "192.0.2.254");
  CHECK(parse_next_hop("2001:DB8::FE")->text == "2001:db8::fe");
  std::string err;
  CHECK_FALSE(parse_next_hop("SELF", &err));
  CHECK(err.find("self") != std::string::npos);
  CHECK_FALSE(parse_next_hop(""));
  CHECK_FALSE(parse_next_hop("192.0.2.254/32"));
  CHECK(parse_address("::ffff:192.0.2.1") == std::string("::ffff:192.0.2.1"));
  CHECK_FALSE(parse_address("192.0.2.01"));
  CHECK_FALSE(parse_address("localhost"));
}

TEST_CASE("communities") {
  for (const char* ok : {"65000:53", "0:0", "65535:65535", "no-export", "no-advertise",
                         "no-export-subconfed", "nopeer"}) {
    INFO(ok);
    CHECK(valid_community(ok));
  }
  for (const char* bad : {"", ":", "65536:1", "1:65536", "1", "1:2:3", "-1:2", "+1:2", "a:b",
                          "no_export", "NO-EXPORT", "blackhole ", "1:", ":1", "0x10"}) {
    std::string err;
    INFO(bad);
    CHECK_FALSE(valid_community(bad, &err));
    CHECK(err.find("community") != std::string::npos);
  }
}

TEST_CASE("large communities") {
  CHECK(valid_large_community("65000:1:2"));
  CHECK(valid_large_community("4294967295:4294967295:4294967295"));
  CHECK(valid_large_community("0:0:0"));
  for (const char* bad :
       {"", "1:2", "1:2:3:4", "4294967296:1:1", "1:4294967296:1", "1:1:4294967296", "a:b:c", "1::2",
        "::", "1:2:", "-1:2:3", "1:2:99999999999"}) {
    std::string err;
    INFO(bad);
    CHECK_FALSE(valid_large_community(bad, &err));
    CHECK(err.find("large community") != std::string::npos);
  }
}

TEST_CASE("announce with every attribute, as accepted by ExaBGP 4.2.21") {
  Attributes a;
  a.med = 100;
  a.local_preference = 200;
  a.community = {"65000:53", "no-export"};
  a.large_community = {"65000:1:2"};
  a.as_path = {65001, 65001};
  CHECK(format_announce(make_route("192.0.2.53/32", "192.0.2.254"), a) ==
        "announce route 192.0.2.53/32 next-hop 192.0.2.254 med 100 local-preference 200 "
        "community [65000:53 no-export] large-community [65000:1:2] as-path [65001 65001]");
}

TEST_CASE("announce with no attributes, and each attribute alone") {
  auto r = make_route("192.0.2.53/32");
  CHECK(format_announce(r, {}) == "announce route 192.0.2.53/32 next-hop self");
  Attributes med;
  med.med = 0;
  CHECK(format_announce(r, med) == "announce route 192.0.2.53/32 next-hop self med 0");
  Attributes lp;
  lp.local_preference = 4294967295u;
  CHECK(format_announce(r, lp) ==
        "announce route 192.0.2.53/32 next-hop self local-preference 4294967295");
  Attributes c;
  c.community = {"65000:53"};
  CHECK(format_announce(r, c) == "announce route 192.0.2.53/32 next-hop self community [65000:53]");
  Attributes lc;
  lc.large_community = {"1:2:3", "4:5:6"};
  CHECK(format_announce(r, lc) ==
        "announce route 192.0.2.53/32 next-hop self large-community [1:2:3 4:5:6]");
  Attributes path;
  path.as_path = {4200000000u};
  CHECK(format_announce(r, path) ==
        "announce route 192.0.2.53/32 next-hop self as-path [4200000000]");
}

TEST_CASE("IPv6 announce and withdraw") {
  auto r = make_route("2001:db8::53/128", "2001:db8::fe");
  Attributes a;
  a.med = 5;
  a.community = {"65000:53"};
  CHECK(format_announce(r, a) ==
        "announce route 2001:db8::53/128 next-hop 2001:db8::fe med 5 community [65000:53]");
  CHECK(format_withdraw(r) == "withdraw route 2001:db8::53/128 next-hop 2001:db8::fe");
}

TEST_CASE("neighbor scoping: one and several neighbors") {
  auto one = make_route("192.0.2.54/32", "192.0.2.254", {"127.0.0.2"});
  CHECK(format_announce(one, {}) ==
        "neighbor 127.0.0.2 announce route 192.0.2.54/32 next-hop 192.0.2.254");
  CHECK(format_withdraw(one) ==
        "neighbor 127.0.0.2 withdraw route 192.0.2.54/32 next-hop 192.0.2.254");
  auto two = make_route("192.0.2.55/32", "192.0.2.254", {"127.0.0.2", "127.0.0.3"});
  Attributes a;
  a.med = 7;
  CHECK(format_announce(two, a) ==
        "neighbor 127.0.0.2 , neighbor 127.0.0.3 announce route 192.0.2.55/32 next-hop "
        "192.0.2.254 med 7");
  CHECK(format_withdraw(two) ==
        "neighbor 127.0.0.2 , neighbor 127.0.0.3 withdraw route 192.0.2.55/32 next-hop "
        "192.0.2.254");
  auto v6peer = make_route("2001:db8::53/128", "2001:db8::fe", {"2001:db8::2"});
  CHECK(format_withdraw(v6peer) ==
        "neighbor 2001:db8::2 withdraw route 2001:db8::53/128 next-hop 2001:db8::fe");
}

TEST_CASE("withdraw") {
  CHECK(format_withdraw(make_route("192.0.2.53/32")) ==
        "withdraw route 192.0.2.53/32 next-hop self");
}

TEST_CASE("route keys: prefix plus neighbor scope, not attributes or next-hop") {
  auto a = make_route("192.0.2.53/32");
  auto b = make_route("192.0.2.53/32", "192.0.2.254");
  auto c = make_route("192.0.2.53/32", "self", {"127.0.0.2"});
  auto d = make_route("192.0.2.53/32", "self", {"127.0.0.2", "127.0.0.3"});
  auto e = make_route("192.0.2.54/32");
  CHECK(route_key(a) == route_key(b));
  CHECK(route_key(a) != route_key(c));
  CHECK(route_key(c) != route_key(d));
  CHECK(route_key(a) != route_key(e));
  CHECK(route_key(a) == "192.0.2.53/32");
}
