// A DNS server is a stranger. Whatever bytes its names and records hold, the detail and
// the answers that reach the status file are printable UTF-8.
#include <catch2/catch.hpp>

#include "dns_packet.hpp"
#include "probes/classify.hpp"
#include "sidecar/lib/printable.hpp"

using namespace probes;
using probes_test::Header;
using probes_test::Packet;
using probes_test::reply;

namespace {

constexpr std::string_view kName = "probe.health.test.";

CheckResult classify(const Packet& p, std::uint16_t qtype, Expectation expect = {}) {
  Question q;
  q.id = 0x1234;
  q.qname = kName;
  q.qtype = qtype;
  return classify_reply(p.bytes, q, expect, 1.0);
}

void require_clean(const CheckResult& r) {
  INFO(r.detail);
  CHECK(text::valid_utf8(r.detail));
  for (unsigned char c : r.detail) CHECK((c >= 0x20 && c != 0x7f));
  for (const auto& a : r.answers) {
    CHECK(text::valid_utf8(a));
    for (unsigned char c : a) CHECK((c >= 0x20 && c != 0x7f));
  }
}

// A reply for kName whose single answer of `type` carries `rdata`.
Packet with_answer(std::uint16_t type, std::vector<std::uint8_t> rdata) {
  Header h;
  h.an = 1;
  auto p = reply(h, kName, type);
  p.pointer(12).u16(type).u16(1).u32(60).u16(static_cast<std::uint16_t>(rdata.size()));
  p.bytes.insert(p.bytes.end(), rdata.begin(), rdata.end());
  return p;
}

}  // namespace

TEST_CASE("hostile bytes in replies never reach the status file raw") {
  // TXT with Latin-1, a cut UTF-8 sequence, ESC and DEL.
  require_clean(
      classify(with_answer(16, {9, 'c', 'a', 'f', 0xe9, 0xc3, 0x1b, '[', 0x7f, 'x'}), 16, [] {
        Expectation e;
        e.answers = {"expected"};
        return e;
      }()));
  // A CNAME target whose labels hold 0xff bytes, ESC and a dot inside a label.
  require_clean(classify(with_answer(5, {3, 0xff, 0x1b, '.', 2, 0xc3, 0x28, 0}), 5));
  // The question echoed back with a high byte in a label (detail quotes it: another question).
  Header h;
  auto other = reply(h, "caf\xe9.test.", 1);
  require_clean(classify(other, 1));
  // An expectation that bypassed the config's checks (a library caller) is quoted in the
  // wrong_answer detail: the classifier's exit sanitizes it too. (c-ares already escapes names as
  // \DDD and TXT maps bytes to '?', so this case is the one that fails without that guard.)
  Expectation odd;
  odd.answers = {"caf\xe9\x1b"};
  require_clean(classify(with_answer(16, {2, 'o', 'k'}), 16, odd));
  // NS record pointing at itself (compression loop): bad_response, clean detail.
  require_clean(classify(with_answer(2, {0xc0, 0x00}), 2));
}
