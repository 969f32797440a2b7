// Putting the question back into a bare-header error reply, and TCP reframing.
#include <catch2/catch.hpp>

#include "dns_packet.hpp"
#include "probes/question_restore.hpp"

using probes::QuestionRestorer;
using probes::StreamFramer;
using probes_test::Header;
using probes_test::Packet;

namespace {

Packet query(std::uint16_t id) {
  Header h;
  h.id = id;
  h.qr = false;
  return probes_test::reply(h, "probe.health.test", 1);
}

}  // namespace

TEST_CASE("a bare-header reply to a known query gets the query's question") {
  QuestionRestorer r;
  auto q = query(7);
  r.on_query(q.bytes);
  Header h;
  h.id = 7;
  h.qd = 0;
  h.rcode = 5;
  auto fixed = r.on_reply(probes_test::header(h).bytes);
  auto want = probes_test::reply(
      [] {
        Header w;
        w.id = 7;
        w.rcode = 5;
        return w;
      }(),
      "probe.health.test", 1);
  CHECK(fixed == want.bytes);
  CHECK(r.remembered() == 0);
  // Only once: a second bare reply with that ID stays as it is.
  CHECK(r.on_reply(probes_test::header(h).bytes) == probes_test::header(h).bytes);
}

TEST_CASE("other replies pass unchanged") {
  QuestionRestorer r;
  r.on_query(query(7).bytes);
  Header h;
  h.id = 8;
  h.qd = 0;
  CHECK(r.on_reply(probes_test::header(h).bytes) == probes_test::header(h).bytes);  // unknown ID
  Header q;
  q.id = 7;
  q.qd = 0;
  q.qr = false;
  CHECK(r.on_reply(probes_test::header(q).bytes) == probes_test::header(q).bytes);  // not a reply
  Header full;
  full.id = 7;
  auto complete = probes_test::reply(full, "probe.health.test", 1);
  CHECK(r.on_reply(complete.bytes) == complete.bytes);  // has its question
  std::vector<std::uint8_t> tiny = {0, 7, 0x80};
  CHECK(r.on_reply(tiny) == tiny);
}

TEST_CASE("malformed queries are not remembered, memory stays bounded") {
  QuestionRestorer r;
  r.on_query(std::vector<std::uint8_t>{1, 2, 3});
  Packet cut = query(1);
  cut.bytes.resize(cut.size() - 2);
  r.on_query(cut.bytes);
  Packet compressed = probes_test::header(Header{});
  compressed.pointer(12).u16(1).u16(1);
  r.on_query(compressed.bytes);
  CHECK(r.remembered() == 0);
  for (int id = 0; id < 70000; ++id) r.on_query(query(static_cast<std::uint16_t>(id)).bytes);
  CHECK(r.remembered() <= 4096);
}

TEST_CASE("unanswered queries are forgotten; the oldest is evicted first") {
  QuestionRestorer r;
  r.on_query(query(1).bytes);
  r.on_query(query(2).bytes);
  r.forget(1);  // timed out
  r.forget(3);  // never known: no effect
  CHECK(r.remembered() == 1);
  Header bare;
  bare.id = 1;
  bare.qd = 0;
  bare.rcode = 5;
  CHECK(r.on_reply(probes_test::header(bare).bytes) == probes_test::header(bare).bytes);
  r.forget(2);
  CHECK(r.remembered() == 0);

  // Full: the oldest goes, a re-sent ID counts as new, the newest stay.
  for (std::size_t id = 0; id < QuestionRestorer::kMaxRemembered; ++id)
    r.on_query(query(static_cast<std::uint16_t>(id)).bytes);
  r.on_query(query(0).bytes);  // ID 0 again: now the newest
  r.on_query(query(60000).bytes);
  CHECK(r.remembered() == QuestionRestorer::kMaxRemembered);
  bare.id = 1;  // the oldest, evicted
  CHECK(r.on_reply(probes_test::header(bare).bytes).size() == 12);
  bare.id = 0;  // refreshed, kept
  CHECK(r.on_reply(probes_test::header(bare).bytes).size() > 12);
}

TEST_CASE("the TCP framer splits a stream at message boundaries, in any chunking") {
  std::vector<std::uint8_t> stream = {0, 3, 'a', 'b', 'c', 0, 0, 0, 1, 'x'};
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    StreamFramer f;
    std::vector<std::vector<std::uint8_t>> got;
    REQUIRE(f.append({stream.data(), cut}));
    while (auto m = f.next()) got.push_back(*m);
    REQUIRE(f.append({stream.data() + cut, stream.size() - cut}));
    while (auto m = f.next()) got.push_back(*m);
    CAPTURE(cut);
    CHECK(got == std::vector<std::vector<std::uint8_t>>{{'a', 'b', 'c'}, {}, {'x'}});
  }
  StreamFramer f;
  std::vector<std::uint8_t> big(StreamFramer::kMaxBuffered + 1, 0xff);
  CHECK_FALSE(f.append(big));
}
