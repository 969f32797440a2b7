// The reply classifier over crafted packets: every reason a reply can carry, every way a packet
// can be malformed (always bad_response, never a crash).
#include <ares.h>

#include <catch2/catch.hpp>
#include <random>

#include "dns_packet.hpp"
#include "probes/classify.hpp"

using namespace probes;
using probes_test::a_record;
using probes_test::Header;
using probes_test::Packet;
using probes_test::reply;

namespace {

constexpr std::string_view kName = "probe.health.test.";
constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28,
                        SRV = 33;

CheckResult classify(const Packet& p, std::uint16_t qtype = A, Expectation expect = {},
                     std::uint16_t id = 0x1234, std::string_view qname = kName) {
  Question q;
  q.id = id;
  q.qname = qname;
  q.qtype = qtype;
  return classify_reply(p.bytes, q, expect, 1.5);
}

Expectation answers(std::vector<std::string> a) {
  Expectation e;
  e.answers = std::move(a);
  return e;
}

Packet one_a(std::initializer_list<std::uint8_t> addr = {192, 0, 2, 1}) {
  Header h;
  h.an = 1;
  auto p = reply(h, kName, A);
  return a_record(p, addr);
}

}  // namespace

TEST_CASE("a NOERROR reply with the expected address is ok") {
  auto r = classify(one_a(), A, answers({"192.0.2.1"}));
  CHECK(r.ok);
  CHECK(r.reason == Reason::ok);
  CHECK(r.detail == "NOERROR 1 answer");
  REQUIRE(r.rcode);
  CHECK(*r.rcode == 0);
  CHECK(r.answers == std::vector<std::string>{"192.0.2.1"});
  CHECK(r.rtt_ms == 1.5);
}

TEST_CASE("without expected answers any answer of the asked type is ok") {
  Header h;
  h.an = 2;
  auto p = reply(h, kName, A);
  a_record(p, {192, 0, 2, 1});
  a_record(p, {192, 0, 2, 2});
  auto r = classify(p);
  CHECK(r.ok);
  CHECK(r.detail == "NOERROR 2 answers");
  CHECK(r.answers == std::vector<std::string>{"192.0.2.1", "192.0.2.2"});
}

TEST_CASE("every expected answer must be present") {
  Header h;
  h.an = 2;
  auto p = reply(h, kName, A);
  a_record(p, {192, 0, 2, 1});
  a_record(p, {192, 0, 2, 2});
  CHECK(classify(p, A, answers({"192.0.2.2", "192.0.2.1"})).ok);
  auto r = classify(p, A, answers({"192.0.2.1", "192.0.2.9"}));
  CHECK_FALSE(r.ok);
  CHECK(r.reason == Reason::wrong_answer);
  CHECK(r.detail == "expected 192.0.2.9, got 192.0.2.1 192.0.2.2");
}

TEST_CASE("a different address is wrong_answer") {
  auto r = classify(one_a({192, 0, 2, 80}), A, answers({"192.0.2.1"}));
  CHECK(r.reason == Reason::wrong_answer);
  CHECK(r.answers == std::vector<std::string>{"192.0.2.80"});
}

TEST_CASE("IPv6 answers compare canonically") {
  Header h;
  h.an = 1;
  auto p = reply(h, kName, AAAA);
  a_record(p, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, AAAA);
  auto r = classify(p, AAAA, answers({"2001:DB8:0:0:0::1"}));
  CHECK(r.ok);
  CHECK(r.answers == std::vector<std::string>{"2001:db8::1"});
  CHECK(classify(p, AAAA, answers({"2001:db8::2"})).reason == Reason::wrong_answer);
}

TEST_CASE("NOERROR without an answer of the asked type is nodata") {
  Header h;
  auto empty = reply(h, kName, AAAA);
  auto r = classify(empty, AAAA);
  CHECK(r.reason == Reason::nodata);
  CHECK(r.detail == "NOERROR 0 answers of type AAAA");
  // A CNAME alone does not answer an A question.
  h.an = 1;
  auto cname = reply(h, kName, A);
  cname.pointer(12).u16(CNAME).u16(1).u32(60).u16(4).raw({1, 'x'}).pointer(12);
  CHECK(classify(cname).reason == Reason::nodata);
}

TEST_CASE("rcodes name their reason") {
  for (auto [rcode, reason] : {std::pair{2, Reason::servfail}, std::pair{5, Reason::refused},
                               std::pair{3, Reason::nxdomain}, std::pair{4, Reason::bad_response},
                               std::pair{1, Reason::bad_response}}) {
    Header h;
    h.rcode = rcode;
    auto r = classify(reply(h, kName, A));
    CAPTURE(rcode);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == reason);
    REQUIRE(r.rcode);
    CHECK(*r.rcode == rcode);
  }
  Header h;
  h.rcode = 2;
  CHECK(classify(reply(h, kName, A)).detail == "SERVFAIL (expected NOERROR)");
}

TEST_CASE("an error reply without a question is judged by its rcode") {
  Header h;
  h.rcode = 5;
  h.qd = 0;
  auto r = classify(probes_test::header(h));
  CHECK(r.reason == Reason::refused);
}

TEST_CASE("the expected rcode is ok, NOERROR then is not") {
  Expectation nx;
  nx.rcode = 3;
  Header h;
  h.rcode = 3;
  auto r = classify(reply(h, kName, A), A, nx);
  CHECK(r.ok);
  CHECK(r.detail == "NXDOMAIN as expected");
  CHECK(classify(one_a(), A, nx).reason == Reason::wrong_answer);
  Header empty;
  CHECK(classify(reply(empty, kName, A), A, nx).reason == Reason::nodata);
  Header servfail;
  servfail.rcode = 2;
  CHECK(classify(reply(servfail, kName, A), A, nx).reason == Reason::servfail);
}

TEST_CASE("the question echo matches case-insensitively, with or without the final dot") {
  CHECK(classify(one_a(), A, {}, 0x1234, "PROBE.Health.TEST").ok);
}

TEST_CASE("textual answers of the common types") {
  struct Case {
    std::uint16_t type;
    std::vector<std::uint8_t> rdata;
    std::string text;
  };
  std::vector<Case> cases = {
      {NS, {2, 'n', 's', 0xC0, 12}, "ns.probe.health.test."},
      {PTR, {4, 'h', 'o', 's', 't', 0}, "host."},
      {CNAME, {1, 'c', 0xC0, 12}, "c.probe.health.test."},
      {MX, {0, 10, 2, 'm', 'x', 0}, "10 mx."},
      {TXT, {7, 'h', 'e', 'a', 'l', 't', 'h', 'y'}, "healthy"},
      {TXT, {2, 'a', 'b', 1, 'c'}, "abc"},
      {SRV, {0, 1, 0, 2, 0, 53, 2, 'n', 's', 0}, "1 2 53 ns."},
      {SOA,
       {2, 'n', 's', 0, 1, 'h', 0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4},
       "ns. h. 7"},
  };
  for (const auto& c : cases) {
    Header h;
    h.an = 1;
    auto p = reply(h, kName, c.type);
    p.pointer(12).u16(c.type).u16(1).u32(60).u16(static_cast<std::uint16_t>(c.rdata.size()));
    p.bytes.insert(p.bytes.end(), c.rdata.begin(), c.rdata.end());
    CAPTURE(c.type, c.text);
    auto r = classify(p, c.type, answers({c.text}));
    CHECK(r.ok);
    CHECK(r.answers == std::vector<std::string>{c.text});
  }
}

TEST_CASE("malformed replies are bad_response") {
  Header h;
  auto good = one_a();

  SECTION("shorter than a header") {
    for (std::size_t n : {0, 1, 11}) {
      Packet p;
      p.bytes.assign(good.bytes.begin(), good.bytes.begin() + static_cast<long>(n));
      CHECK(classify(p).reason == Reason::bad_response);
    }
  }
  SECTION("QR=0: a query, not a reply") {
    h.qr = false;
    CHECK(classify(reply(h, kName, A)).reason == Reason::bad_response);
  }
  SECTION("wrong ID (checked only when given)") {
    auto r = classify(good, A, {}, 0x4321);
    CHECK(r.reason == Reason::bad_response);
    CHECK(r.detail.find("ID") != std::string::npos);
    CHECK(classify(good, A, {}, 0).ok);
  }
  SECTION("another question") {
    CHECK(classify(good, A, {}, 0x1234, "other.health.test").reason == Reason::bad_response);
    CHECK(classify(good, AAAA).reason == Reason::bad_response);
  }
  SECTION("truncated (TC=1)") {
    h.tc = true;
    h.an = 1;
    auto p = reply(h, kName, A);
    auto r = classify(a_record(p, {192, 0, 2, 1}));
    CHECK(r.reason == Reason::bad_response);
    CHECK(r.detail.find("TCP") != std::string::npos);
  }
  SECTION("bad counts: more questions or answers than the packet holds") {
    h.qd = 2;
    CHECK(classify(reply(h, kName, A)).reason == Reason::bad_response);
    Header many;
    many.an = 3;
    auto p = reply(many, kName, A);
    CHECK(classify(a_record(p, {192, 0, 2, 1})).reason == Reason::bad_response);
    Header none;
    none.qd = 0;
    CHECK(classify(probes_test::header(none)).reason == Reason::bad_response);
  }
  SECTION("compression loop") {
    h.an = 1;
    auto p = reply(h, kName, A);
    auto at = static_cast<std::uint16_t>(p.size());
    p.pointer(at).u16(A).u16(1).u32(60).u16(4).raw({192, 0, 2, 1});
    CHECK(classify(p).reason == Reason::bad_response);
    // Two pointers pointing at each other.
    Header h2;
    h2.an = 1;
    auto q = reply(h2, kName, A);
    auto first = static_cast<std::uint16_t>(q.size());
    q.pointer(static_cast<std::uint16_t>(first + 2)).pointer(first);
    q.u16(A).u16(1).u32(60).u16(4).raw({192, 0, 2, 1});
    CHECK(classify(q).reason == Reason::bad_response);
  }
  SECTION("pointer out of range") {
    h.an = 1;
    auto p = reply(h, kName, A);
    p.pointer(0x3fff).u16(A).u16(1).u32(60).u16(4).raw({192, 0, 2, 1});
    CHECK(classify(p).reason == Reason::bad_response);
  }
  SECTION("label runs past the end, question cut short") {
    Packet p = probes_test::header(h);
    p.raw({20, 'p', 'r', 'o'});
    CHECK(classify(p).reason == Reason::bad_response);
    Packet q = probes_test::header(h);
    q.name(kName).u8(0);  // qtype/qclass missing
    CHECK(classify(q).reason == Reason::bad_response);
  }
  SECTION("RDATA longer than the packet, or the wrong size for its type") {
    h.an = 1;
    auto p = reply(h, kName, A);
    p.pointer(12).u16(A).u16(1).u32(60).u16(40).raw({192, 0, 2, 1});
    CHECK(classify(p).reason == Reason::bad_response);
    Header h2;
    h2.an = 1;
    auto q = reply(h2, kName, A);
    q.pointer(12).u16(A).u16(1).u32(60).u16(5).raw({192, 0, 2, 1, 9});
    CHECK(classify(q).reason == Reason::bad_response);
    Header h3;
    h3.an = 1;
    auto t = reply(h3, kName, TXT);
    t.pointer(12).u16(TXT).u16(1).u32(60).u16(3).raw({9, 'a', 'b'});
    CHECK(classify(t, TXT).reason == Reason::bad_response);
  }
}

TEST_CASE("every truncation and random corruption of a reply is classified, never a crash") {
  auto good = one_a();
  for (std::size_t n = 0; n < good.size(); ++n) {
    Packet p;
    p.bytes.assign(good.bytes.begin(), good.bytes.begin() + static_cast<long>(n));
    auto r = classify(p);
    CAPTURE(n);
    CHECK_FALSE(r.ok);
  }
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    Packet p = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) p.bytes[rng() % p.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 3 == 0) p.bytes.resize(rng() % (p.size() + 8), 0xC0);
    auto r = classify(p, A, answers({"192.0.2.1"}));
    if (r.ok) CHECK(r.answers == std::vector<std::string>{"192.0.2.1"});
  }
}

TEST_CASE("c-ares statuses map to reasons") {
  CHECK(classify_ares_status(ARES_ETIMEOUT, 500).reason == Reason::timeout);
  CHECK(classify_ares_status(ARES_ETIMEOUT, 500).rtt_ms == 500);
  CHECK(classify_ares_status(ARES_ECONNREFUSED, 1).reason == Reason::connection_refused);
  CHECK(classify_ares_status(ARES_EBADRESP, 1).reason == Reason::bad_response);
  CHECK(classify_ares_status(ARES_EFORMERR, 1).reason == Reason::bad_response);
  CHECK(classify_ares_status(ARES_ENOMEM, 1).reason == Reason::network_error);
  CHECK(classify_ares_status(ARES_EBADNAME, 1).reason == Reason::network_error);
  CHECK_FALSE(classify_ares_status(ARES_ECONNREFUSED, 1).ok);
  CHECK_FALSE(classify_ares_status(ARES_ECONNREFUSED, 1).detail.empty());
}

TEST_CASE("a right answer slower than max_rtt_ms is slow; a wrong one stays wrong_answer") {
  Question q;
  q.id = 0x1234;
  q.qname = kName;
  q.qtype = A;
  auto e = answers({"192.0.2.1"});
  e.max_rtt = std::chrono::milliseconds(100);
  auto fast = classify_reply(one_a().bytes, q, e, 99.9);
  CHECK(fast.ok);
  CHECK(fast.reason == Reason::ok);
  auto edge = classify_reply(one_a().bytes, q, e, 100.0);
  CHECK(edge.ok);  // "took longer" than the maximum: equal is still in time
  auto slow = classify_reply(one_a().bytes, q, e, 250.0);
  CHECK_FALSE(slow.ok);
  CHECK(slow.reason == Reason::slow);
  CHECK(slow.detail == "NOERROR 1 answer in 250.0 ms, more than max_rtt_ms 100");
  CHECK(slow.answers == std::vector<std::string>{"192.0.2.1"});
  auto wrong = classify_reply(one_a({192, 0, 2, 9}).bytes, q, e, 250.0);
  CHECK(wrong.reason == Reason::wrong_answer);
  Header h;
  h.rcode = 2;
  auto servfail = classify_reply(reply(h, kName, A).bytes, q, e, 250.0);
  CHECK(servfail.reason == Reason::servfail);
  auto unset = classify_reply(one_a().bytes, q, answers({"192.0.2.1"}), 5000.0);
  CHECK(unset.ok);  // no max_rtt_ms: any round trip within the timeout passes
}
