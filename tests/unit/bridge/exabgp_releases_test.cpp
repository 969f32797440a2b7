// The parser against what each supported ExaBGP release really wrote to its process child:
// 4.2.21 (Debian 12), 4.2.25 (Debian 13), 5.0.15 (Debian unstable). The files in captured/ were
// written by captured/capture.py (real ExaBGP and GoBGP on loopback; see that script for the
// sequence: version, announce, an unknown command, `neighbor <ip>` and `neighbor *` announces,
// withdraw, a router-side disable/enable, a router stop and restart, SIGTERM to ExaBGP), once
// with `encoder json` and once with `encoder text`.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "exabgp-bridge/api_message.hpp"
#include "exabgp-bridge/route.hpp"

using bridge::ApiMessage;
using bridge::exabgp_version_number;
using bridge::parse_api_line;
using Kind = ApiMessage::Kind;

namespace {

struct Captured {
  std::vector<std::string> lines;  // ExaBGP's lines, in order
  // The answer lines that followed each "# <- sent: <command>" note, by command index.
  std::vector<std::vector<std::string>> answers;
};

Captured load(const std::string& release, const std::string& encoder = "json") {
  std::string path = std::string(ACS_CAPTURED_DIR) + "/exabgp-" + release + "-" + encoder + ".txt";
  std::ifstream in(path);
  REQUIRE(in.good());
  Captured c;
  bool in_answers = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# <- sent: ", 0) == 0) {
      c.answers.emplace_back();
      in_answers = true;
      continue;
    }
    if (line.rfind("#", 0) == 0) {
      if (line.rfind("# <- ", 0) == 0) in_answers = false;
      continue;
    }
    if (line.empty()) continue;  // the text encoder's separators (Kind::blank)
    c.lines.push_back(line);
    if (in_answers) c.answers.back().push_back(line);
  }
  return c;
}

const std::pair<std::string, std::string> kCaptures[] = {{"4.2.21", "json"}, {"4.2.25", "json"},
                                                         {"5.0.15", "json"}, {"4.2.21", "text"},
                                                         {"4.2.25", "text"}, {"5.0.15", "text"}};

std::vector<Kind> kinds(const std::vector<std::string>& lines) {
  std::vector<Kind> out;
  for (const auto& l : lines) out.push_back(parse_api_line(l).kind);
  return out;
}

// peer/state of every neighbor change in the capture, in order.
std::vector<std::string> states(const Captured& c) {
  std::vector<std::string> out;
  for (const auto& l : c.lines) {
    auto m = parse_api_line(l);
    if (m.kind == Kind::neighbor_state) out.push_back(m.peer + " " + m.state);
  }
  return out;
}

}  // namespace

TEST_CASE("every line each release wrote is understood, nothing is unknown") {
  for (auto [release, encoder] : kCaptures) {
    INFO("ExaBGP " << release << ", encoder " << encoder);
    auto c = load(release, encoder);
    REQUIRE(c.lines.size() > 10);
    for (const auto& l : c.lines) {
      INFO(l);
      CHECK(parse_api_line(l).kind != Kind::unknown);
    }
  }
}

TEST_CASE("version answer and acks, per release") {
  for (auto [release, encoder] : kCaptures) {
    INFO("ExaBGP " << release << ", encoder " << encoder);
    auto c = load(release, encoder);
    REQUIRE(c.answers.size() == 6);
    // version: the answer, then its ack
    REQUIRE(c.answers[0].size() == 2);
    auto v = parse_api_line(c.answers[0][0]);
    CHECK(v.kind == Kind::version);
    CHECK(exabgp_version_number(v.text) == release);
    CHECK(parse_api_line(c.answers[0][1]).kind == Kind::ack_done);
    CHECK(kinds(c.answers[1]) == std::vector{Kind::ack_done});   // announce
    CHECK(kinds(c.answers[2]) == std::vector{Kind::ack_error});  // unknown command
    CHECK(kinds(c.answers[3]) == std::vector{Kind::ack_done});   // neighbor 127.0.0.2 announce
    CHECK(kinds(c.answers[5]) == std::vector{Kind::ack_done});   // withdraw
  }
}

TEST_CASE("`neighbor *` selects nothing in 4.2.21, every neighbor in 4.2.25 and 5.0.15") {
  // Why the sidecar names its neighbors explicitly (or not at all): the same line is an error
  // on Debian 12 and a success on Debian 13 and later.
  CHECK(kinds(load("4.2.21").answers[4]) == std::vector{Kind::ack_error});
  CHECK(kinds(load("4.2.25").answers[4]) == std::vector{Kind::ack_done});
  CHECK(kinds(load("5.0.15").answers[4]) == std::vector{Kind::ack_done});
  CHECK(kinds(load("4.2.21", "text").answers[4]) == std::vector{Kind::ack_error});
  CHECK(kinds(load("5.0.15", "text").answers[4]) == std::vector{Kind::ack_done});
  // A route's `neighbors` are addresses only: the sidecar never writes `neighbor *`.
  CHECK_FALSE(bridge::parse_address("*").has_value());
}

TEST_CASE("neighbor changes: connected, up, down (disable, router stop), up again, shutdown") {
  // How many connected/down pairs the refused reconnects add depends on timing; the ups and the
  // final down (SIGTERM to ExaBGP) do not.
  for (auto [release, encoder] : kCaptures) {
    INFO("ExaBGP " << release << ", encoder " << encoder);
    auto c = load(release, encoder);
    auto s = states(c);
    REQUIRE(s.size() >= 6);
    CHECK(s[0] == "127.0.0.2 connected");
    CHECK(s[1] == "127.0.0.2 up");
    CHECK(s[2] == "127.0.0.2 down");  // disabled at the router
    CHECK(s.back() == "127.0.0.2 down");
    std::size_t ups = 0;
    for (const auto& x : s) {
      CHECK((x == "127.0.0.2 connected" || x == "127.0.0.2 up" || x == "127.0.0.2 down"));
      ups += x == "127.0.0.2 up";
    }
    CHECK(ups == 3);  // first start, enable, router restart
    CHECK(parse_api_line(c.lines.back()).kind == Kind::shutdown);
  }
}

TEST_CASE("5.0 adds router-id to state messages: still a neighbor change") {
  auto c = load("5.0.15");
  REQUIRE(c.lines[0].find(R"("router-id": "127.0.0.1")") != std::string::npos);
  auto m = parse_api_line(c.lines[0]);
  CHECK(m.kind == Kind::neighbor_state);
  CHECK(m.peer == "127.0.0.2");
  CHECK(m.state == "connected");
}

TEST_CASE("down reasons: 4.2 rewrites brackets and escapes quotes only; 5.0 escapes properly") {
  auto has = [](const Captured& c, const std::string& text) {
    for (const auto& l : c.lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  };
  CHECK(has(load("4.2.21"), R"x("reason": "stop, message (shutting down)")x"));
  CHECK(has(load("4.2.25"), R"x("reason": "stop, message (shutting down)")x"));
  CHECK(has(load("5.0.15"), R"x("reason": "stop, message [shutting down]")x"));
}

TEST_CASE("4.2's hand-made JSON with a backslash in the down reason still yields the down") {
  // Derived from the captured 4.2.21 down line: the reason a peer's shutdown communication
  // `maint "now" \o/` gives after 4.2's escape_quote() (reactor/api/response/json.py escapes '"'
  // and nothing else). That line is not valid JSON; the neighbor's down must not be lost.
  const std::string line =
      R"json({ "exabgp": "4.0.1", "time": 1796163742.6120832, "host" : "vm", "pid" : 7134, "ppid" : 6224, "counter": 3, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 65001, "peer": 65000 } , "state": "down", "reason": "peer reset, message (notification received (6,2)) error(Cease / Administrative Shutdown / maint \"now\" \o/)" } })json";
  auto m = parse_api_line(line);
  CHECK(m.kind == Kind::neighbor_state);
  CHECK(m.peer == "127.0.0.2");
  CHECK(m.state == "down");
  // A backslash right before an escaped quote (the peer sent `\"`) is a literal backslash too.
  const std::string tricky =
      R"json({ "type": "state", "neighbor": { "address": { "peer": "127.0.0.2" }, "state": "down", "reason": "x \\" \"state\": \"up\" \q" } })json";
  CHECK(parse_api_line(tricky).state == "down");
  // The repair is for state messages only, and the result must be whole, valid JSON.
  CHECK(parse_api_line(R"json({ "type": "update", "x": "\q" })json").kind == Kind::unknown);
  CHECK(parse_api_line(line.substr(0, line.size() - 2)).kind == Kind::unknown);
}

TEST_CASE("exabgp_version_number") {
  CHECK(exabgp_version_number("exabgp 4.2.21") == "4.2.21");
  CHECK(exabgp_version_number("exabgp 5.0.15\r") == "5.0.15");
  CHECK(exabgp_version_number("exabgp ") == "");
  CHECK(exabgp_version_number("exabgp 4.2.21-dev") == "");
  CHECK(exabgp_version_number("exabgp x") == "");
  CHECK(exabgp_version_number("ExaBGP 4.2") == "");
  CHECK(exabgp_version_number("exabgp " + std::string(40, '1')) == "");
}
