// BridgeCore with a fake clock: time points are constructed, never read from the system.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "exabgp-bridge/bridge_core.hpp"

using bridge::BridgeCore;
using bridge::BridgeOptions;
using bridge::Clock;
using bridge::LinkState;
using Lines = std::vector<std::string>;
using std::chrono::milliseconds;

namespace {

const Clock::time_point T0{std::chrono::hours(1000)};
Clock::time_point at(int ms) {
  return T0 + milliseconds(ms);
}

BridgeOptions opts(bool ack = true) {
  BridgeOptions o;
  o.ack = ack;
  o.ack_timeout = milliseconds(5000);
  o.ping_interval = milliseconds(10000);
  o.max_neighbors = 4;
  return o;
}

const std::string kA1 = "announce route 192.0.2.1/32 next-hop self med 1";
const std::string kA2 = "announce route 192.0.2.1/32 next-hop self med 2";
const std::string kA3 = "announce route 192.0.2.1/32 next-hop self med 3";
const std::string kB1 = "announce route 192.0.2.2/32 next-hop self";
const std::string kBw = "withdraw route 192.0.2.2/32 next-hop self";

std::string up(const std::string& peer) {
  return R"({ "exabgp": "4.0.1", "time": 1795394216.43345, "host" : "vm", "pid" : 6678, "ppid" : 6657, "counter": 2, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": ")" +
         peer + R"(" }, "asn": { "local": 65001, "peer": 65003 } , "state": "up" } })";
}
std::string down(const std::string& peer) {
  return R"({ "exabgp": "4.0.1", "time": 1795394247.4826984, "host" : "vm", "pid" : 6678, "ppid" : 1, "counter": 3, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": ")" +
         peer +
         R"json(" }, "asn": { "local": 65001, "peer": 65003 } , "state": "down", "reason": "peer reset, message (notification received (6,3)) error(Cease / Peer De-configured)" } })json";
}

// Writes a batch completely at `t` and returns it.
Lines write(BridgeCore& c, Clock::time_point t) {
  auto lines = c.take_batch(t);
  if (!lines.empty()) c.on_write_finished(t);
  return lines;
}

void ack(BridgeCore& c, Clock::time_point t, int n = 1, const char* what = "done") {
  for (int i = 0; i < n; ++i) c.on_line(what, t);
}

// A core past its first ping (which every fresh core sends), so tests start from a quiet link.
BridgeCore started(bool ack_on = true) {
  BridgeCore c(opts(ack_on));
  auto first = write(c, at(0));
  REQUIRE(first == Lines{"version"});
  if (ack_on) {
    c.on_line("exabgp 4.2.21", at(1));
    ack(c, at(1));
  } else {
    c.on_line("exabgp 4.2.21", at(1));
  }
  REQUIRE(c.idle());
  return c;
}

}  // namespace

TEST_CASE("a fresh core pings first: liveness (and ack mismatch) is known at once") {
  BridgeCore c(opts());
  CHECK(c.state() == LinkState::ok);
  REQUIRE(c.next_wakeup(at(0)) == at(0));
  c.set_desired("a", kA1);
  CHECK(write(c, at(0)) == Lines{kA1, "version"});
  CHECK(c.pending_acks() == 2);
  CHECK(c.counters().pings_written == 1);
  CHECK(c.counters().route_commands_written == 1);
  CHECK(c.counters().commands_written == 2);
}

TEST_CASE("stop-and-wait: nothing more is written while acks are pending") {
  auto c = started();
  c.set_desired("a", kA1);
  CHECK(c.take_batch(at(10)) == Lines{kA1});
  CHECK(c.write_in_progress());
  c.set_desired("b", kB1);
  CHECK(c.take_batch(at(11)).empty());  // write in progress
  c.on_write_finished(at(12));
  CHECK(c.take_batch(at(13)).empty());  // ack pending
  CHECK(c.pending_acks() == 1);
  CHECK_FALSE(c.idle());
  ack(c, at(14));
  CHECK(c.pending_acks() == 0);
  CHECK(write(c, at(15)) == Lines{kB1});
  ack(c, at(16));
  CHECK(c.idle());
  CHECK(c.last_ack() == at(16));
}

TEST_CASE("coalescing: only the latest desired state per route is written") {
  auto c = started();
  c.set_desired("a", kA1);
  CHECK(write(c, at(10)) == Lines{kA1});
  // ExaBGP is slow: three more states for a, two for b, while the ack is pending.
  c.set_desired("a", kA2);
  c.set_desired("b", kB1);
  c.set_desired("a", kA3);
  c.set_desired("b", kBw);
  CHECK(c.counters().coalesced == 2);
  CHECK(c.route_status("a").pending);
  CHECK(c.route_status("a").line == kA3);
  ack(c, at(20));
  CHECK(write(c, at(21)) == Lines{kBw, kA3});  // withdraws first
  ack(c, at(22), 2);
  CHECK(c.idle());
  CHECK(c.counters().route_commands_written == 3);
}

TEST_CASE("a desired state equal to the one written is not written again") {
  auto c = started();
  c.set_desired("a", kA1);
  write(c, at(10));
  ack(c, at(11));
  c.set_desired("a", kA1);
  CHECK(c.take_batch(at(12)).empty());
  CHECK(c.route_status("a").confirmed);
  // ... unless everything is re-sent.
  c.resend_all();
  CHECK(c.route_status("a").pending);
  CHECK_FALSE(c.route_status("a").confirmed);
  CHECK(write(c, at(13)) == Lines{kA1});
  ack(c, at(14));
  CHECK(c.route_status("a").confirmed);
}

TEST_CASE("memory stays bounded: 200,000 updates while stuck hold one line per route") {
  auto c = started();
  c.set_desired("a", kA1);
  write(c, at(10));  // never acknowledged
  for (int i = 0; i < 200000; ++i) {
    c.set_desired(i % 2 ? "a" : "b",
                  "announce route 192.0.2.1/32 next-hop self med " + std::to_string(i));
  }
  CHECK(c.take_batch(at(20)).empty());
  ack(c, at(30));
  auto batch = write(c, at(31));
  CHECK(batch.size() == 2);
  CHECK(batch[0] == "announce route 192.0.2.1/32 next-hop self med 199999");
  CHECK(batch[1] == "announce route 192.0.2.1/32 next-hop self med 199998");
}

TEST_CASE("confirmation needs every command up to the route's latest acknowledged") {
  auto c = started();
  c.set_desired("a", kA1);
  c.set_desired("b", kB1);
  CHECK_FALSE(c.route_status("a").confirmed);
  CHECK(c.route_status("a").known);
  CHECK_FALSE(c.route_status("zzz").known);
  write(c, at(10));
  CHECK_FALSE(c.route_status("a").confirmed);
  ack(c, at(11));  // one of two: counted, not paired, so only the first command counts
  CHECK(c.route_status("a").confirmed);
  CHECK_FALSE(c.route_status("b").confirmed);
  ack(c, at(12));
  CHECK(c.route_status("b").confirmed);
  // A newer desired state makes the route unconfirmed until it is acknowledged.
  c.set_desired("a", kA2);
  CHECK_FALSE(c.route_status("a").confirmed);
  CHECK(c.route_status("b").confirmed);
}

TEST_CASE("acks reordered (ExaBGP 4.2 answers version before an earlier announce)") {
  auto c = started();
  c.set_desired("a", kA1);
  auto batch = write(c, at(10'001));  // ping due again: 10 s since the last write
  REQUIRE(batch == Lines{kA1, "version"});
  // Captured order: "exabgp 4.2.21", "done" (for version), "done" (for the announce).
  c.on_line("exabgp 4.2.21", at(10'002));
  ack(c, at(10'003));
  CHECK(c.pending_acks() == 1);
  ack(c, at(10'004));
  CHECK(c.pending_acks() == 0);
  CHECK(c.route_status("a").confirmed);
  CHECK(c.state() == LinkState::ok);
}

TEST_CASE("extra acks are counted as unexpected and ignored") {
  auto c = started();
  ack(c, at(10), 3);
  CHECK(c.counters().unexpected_acks == 3);
  CHECK(c.pending_acks() == 0);
  c.set_desired("a", kA1);
  c.set_desired("b", kB1);
  write(c, at(11));
  ack(c, at(12), 3);
  CHECK(c.pending_acks() == 0);
  CHECK(c.counters().unexpected_acks == 4);
  // The extra ack is not banked for the next batch.
  c.set_desired("a", kA2);
  write(c, at(13));
  CHECK(c.pending_acks() == 1);
  CHECK_FALSE(c.route_status("a").confirmed);
}

TEST_CASE("an error ack rejects the routes of its batch, not earlier or later ones") {
  auto c = started();
  c.set_desired("a", kA1);
  write(c, at(10));
  ack(c, at(11));
  c.set_desired("b", "neighbor 127.0.0.9 announce route 192.0.2.2/32 next-hop self");
  c.set_desired("c", "announce route 192.0.2.3/32 next-hop self");
  write(c, at(12));
  ack(c, at(13), 1, "error");
  CHECK_FALSE(c.route_status("b").rejected);  // the batch is not complete yet
  ack(c, at(14));
  CHECK(c.counters().acks_error == 1);
  CHECK(c.counters().acks_done == 3);  // ping + a + the second of the batch
  CHECK(c.route_status("b").rejected);
  CHECK(c.route_status("c").rejected);  // counted, not paired: the whole batch is suspect
  CHECK_FALSE(c.route_status("b").confirmed);
  CHECK_FALSE(c.route_status("a").rejected);
  CHECK(c.route_status("a").confirmed);
  // A new state for b is written; its fresh batch succeeds.
  c.set_desired("b", kBw);
  CHECK_FALSE(c.route_status("b").rejected);  // the verdict was about the old line
  write(c, at(15));
  ack(c, at(16));
  CHECK_FALSE(c.route_status("b").rejected);
  CHECK(c.route_status("b").confirmed);
  CHECK(c.route_status("c").rejected);
}

TEST_CASE("stall: no acknowledgement within ack_timeout, then recovery re-sends everything") {
  auto c = started();
  c.set_desired("a", kA1);
  c.set_desired("b", kB1);
  write(c, at(100));
  ack(c, at(101));
  ack(c, at(102));
  c.set_desired("a", kA2);
  write(c, at(200));  // ExaBGP freezes now
  REQUIRE(c.next_wakeup(at(200)) == at(5200));
  c.tick(at(5199));
  CHECK(c.state() == LinkState::ok);
  c.tick(at(5200));
  CHECK(c.state() == LinkState::stalled);
  CHECK(c.counters().stalls == 1);
  CHECK(c.detail() ==
        "no acknowledgement from ExaBGP for 5.0 s (1 command pending): ExaBGP is not reading its "
        "API (stopped or overloaded?)");
  // Stalled: no deadline in the past (the writer would spin), nothing written.
  CHECK_FALSE(c.next_wakeup(at(6000)));
  c.set_desired("a", kA3);
  c.set_desired("b", kBw);
  CHECK(c.take_batch(at(30000)).empty());
  c.tick(at(30000));
  CHECK(c.counters().stalls == 1);  // one stall, however long
  // SIGCONT: the ack arrives; the latest state of every route goes once, plus a ping.
  ack(c, at(30200));
  CHECK(c.state() == LinkState::ok);
  CHECK(c.detail().empty());
  CHECK(c.next_wakeup(at(30200)) == at(30200));
  CHECK(write(c, at(30200)) == Lines{kBw, kA3, "version"});  // withdraws first
  ack(c, at(30201), 3);
  CHECK(c.idle());
  CHECK(c.route_status("a").confirmed);
  CHECK(c.route_status("b").confirmed);
}

TEST_CASE("stall: the age of the oldest unacked command counts, not the last ack") {
  auto c = started();
  c.set_desired("a", kA1);
  c.set_desired("b", kB1);
  c.set_desired("c", kA2);
  write(c, at(100));
  ack(c, at(3000));
  ack(c, at(5000));  // progress, but the batch is 5 s old at 5100
  c.tick(at(5099));
  CHECK(c.state() == LinkState::ok);
  c.tick(at(5100));
  CHECK(c.state() == LinkState::stalled);
  CHECK(c.detail().find("(1 command pending)") != std::string::npos);
}

TEST_CASE("stall: stdout not writable for ack_timeout") {
  auto c = started();
  c.set_desired("a", kA1);
  auto batch = c.take_batch(at(100));  // the write never finishes: the pipe is full
  REQUIRE(batch.size() == 1);
  CHECK(c.next_wakeup(at(100)) == at(5100));
  c.tick(at(5100));
  CHECK(c.state() == LinkState::stalled);
  CHECK(c.detail() ==
        "stdout to ExaBGP not writable for 5.0 s: ExaBGP is not reading its API (stopped or "
        "overloaded?)");
  CHECK_FALSE(c.next_wakeup(at(5200)));
  // The write completes much later, then the ack: ok again.
  c.on_write_finished(at(9000));
  CHECK(c.state() == LinkState::stalled);  // still owes the ack, now 8.9 s old
  CHECK(c.detail().find("no acknowledgement") != std::string::npos);
  ack(c, at(9001));
  CHECK(c.state() == LinkState::ok);
  CHECK(c.route_status("a").pending);  // recovery re-sends
}

TEST_CASE("ack mismatch: ExaBGP answers version but never acknowledges") {
  BridgeCore c(opts(true));
  c.set_desired("a", kA1);
  REQUIRE(write(c, at(0)) == Lines{kA1, "version"});
  c.on_line("exabgp 4.2.21", at(1));  // exabgp.api.ack=false: no "done" ever comes
  c.tick(at(5000));
  CHECK(c.state() == LinkState::stalled);
  CHECK(c.detail().find("exabgp.api.ack=false") != std::string::npos);
  CHECK(c.detail().find("set exabgp.ack false in the sidecar config") != std::string::npos);
}

TEST_CASE("a frozen ExaBGP gets no hint about ack=false") {
  BridgeCore c(opts(true));
  write(c, at(0));
  c.tick(at(5000));
  CHECK(c.state() == LinkState::stalled);
  CHECK(c.detail().find("ack=false") == std::string::npos);
}

TEST_CASE("ping scheduling with ack on") {
  auto c = started();  // last write at 0
  CHECK(c.next_wakeup(at(5)) == at(10000));
  CHECK(c.take_batch(at(9999)).empty());
  CHECK(write(c, at(10000)) == Lines{"version"});
  // While the ping is unacknowledged, the next wakeup is its stall deadline.
  CHECK(c.next_wakeup(at(10000)) == at(15000));
  c.on_line("exabgp 4.2.21", at(10001));
  ack(c, at(10001));
  CHECK(c.next_wakeup(at(10001)) == at(20000));
  // A route write counts as traffic: the ping waits for ping_interval after it.
  c.set_desired("a", kA1);
  CHECK(c.next_wakeup(at(12000)) == at(12000));
  CHECK(write(c, at(12000)) == Lines{kA1});
  ack(c, at(12001));
  CHECK(c.next_wakeup(at(12001)) == at(22000));
  CHECK(c.counters().pings_written == 2);
}

TEST_CASE("whenever next_wakeup says now, take_batch has something (no busy loop)") {
  auto c = started();
  for (int t = 1; t < 60000; t += 137) {
    if (t % 3 == 0) c.set_desired("k" + std::to_string(t % 5), "line " + std::to_string(t));
    auto w = c.next_wakeup(at(t));
    if (w && *w <= at(t)) {
      auto before = c.state();
      c.tick(at(t));
      auto lines = c.take_batch(at(t));
      CHECK((!lines.empty() || c.state() != before));
      if (!lines.empty()) c.on_write_finished(at(t));
    }
    if (t % 7 == 0) ack(c, at(t), 2);
  }
}

TEST_CASE("ack off: lines go whenever no write is in progress; version answers prove liveness") {
  BridgeCore c(opts(false));
  c.set_desired("a", kA1);
  CHECK(c.take_batch(at(0)) == Lines{kA1, "version"});
  c.set_desired("b", kB1);
  CHECK(c.take_batch(at(1)).empty());  // one write at a time
  c.on_write_finished(at(2));
  CHECK(c.pending_acks() == 0);
  CHECK(c.route_status("a").confirmed);  // written is all we can know without acks
  CHECK(write(c, at(3)) == Lines{kB1});  // not waiting for the version answer
  CHECK(c.route_status("b").confirmed);
  CHECK(c.idle());
  c.on_line("exabgp 4.2.21", at(4));
  CHECK(c.last_ack() == at(4));
  // Acks are not expected: any that come are unexpected.
  ack(c, at(5));
  CHECK(c.counters().unexpected_acks == 1);
  CHECK(c.pending_acks() == 0);
}

TEST_CASE("ack off: an unanswered ping stalls the link; no second ping resets the clock") {
  auto c = started(false);  // ping at 0 answered at 1
  CHECK(write(c, at(10000)) == Lines{"version"});
  CHECK(c.next_wakeup(at(10000)) == at(15000));
  c.tick(at(14999));
  CHECK(c.state() == LinkState::ok);
  c.tick(at(15000));
  CHECK(c.state() == LinkState::stalled);
  CHECK(c.detail() ==
        "no answer from ExaBGP to a version ping for 5.0 s: ExaBGP is not reading its API "
        "(stopped or overloaded?)");
  // Route lines still go out (no acks to wait for), but no new ping while one is unanswered.
  c.set_desired("a", kA1);
  CHECK(write(c, at(20001)) == Lines{kA1});
  CHECK(c.take_batch(at(40000)).empty());
  CHECK_FALSE(c.next_wakeup(at(40000)));
  c.tick(at(40000));
  CHECK(c.state() == LinkState::stalled);
  // The answer arrives: ok, everything is re-sent, with a fresh ping.
  c.on_line("exabgp 4.2.21", at(40001));
  CHECK(c.state() == LinkState::ok);
  CHECK(write(c, at(40001)) == Lines{kA1, "version"});
  CHECK(c.counters().stalls == 1);
}

TEST_CASE("ack off: pings go on schedule even while routes are written all the time") {
  auto c = started(false);  // ping at 0
  int pings = 0;
  for (int t = 1000; t <= 30000; t += 1000) {
    c.set_desired("a", "announce route 192.0.2.1/32 next-hop self med " + std::to_string(t));
    auto lines = write(c, at(t));
    REQUIRE(lines.size() >= 1);
    if (lines.back() == "version") {
      ++pings;
      c.on_line("exabgp 4.2.21", at(t + 1));
    }
    auto w = c.next_wakeup(at(t + 2));
    REQUIRE(w);
    CHECK(*w <= at(t + 2 + 10000));
  }
  CHECK(pings == 3);  // at 10 s, 20 s, 30 s
  CHECK(c.state() == LinkState::ok);
}

TEST_CASE("ack off: stdout not writable stalls too") {
  auto c = started(false);
  c.set_desired("a", kA1);
  REQUIRE(c.take_batch(at(100)) == Lines{kA1});
  c.tick(at(5100));
  CHECK(c.state() == LinkState::stalled);
  CHECK(c.detail().find("not writable") != std::string::npos);
  c.on_write_finished(at(6000));
  CHECK(c.state() == LinkState::ok);
}

TEST_CASE("neighbor states are recorded; a neighbor coming up gets every route again") {
  auto c = started();
  c.set_desired("a", kA1);
  c.set_desired("b", kB1);
  write(c, at(10));
  ack(c, at(11), 2);
  CHECK(c.idle());
  auto ev = c.on_line(up("127.0.0.2"), at(20));
  CHECK(ev.neighbor_changed);
  REQUIRE(c.neighbors().size() == 1);
  CHECK(c.neighbors()[0].peer == "127.0.0.2");
  CHECK(c.neighbors()[0].state == "up");
  CHECK(c.neighbors()[0].since == at(20));
  CHECK(write(c, at(21)) == Lines{kA1, kB1});
  ack(c, at(22), 2);
  ev = c.on_line(down("127.0.0.2"), at(30));
  CHECK(ev.neighbor_changed);
  CHECK(c.neighbors()[0].state == "down");
  CHECK(c.neighbors()[0].since == at(30));
  CHECK(c.take_batch(at(31)).empty());  // down: nothing to re-send
  ev = c.on_line(down("127.0.0.2"), at(32));
  CHECK_FALSE(ev.neighbor_changed);
  CHECK(c.neighbors()[0].since == at(30));
  ev = c.on_line("neighbor 127.0.0.2 up", at(40));  // text encoder works the same
  CHECK(ev.neighbor_changed);
  CHECK(write(c, at(41)) == Lines{kA1, kB1});
}

TEST_CASE("a repeated up for a neighbor already up re-sends nothing") {
  auto c = started();
  c.set_desired("a", kA1);
  write(c, at(10));
  ack(c, at(11), 1);
  c.on_line(up("127.0.0.2"), at(20));
  CHECK(write(c, at(21)) == Lines{kA1});
  ack(c, at(22), 1);
  for (int i = 0; i < 100; ++i) {
    auto ev = c.on_line(up("127.0.0.2"), at(30 + i));
    CHECK_FALSE(ev.neighbor_changed);
  }
  CHECK(c.take_batch(at(200)).empty());
  CHECK(c.neighbors()[0].since == at(20));
}

TEST_CASE("neighbor up while a batch is unacknowledged: re-sent after the acks") {
  auto c = started();
  c.set_desired("a", kA1);
  write(c, at(10));
  c.on_line(up("127.0.0.2"), at(11));
  CHECK(c.take_batch(at(12)).empty());
  ack(c, at(13));
  CHECK(write(c, at(14)) == Lines{kA1});
}

TEST_CASE("remembered neighbors are bounded") {
  auto c = started();
  for (int i = 0; i < 100; ++i) c.on_line(up("10.0.0." + std::to_string(i)), at(10 + i));
  CHECK(c.neighbors().size() == 4);
  // Known ones still update.
  auto ev = c.on_line(down("10.0.0.1"), at(500));
  CHECK(ev.neighbor_changed);
  CHECK(c.neighbors()[1].state == "down");
}

TEST_CASE("shutdown, JSON or text, is reported to the owner") {
  auto c = started();
  CHECK(
      c.on_line(
           R"({ "exabgp": "4.0.1", "time": 1795394262.5041873, "host" : "vm", "pid" : 6678, "ppid" : 1, "type": "notification", "notification": "shutdown" })",
           at(10))
          .shutdown);
  CHECK(c.on_line("shutdown 7000 6995", at(11)).shutdown);
  CHECK_FALSE(c.on_line("done", at(12)).shutdown);
  CHECK(c.state() == LinkState::ok);  // shutdown is the owner's call, not a link state
}

TEST_CASE("EOF makes the link gone for good") {
  auto c = started();
  c.set_desired("a", kA1);
  c.on_eof(at(10));
  CHECK(c.state() == LinkState::gone);
  CHECK(c.detail().find("EOF") != std::string::npos);
  CHECK(c.take_batch(at(11)).empty());
  CHECK_FALSE(c.next_wakeup(at(11)));
  c.tick(at(100000));
  CHECK(c.state() == LinkState::gone);
  ack(c, at(100001));
  CHECK(c.state() == LinkState::gone);
}

TEST_CASE("garbage and long lines are counted, not acted on") {
  auto c = started();
  auto before = c.counters();
  c.on_line("garbage", at(10));
  c.on_line(std::string("\xff\xfe", 2), at(11));
  c.on_line("", at(12));
  c.on_long_line_discarded();
  c.on_read_bytes(123);
  CHECK(c.counters().unknown_lines == before.unknown_lines + 2);
  CHECK(c.counters().lines_read == before.lines_read + 3);
  CHECK(c.counters().long_lines_discarded == 1);
  CHECK(c.counters().bytes_read == before.bytes_read + 123);
  CHECK(c.idle());
  CHECK(c.state() == LinkState::ok);
}

TEST_CASE("forget drops a route, pending or not") {
  auto c = started();
  c.set_desired("a", kA1);
  c.set_desired("b", kB1);
  c.forget("a");
  CHECK_FALSE(c.route_status("a").known);
  CHECK(write(c, at(10)) == Lines{kB1});
  ack(c, at(11));
  c.forget("b");
  c.resend_all();
  CHECK(c.idle());
}

TEST_CASE("link state names") {
  CHECK(bridge::to_string(LinkState::ok) == "ok");
  CHECK(bridge::to_string(LinkState::stalled) == "stalled");
  CHECK(bridge::to_string(LinkState::gone) == "gone");
}

TEST_CASE("ExaBGP's release is taken from its version answer") {
  for (bool ack_on : {true, false}) {
    BridgeCore c(opts(ack_on));
    CHECK(c.exabgp_version().empty());
    REQUIRE(write(c, at(0)) == Lines{"version"});
    c.on_line("exabgp 5.0.15", at(1));
    if (ack_on) ack(c, at(1));
    CHECK(c.exabgp_version() == "5.0.15");
    c.on_line("exabgp nonsense", at(2));  // not a release number: the known one stays
    CHECK(c.exabgp_version() == "5.0.15");
  }
}

TEST_CASE("a batch writes withdraws before announces, whatever the keys' order") {
  // The scoped route "P|X" becomes the unscoped "P" (a reload dropped its neighbors): in key order
  // the announce of P would go first and the neighbor withdraw would then remove P from X.
  const std::string announce = "announce route 192.0.2.53/32 next-hop self";
  const std::string scoped_withdraw =
      "neighbor 192.0.2.254 withdraw route 192.0.2.53/32 next-hop self";
  auto c = started();
  c.retire("192.0.2.53/32|192.0.2.254", scoped_withdraw);
  c.set_desired("192.0.2.53/32", announce);
  CHECK(write(c, at(10)) == Lines{scoped_withdraw, announce});
  // The other way round too: an unscoped withdraw, then the scoped announce.
  ack(c, at(11), 2);
  const std::string scoped_announce =
      "neighbor 192.0.2.254 announce route 192.0.2.53/32 next-hop self";
  const std::string withdraw = "withdraw route 192.0.2.53/32 next-hop self";
  c.set_desired("192.0.2.53/32|192.0.2.254", scoped_announce);
  c.retire("192.0.2.53/32", withdraw);
  CHECK(write(c, at(20)) == Lines{withdraw, scoped_announce});
}

TEST_CASE("a retired route is forgotten once acknowledged: a re-send is the desired state only") {
  const std::string announce = "announce route 192.0.2.53/32 next-hop self";
  const std::string scoped_withdraw =
      "neighbor 192.0.2.254 withdraw route 192.0.2.53/32 next-hop self";
  auto c = started();
  c.set_desired("192.0.2.53/32", announce);
  c.retire("192.0.2.53/32|192.0.2.254", scoped_withdraw);
  write(c, at(10));
  CHECK(c.route_status("192.0.2.53/32|192.0.2.254").known);  // not yet acknowledged
  ack(c, at(11), 2);
  CHECK_FALSE(c.route_status("192.0.2.53/32|192.0.2.254").known);
  CHECK(c.route_status("192.0.2.53/32").confirmed);
  c.on_line(up("192.0.2.254"), at(20));
  CHECK(write(c, at(21)) == Lines{announce});
}

TEST_CASE("a retired route rejected by ExaBGP is kept, one owned again is not forgotten") {
  const std::string withdraw = "withdraw route 192.0.2.53/32 next-hop self";
  auto c = started();
  c.retire("p", withdraw);
  write(c, at(10));
  ack(c, at(11), 1, "error");
  CHECK(c.route_status("p").known);  // the withdraw may not have happened: keep it
  c.set_desired("q", kB1);
  c.retire("q", kBw);
  c.set_desired("q", kB1);  // a service owns it again before the withdraw went out
  write(c, at(20));
  ack(c, at(21), 1);
  CHECK(c.route_status("q").known);
  CHECK(c.route_status("q").confirmed);
}

TEST_CASE("ack off: a retired route is forgotten once written") {
  auto c = started(false);
  c.retire("p", kBw);
  CHECK(write(c, at(10)) == Lines{kBw});
  CHECK_FALSE(c.route_status("p").known);
}
