// Parser and line splitter, fed with what a real ExaBGP 4.2.21 (Debian 12) wrote to its process
// child. Captured on loopback against GoBGP 3.10 with `encoder json` and `neighbor-changes` (plus
// `receive { parsed; update; keepalive; }` for the update/keepalive samples), and once with
// `encoder text` and exabgp.api.ack=false.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "exabgp-bridge/api_message.hpp"

using bridge::ApiMessage;
using bridge::LineSplitter;
using bridge::parse_api_line;
using Kind = ApiMessage::Kind;

namespace {

// --- captured, JSON encoder ---
const std::string kConnected =
    R"({ "exabgp": "4.0.1", "time": 1795394216.4282124, "host" : "vm", "pid" : 6678, "ppid" : 6657, "counter": 1, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 65001, "peer": 65002 } , "state": "connected" } })";
const std::string kUp =
    R"({ "exabgp": "4.0.1", "time": 1795394216.43345, "host" : "vm", "pid" : 6678, "ppid" : 6657, "counter": 2, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.3" }, "asn": { "local": 65001, "peer": 65003 } , "state": "up" } })";
const std::string kDownPeerReset =
    R"json({ "exabgp": "4.0.1", "time": 1795394247.4826984, "host" : "vm", "pid" : 6678, "ppid" : 1, "counter": 3, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.3" }, "asn": { "local": 65001, "peer": 65003 } , "state": "down", "reason": "peer reset, message (notification received (6,3)) error(Cease / Peer De-configured)" } })json";
const std::string kDownShuttingDown =
    R"json({ "exabgp": "4.0.1", "time": 1795394262.5024552, "host" : "vm", "pid" : 6678, "ppid" : 1, "counter": 3, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 65001, "peer": 65002 } , "state": "down", "reason": "stop, message (shutting down)" } })json";
const std::string kNotificationShutdown =
    R"({ "exabgp": "4.0.1", "time": 1795394262.5041873, "host" : "vm", "pid" : 6678, "ppid" : 1, "type": "notification", "notification": "shutdown" })";
const std::string kKeepalive =
    R"({ "exabgp": "4.0.1", "time": 1795394464.1184897, "host" : "vm", "pid" : 9931, "ppid" : 9924, "counter": 2, "type": "keepalive", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 65001, "peer": 65002 } , "direction": "receive"  } })";
const std::string kUpdate =
    R"({ "exabgp": "4.0.1", "time": 1795394467.9050741, "host" : "vm", "pid" : 9931, "ppid" : 9924, "counter": 5, "type": "update", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 65001, "peer": 65002 } , "direction": "receive", "message": { "update": { "attribute": { "origin": "incomplete", "as-path": [ 65002 ], "confederation-path": [], "community": [ [ 65002, 1 ] ] }, "announce": { "ipv4 unicast": { "192.0.2.1": [ { "nlri": "10.99.0.0/24" } ] } } } } } })";

// --- captured, text encoder (each message followed by a blank line) ---
const std::string kTextConnected = "neighbor 127.0.0.3 connected";
const std::string kTextUp = "neighbor 127.0.0.2 up";
const std::string kTextDown =
    "neighbor 127.0.0.3 down - peer reset, message [notification received (6,3)] error[Cease / "
    "Peer De-configured]";
const std::string kTextShutdown = "shutdown 7000 6995";

// --- captured, plain text with either encoder ---
const std::string kVersion = "exabgp 4.2.21";

// The byte stream of one captured session: version ping, announces, a reordered pair of acks
// (announce then version: "exabgp 4.2.21", "done", "done"), an error for an unknown neighbor.
const std::string kSession = kConnected + "\n" + kUp + "\n" + kVersion + "\ndone\ndone\nerror\n" +
                             kVersion + "\ndone\ndone\n" + kDownShuttingDown + "\n" +
                             kNotificationShutdown + "\n";

}  // namespace

TEST_CASE("acks, shutdown and version answers from ExaBGP 4.2.21") {
  CHECK(parse_api_line("done").kind == Kind::ack_done);
  CHECK(parse_api_line("error").kind == Kind::ack_error);
  CHECK(parse_api_line("shutdown").kind == Kind::shutdown);
  CHECK(parse_api_line(kTextShutdown).kind == Kind::shutdown);
  auto v = parse_api_line(kVersion);
  CHECK(v.kind == Kind::version);
  CHECK(v.text == "exabgp 4.2.21");
  CHECK(parse_api_line("").kind == Kind::blank);
  CHECK(parse_api_line("  \t").kind == Kind::blank);
  // Words that merely start like an ack are not acks.
  CHECK(parse_api_line("doneX").kind == Kind::unknown);
  CHECK(parse_api_line("errors").kind == Kind::unknown);
  CHECK(parse_api_line("shutdownnow").kind == Kind::unknown);
  CHECK(parse_api_line("exabgp").kind == Kind::unknown);
  CHECK(parse_api_line("exabgp x").kind == Kind::unknown);
}

TEST_CASE("CRLF and surrounding blanks are tolerated") {
  CHECK(parse_api_line("done\r").kind == Kind::ack_done);
  CHECK(parse_api_line(" error \r").kind == Kind::ack_error);
  CHECK(parse_api_line(kVersion + "\r").kind == Kind::version);
  CHECK(parse_api_line(kUp + "\r").kind == Kind::neighbor_state);
}

TEST_CASE("JSON neighbor state messages: connected, up, down with reason") {
  auto c = parse_api_line(kConnected);
  CHECK(c.kind == Kind::neighbor_state);
  CHECK(c.peer == "127.0.0.2");
  CHECK(c.state == "connected");
  auto u = parse_api_line(kUp);
  CHECK(u.kind == Kind::neighbor_state);
  CHECK(u.peer == "127.0.0.3");
  CHECK(u.state == "up");
  auto d = parse_api_line(kDownPeerReset);
  CHECK(d.kind == Kind::neighbor_state);
  CHECK(d.peer == "127.0.0.3");
  CHECK(d.state == "down");
  CHECK(parse_api_line(kDownShuttingDown).state == "down");
}

TEST_CASE("JSON notification shutdown") {
  CHECK(parse_api_line(kNotificationShutdown).kind == Kind::shutdown);
  CHECK(parse_api_line(R"({"type":"notification","notification":"other"})").kind ==
        Kind::other_json);
}

TEST_CASE("other JSON messages (update, keepalive) are recognised and ignored") {
  auto u = parse_api_line(kUpdate);
  CHECK(u.kind == Kind::other_json);
  CHECK(u.text == "update");
  CHECK(parse_api_line(kKeepalive).kind == Kind::other_json);
  // A state message without peer or state is not a neighbor change.
  CHECK(parse_api_line(R"({"type":"state","neighbor":{"state":"up"}})").kind == Kind::other_json);
  CHECK(parse_api_line(R"({"type":"state","neighbor":{"address":{"peer":7},"state":"up"}})").kind ==
        Kind::other_json);
  CHECK(parse_api_line(R"({"type":"state","neighbor":"x"})").kind == Kind::other_json);
  CHECK(parse_api_line(R"({"type":["state"]})").kind == Kind::other_json);
}

TEST_CASE("text encoder neighbor changes") {
  auto c = parse_api_line(kTextConnected);
  CHECK(c.kind == Kind::neighbor_state);
  CHECK(c.peer == "127.0.0.3");
  CHECK(c.state == "connected");
  auto u = parse_api_line(kTextUp);
  CHECK(u.kind == Kind::neighbor_state);
  CHECK(u.state == "up");
  auto d = parse_api_line(kTextDown);
  CHECK(d.kind == Kind::neighbor_state);
  CHECK(d.peer == "127.0.0.3");
  CHECK(d.state == "down");
  CHECK(parse_api_line("neighbor 127.0.0.3 sideways").kind == Kind::unknown);
  CHECK(parse_api_line("neighbor 127.0.0.3").kind == Kind::unknown);
}

TEST_CASE("garbage, truncated JSON and invalid UTF-8 are unknown, never a crash") {
  const std::vector<std::string> garbage = {
      "hello",
      "{",
      "{\"type\": \"state\"",
      kUp.substr(0, kUp.size() - 1),  // truncated
      "{} trailing",
      "[1,2,3]",
      std::string("\xff\xfe\xfd", 3),
      std::string("{\"type\": \"st\xc3\x28te\"}"),  // invalid UTF-8 inside a JSON string
      std::string("d\0ne", 4),
      std::string(1000, '{'),
      std::string(60000, '[') + std::string(60000, ']'),  // deep nesting: no stack overflow
      "\x1b[31mred\x1b[0m",
  };
  for (const auto& g : garbage) {
    auto m = parse_api_line(g);
    INFO(g.substr(0, 40));
    CHECK(m.kind == Kind::unknown);
    // The excerpt is short and printable: safe for logs and the status file.
    CHECK(m.text.size() <= 83);
    for (unsigned char ch : m.text) CHECK((ch >= 0x20 && ch < 0x7f));
  }
  CHECK(parse_api_line(std::string("\xff\xfe\xfd", 3)).text == "???");
}

TEST_CASE("a neighbor that is not an address is not a neighbor change") {
  CHECK(parse_api_line("{\"type\":\"state\",\"neighbor\":{\"address\":{\"peer\":\"1.2.3.4\\nshut"
                       "down\"},\"state\":\"up\"}}")
            .kind == Kind::other_json);
  CHECK(parse_api_line(R"({"type":"state","neighbor":{"address":{"peer":"router1"},"state":"up"}})")
            .kind == Kind::other_json);
  CHECK(parse_api_line("neighbor router1 up").kind == Kind::unknown);
  CHECK(parse_api_line("neighbor " + std::string(100, '1') + " up").kind == Kind::unknown);
  auto v6 = parse_api_line(
      R"({"type":"state","neighbor":{"address":{"peer":"2001:db8::2"},"state":"up"}})");
  CHECK(v6.kind == Kind::neighbor_state);
  CHECK(v6.peer == "2001:db8::2");
  // A state with control characters comes out printable.
  auto odd = parse_api_line(
      R"({"type":"state","neighbor":{"address":{"peer":"10.0.0.1"},"state":"u\np"}})");
  REQUIRE(odd.kind == Kind::neighbor_state);
  CHECK(odd.state == "u?p");
}

namespace {

std::vector<std::string> split_all(LineSplitter& s, const std::vector<std::string>& chunks) {
  std::vector<std::string> out;
  for (const auto& c : chunks) {
    s.feed(c, [&](std::string_view line) { out.emplace_back(line); });
  }
  return out;
}

std::vector<std::string> expected_session_lines() {
  return {kConnected,
          kUp,
          kVersion,
          "done",
          "done",
          "error",
          kVersion,
          "done",
          "done",
          kDownShuttingDown,
          kNotificationShutdown};
}

}  // namespace

TEST_CASE("the captured session split at every byte boundary gives the same lines") {
  for (std::size_t cut = 0; cut <= kSession.size(); ++cut) {
    LineSplitter s;
    auto lines = split_all(s, {kSession.substr(0, cut), kSession.substr(cut)});
    INFO("cut at " << cut);
    REQUIRE(lines == expected_session_lines());
    CHECK(s.buffered() == 0);
  }
}

TEST_CASE("the captured session fed one byte at a time") {
  LineSplitter s;
  std::vector<std::string> chunks;
  for (char c : kSession) chunks.emplace_back(1, c);
  CHECK(split_all(s, chunks) == expected_session_lines());
  CHECK(s.lines() == expected_session_lines().size());
}

TEST_CASE("text encoder stream with blank separators and CRLF") {
  LineSplitter s;
  auto lines = split_all(
      s, {kTextConnected + "\r\n\r\n" + kTextUp + "\n\nexabgp 4.2.21\r\n", kTextShutdown + "\n\n"});
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] == kTextConnected);
  CHECK(lines[1].empty());
  CHECK(lines[4] == "exabgp 4.2.21");
  CHECK(lines[5] == kTextShutdown);
  CHECK(parse_api_line(lines[1]).kind == Kind::blank);
}

TEST_CASE("an over-long line is discarded whole and the next line survives") {
  LineSplitter s(100);
  std::vector<std::string> chunks;
  chunks.push_back("done\n" + std::string(60, 'x'));
  chunks.push_back(std::string(60, 'x'));  // now over the limit, no newline yet
  for (int i = 0; i < 1000; ++i) chunks.push_back(std::string(1000, 'y'));  // 1 MB more
  chunks.push_back("zzz\nerror\n");
  std::size_t peak = 0;
  std::vector<std::string> out;
  for (const auto& c : chunks) {
    s.feed(c, [&](std::string_view line) { out.emplace_back(line); });
    peak = std::max(peak, s.buffered());
  }
  CHECK(out == std::vector<std::string>{"done", "error"});
  CHECK(s.discarded_long_lines() == 1);
  CHECK(peak <= 100);
}

TEST_CASE("an over-long line arriving in one chunk with its newline") {
  LineSplitter s(16);
  auto out = split_all(s, {"0123456789abcdef\n0123456789abcdefX\ndone\n"});
  CHECK(out == std::vector<std::string>{"0123456789abcdef", "done"});
  CHECK(s.discarded_long_lines() == 1);
  // Completed across chunks: 10 + 7 bytes > 16.
  LineSplitter t(16);
  out = split_all(t, {"0123456789", "abcdefg\nok\n"});
  CHECK(out == std::vector<std::string>{"ok"});
  CHECK(t.discarded_long_lines() == 1);
}

TEST_CASE("a 10 MB line without newline keeps memory bounded") {
  LineSplitter s;  // 64 KiB default
  std::string chunk(64 * 1024, 'a');
  for (int i = 0; i < 160; ++i) {
    s.feed(chunk, [](std::string_view) { FAIL("no line expected"); });
    REQUIRE(s.buffered() <= 64 * 1024);
  }
  CHECK(s.discarded_long_lines() == 1);
  std::vector<std::string> out;
  s.feed("tail\ndone\n", [&](std::string_view l) { out.emplace_back(l); });
  CHECK(out == std::vector<std::string>{"done"});
}
