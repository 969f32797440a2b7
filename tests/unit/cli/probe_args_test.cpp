// The probe command's parser: every option, every usage error; it returns, never throws.
#include <catch2/catch.hpp>

#include "sidecar/cli/probe_args.hpp"
#include "sidecar/lib/printable.hpp"

using sidecar::parse_probe_args;

namespace {

sidecar::ProbeArgs ok(std::vector<std::string> args) {
  auto r = parse_probe_args(args);
  INFO(r.error);
  REQUIRE(r.args);
  CHECK(r.error.empty());
  return *r.args;
}

std::string error(std::vector<std::string> args) {
  auto r = parse_probe_args(args);
  CHECK_FALSE(r.args);
  CHECK_FALSE(r.error.empty());
  return r.error;
}

}  // namespace

TEST_CASE("probe @SERVER NAME with the defaults") {
  auto a = ok({"@127.0.0.1", "probe.health.test"});
  CHECK(a.check.server == "127.0.0.1");
  CHECK(a.check.port == 53);
  CHECK(a.check.qname == "probe.health.test");
  CHECK(a.check.qtype == 1);
  CHECK(a.check.transport == probes::Transport::udp);
  CHECK(a.check.expect.rcode == 0);
  CHECK(a.check.expect.answers.empty());
  CHECK(a.count == 1);
  CHECK_FALSE(a.json);
  CHECK_FALSE(a.help);
  CHECK_FALSE(a.config_path);
}

TEST_CASE("servers with ports, IPv4 and IPv6") {
  CHECK(ok({"@127.0.0.1:5353", "x"}).check.port == 5353);
  auto v6 = ok({"@::1", "x"});
  CHECK(v6.check.server == "::1");
  CHECK(v6.check.port == 53);
  auto v6p = ok({"@[::1]:5353", "x"});
  CHECK(v6p.check.server == "::1");
  CHECK(v6p.check.port == 5353);
  CHECK(ok({"@[2001:db8::1]", "x"}).check.server == "2001:db8::1");
}

TEST_CASE("every option") {
  auto a = ok({"@127.0.0.1", "probe.health.test", "aaaa", "--tcp", "--count", "5",
               "--interval-ms=20", "--timeout-ms", "300", "--expect-rcode", "nxdomain",
               "--expect-answer", "2001:db8::1", "--expect-answer", "2001:db8::2", "--json"});
  CHECK(a.check.qtype == 28);
  CHECK(a.check.transport == probes::Transport::tcp);
  CHECK(a.count == 5);
  CHECK(a.interval == std::chrono::milliseconds(20));
  CHECK(a.check.timeout == std::chrono::milliseconds(300));
  CHECK(a.check.expect.rcode == 3);
  CHECK(a.check.expect.answers == std::vector<std::string>{"2001:db8::1", "2001:db8::2"});
  CHECK(a.json);
  CHECK(a.check.software == probes::Software::any);
  for (auto [software, name] : probes::kSoftwareNames) {
    CAPTURE(name);
    CHECK(ok({"@127.0.0.1", "x.", "--resolver", std::string(name)}).check.software == software);
  }
  CHECK(error({"@127.0.0.1", "x.", "--resolver", "powerdns"}) ==
        "--resolver takes unbound, bind, pdns-recursor, knot-resolver or dnsdist");
  CHECK(ok({"--help"}).help);
  CHECK(ok({"-h"}).help);
  CHECK(ok({"@::1", "."}).check.qname == ".");
}

TEST_CASE("config mode") {
  auto a = ok({"--config", "/etc/anycast-sidecar.json", "--service", "resolver", "--json"});
  REQUIRE(a.config_path);
  CHECK(*a.config_path == "/etc/anycast-sidecar.json");
  REQUIRE(a.service);
  CHECK(*a.service == "resolver");
  CHECK(a.json);
  CHECK_FALSE(ok({"--config", "f"}).service);
}

TEST_CASE("no server and no --config: the packaged configuration's checks") {
  for (auto args : {std::vector<std::string>{}, {"--json"}, {"--service", "resolver"}}) {
    auto a = ok(args);
    REQUIRE(a.config_path);
    CHECK(*a.config_path == "/etc/anycast-sidecar/sidecar.json");
  }
  CHECK(*ok({"--service", "r"}).service == "r");
}

TEST_CASE("usage errors name the problem") {
  CHECK(error({"@127.0.0.1"}).find("@SERVER") != std::string::npos);
  CHECK(error({"127.0.0.1", "x"}).find("@SERVER") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "A", "extra"}).find("@SERVER") != std::string::npos);
  CHECK(error({"@localhost", "x"}).find("not an IPv4 or IPv6") != std::string::npos);
  CHECK(error({"@", "x"}).find("not an IPv4 or IPv6") != std::string::npos);
  CHECK(error({"@127.0.0.1:0", "x"}).find("port") != std::string::npos);
  CHECK(error({"@127.0.0.1:65536", "x"}).find("port") != std::string::npos);
  CHECK(error({"@127.0.0.1:", "x"}).find("port") != std::string::npos);
  CHECK(error({"@127.0.0.1:5x", "x"}).find("port") != std::string::npos);
  CHECK(error({"@[::1", "x"}).find("[") != std::string::npos);
  CHECK(error({"@[::1]5353", "x"}).find("PORT") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "BOGUS"}).find("unknown type") != std::string::npos);
  CHECK(error({"@127.0.0.1", "a..b"}).find("empty label") != std::string::npos);
  CHECK(error({"@127.0.0.1", std::string(64, 'a') + ".test"}).find("63") != std::string::npos);
  CHECK(error({"@127.0.0.1", std::string(300, 'a')}).find("254") != std::string::npos);
  CHECK(error({"@127.0.0.1", "a b"}).find("space") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--count", "0"}).find("--count") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--count", "-1"}).find("--count") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--count", "99999999999999999999"}).find("--count") !=
        std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--interval-ms", "x"}).find("--interval-ms") !=
        std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--timeout-ms", "0"}).find("--timeout-ms") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--expect-rcode", "NOPE"}).find("rcode") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--count"}).find("needs a value") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--bogus"}).find("--bogus") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--tcp=yes"}).find("--tcp") != std::string::npos);
  CHECK(error({"@127.0.0.1", "x", "--service", "r"}).find("@SERVER") != std::string::npos);
  CHECK(error({"--config", "f", "@127.0.0.1", "x"}).find("--config") != std::string::npos);
  CHECK(error({"--config", "f", "--tcp"}).find("--tcp") != std::string::npos);
  CHECK(error({"--config", "f", "--count", "2"}).find("--count") != std::string::npos);
  std::vector<std::string> many = {"@127.0.0.1", "x"};
  for (int i = 0; i < 65; ++i) {
    many.push_back("--expect-answer");
    many.push_back("192.0.2.1");
  }
  CHECK(error(many).find("64") != std::string::npos);
}

TEST_CASE("arbitrary argument soup is parsed or refused, never thrown") {
  const std::vector<std::string> words = {
      "@",       "@[", "@[]:",  "@::1",     "@1.2.3.4:99999",
      "--count", "--", "-",     "",         "--expect-answer",
      "--json",  "=",  "--tcp", "\xff",     std::string(1, '\0'),
      "A",       ".",  "..",    "--config", "--timeout-ms=5"};
  std::uint32_t seed = 7;
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::string> args;
    auto n = (seed = seed * 1103515245 + 12345) % 6;
    for (std::uint32_t k = 0; k < n; ++k) {
      seed = seed * 1103515245 + 12345;
      args.push_back(words[(seed >> 8) % words.size()]);
    }
    auto r = parse_probe_args(args);
    CHECK((r.args.has_value() != !r.error.empty()));
  }
}

TEST_CASE("probe: non-UTF-8 or unusable names and answers are usage errors") {
  // Each of these once printed a summary with "ok": 0, "sent": 0 and exited 0 under --json.
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"@127.0.0.1", "caf\xe9.test", "--json"},
           {"@127.0.0.1", "x.test", "--expect-answer", "192.0.2.\xff", "--json"},
           {"@127.0.0.1", "x.test", "--expect-answer", "not-an-address"},
           {"@127.0.0.1", "x.test", "AAAA", "--expect-answer", "192.0.2.1"},
           {"@127.0.0.1", "x.test", "--expect-answer", ""},
           {"@127.0.0.1", "two words.test"},
           {"@127.0.0.1", "tab\there.test"},
           {"@127.0.0.1", "\xc3"},
           {"@127.0.0.1", std::string(254, 'a')},
       }) {
    auto r = sidecar::parse_probe_args(bad);
    CHECK_FALSE(r.args);
    CHECK_FALSE(r.error.empty());
    CHECK(text::valid_utf8(r.error));
  }
  // TXT answers are text and may be anything printable.
  CHECK(
      sidecar::parse_probe_args({"@127.0.0.1", "x.test", "TXT", "--expect-answer", "v=1 ok"}).args);
  CHECK(sidecar::parse_probe_args({"@127.0.0.1", "caf\xc3\xa9.test"}).args);  // valid UTF-8 label
  CHECK(sidecar::parse_probe_args({"@127.0.0.1", std::string(63, 'a') + "."}).args);
}
