// Configuration: the contract's example with its exact values, every default, and malformed
// configurations each with the exact problem line an operator would read.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "fixtures/scratch_dir.hpp"
#include "sidecar/config/config.hpp"

using namespace std::chrono_literals;

namespace {

// The contract's example, comments included.
const char* kContractExample = R"json({
  "status_file": "/run/anycast-sidecar/status.json",      // (that path)
  "metrics_file": "/var/lib/prometheus/node-exporter/anycast_sidecar.prom", // optional
  "exabgp": {
    "ack": true,              // (true) ExaBGP's exabgp.api.ack setting
    "ack_timeout_ms": 5000,   // (5000) no ack for this long => bridge "stalled"
    "ping_interval_ms": 10000 // (10000) liveness round trip when nothing else is sent
  },
  "services": [ {
    "name": "resolver",                // required, unique
    "interval_ms": 1000,               // (1000)
    "fast_interval_ms": 200,           // (200) while rising or falling
    "timeout_ms": 500,                 // (500) whole-probe deadline
    "rise": 3, "fall": 3,              // (3, 3)
    "policy": "all",                   // ("all") or "any", or {"quorum": N}
    "maintenance_file": "/run/anycast-sidecar/resolver.maintenance", // (derived from name)
    "checks": [ {
      "name": "local-zone",            // (derived)
      "server": "127.0.0.1", "port": 53,
      "qname": "probe.health.example.", "qtype": "A",   // qtype: A AAAA SOA NS TXT ...
      "transport": "udp",              // ("udp") or "tcp"
      "expect": { "rcode": "NOERROR", "answers": ["192.0.2.1"] }  // (rcode NOERROR, any answer)
    }, {
      "name": "control", "type": "exec",   // "type": ("dns") or "exec"
      "command": ["unbound-control", "status"] // argv, no shell; ok = exit status 0
    } ],
    "hooks": { "on_up": ["/usr/local/bin/notify", "up"], "on_down": [], "on_disabled": [] }, // optional argv
    "routes": [ {
      "prefix": "192.0.2.53/32",       // IPv4 or IPv6
      "next_hop": "self",              // ("self") or an address
      "neighbors": ["192.0.2.254"],    // optional: scope the commands to these peers
      "attributes": { "med": 100, "local_preference": 100, "community": ["65000:53"],
                      "large_community": [], "as_path": [] },
      "when_down": "withdraw",         // ("withdraw") or attributes to announce with instead
      "when_disabled": "withdraw"      // ("withdraw") or attributes
    } ]
  } ]
})json";

// A minimal valid service; the table below breaks one thing at a time.
std::string with_service(const std::string& extra_service_fields,
                         const std::string& checks = R"([{"qname": "probe.health.test."}])",
                         const std::string& routes = R"([{"prefix": "192.0.2.53/32"}])",
                         const std::string& top = "") {
  return "{" + top + R"("services": [{"name": "resolver", )" + extra_service_fields +
         R"("checks": )" + checks + R"(, "routes": )" + routes + "}]}";
}

}  // namespace

TEST_CASE("the contract's example parses with its exact values") {
  auto r = sidecar::parse_config(kContractExample);
  INFO((r.problems.empty() ? "" : r.problems[0]));
  REQUIRE(r.config);
  const auto& c = *r.config;
  CHECK(c.status_file == "/run/anycast-sidecar/status.json");
  CHECK(c.metrics_file == "/var/lib/prometheus/node-exporter/anycast_sidecar.prom");
  CHECK(c.exabgp.ack);
  CHECK(c.exabgp.ack_timeout == 5000ms);
  CHECK(c.exabgp.ping_interval == 10000ms);
  REQUIRE(c.services.size() == 1);
  const auto& s = c.services[0];
  CHECK(s.name == "resolver");
  CHECK(s.interval == 1000ms);
  CHECK(s.fast_interval == 200ms);
  CHECK(s.timeout == 500ms);
  CHECK(s.rise == 3);
  CHECK(s.fall == 3);
  CHECK(s.policy == sidecar::Policy{sidecar::Policy::Kind::all, 0});
  CHECK(s.maintenance_file == "/run/anycast-sidecar/resolver.maintenance");
  REQUIRE(s.checks.size() == 2);
  CHECK(s.checks[0].name == "local-zone");
  CHECK(s.checks[0].type == sidecar::CheckConfig::Type::dns);
  CHECK(s.checks[0].dns.server == "127.0.0.1");
  CHECK(s.checks[0].dns.port == 53);
  CHECK(s.checks[0].dns.qname == "probe.health.example.");
  CHECK(s.checks[0].dns.qtype == *probes::qtype_from_string("A"));
  CHECK(s.checks[0].dns.transport == probes::Transport::udp);
  CHECK(s.checks[0].dns.software == probes::Software::any);
  CHECK(s.checks[0].dns.expect.rcode == *probes::rcode_from_string("NOERROR"));
  CHECK(s.checks[0].dns.expect.answers == std::vector<std::string>{"192.0.2.1"});
  CHECK(s.checks[0].dns.timeout == 500ms);
  CHECK(s.checks[1].name == "control");
  CHECK(s.checks[1].type == sidecar::CheckConfig::Type::exec);
  CHECK(s.checks[1].exec.argv == std::vector<std::string>{"unbound-control", "status"});
  CHECK(s.checks[1].exec.timeout == 500ms);
  CHECK(s.hooks.on_up == std::vector<std::string>{"/usr/local/bin/notify", "up"});
  CHECK(s.hooks.on_down.empty());
  CHECK(s.hooks.on_disabled.empty());
  REQUIRE(s.routes.size() == 1);
  const auto& r0 = s.routes[0];
  CHECK(r0.route.prefix.text == "192.0.2.53/32");
  CHECK(r0.route.next_hop.text == "self");
  CHECK(r0.route.neighbors == std::vector<std::string>{"192.0.2.254"});
  CHECK(r0.attributes.med == 100u);
  CHECK(r0.attributes.local_preference == 100u);
  CHECK(r0.attributes.community == std::vector<std::string>{"65000:53"});
  CHECK(r0.attributes.large_community.empty());
  CHECK(r0.attributes.as_path.empty());
  CHECK(std::holds_alternative<sidecar::Withdraw>(r0.when_down));
  CHECK(std::holds_alternative<sidecar::Withdraw>(r0.when_disabled));
  CHECK(sidecar::longest_interval(c) == 1000ms);
}

TEST_CASE("defaults") {
  auto r = sidecar::parse_config(with_service(""));
  INFO((r.problems.empty() ? "" : r.problems[0]));
  REQUIRE(r.config);
  const auto& c = *r.config;
  CHECK(c.status_file == "/run/anycast-sidecar/status.json");
  CHECK(c.metrics_file.empty());
  CHECK(c.log_level == "info");
  CHECK(c.exabgp.ack);
  CHECK(c.exabgp.ack_timeout == 5000ms);
  CHECK(c.exabgp.ping_interval == 10000ms);
  const auto& s = c.services[0];
  CHECK(s.interval == 1000ms);
  CHECK(s.fast_interval == 200ms);
  CHECK(s.timeout == 500ms);
  CHECK(s.rise == 3);
  CHECK(s.fall == 3);
  CHECK(s.hold_down == 5000ms);
  CHECK(s.hook_timeout == 5000ms);
  CHECK(s.transitions_kept == 20);
  CHECK(s.policy.kind == sidecar::Policy::Kind::all);
  CHECK(s.maintenance_file == "/run/anycast-sidecar/resolver.maintenance");
  CHECK(s.checks[0].name == "dns-0");
  CHECK(s.checks[0].dns.server == "127.0.0.1");
  CHECK(s.checks[0].dns.port == 53);
  CHECK(s.checks[0].dns.qtype == *probes::qtype_from_string("A"));
  CHECK(s.checks[0].dns.transport == probes::Transport::udp);
  CHECK(s.checks[0].dns.expect.rcode == *probes::rcode_from_string("NOERROR"));
  CHECK(s.checks[0].dns.expect.answers.empty());
  CHECK(s.routes[0].route.next_hop.text == "self");
  CHECK(s.routes[0].route.neighbors.empty());
  CHECK(s.routes[0].attributes == bridge::Attributes{});
  CHECK(std::holds_alternative<sidecar::Withdraw>(s.routes[0].when_down));
  CHECK(std::holds_alternative<sidecar::Withdraw>(s.routes[0].when_disabled));
}

TEST_CASE("derived and optional values") {
  auto r = sidecar::parse_config(with_service(
      R"("hold_down_ms": 0, "hook_timeout_ms": 2000, "transitions_kept": 5, "policy": {"quorum": 2}, )",
      R"([{"qname": "a.test."}, {"type": "exec", "command": ["true"]}])",
      R"([{"prefix": "2001:db8::53/128", "next_hop": "2001:db8::10", "when_down": {"med": 1000, "as_path": [65001, 65001]}}])",
      R"("status_file": "/tmp/x/status.json", "log_level": "debug", "exabgp": {"refresh_ms": 60000}, )"));
  INFO((r.problems.empty() ? "" : r.problems[0]));
  REQUIRE(r.config);
  const auto& s = r.config->services[0];
  CHECK(r.config->log_level == "debug");
  CHECK(r.config->exabgp.refresh == 60000ms);
  CHECK(s.hold_down == 0ms);
  CHECK(s.hook_timeout == 2000ms);
  CHECK(s.transitions_kept == 5);
  CHECK(s.policy == sidecar::Policy{sidecar::Policy::Kind::quorum, 2});
  CHECK(s.maintenance_file == "/tmp/x/resolver.maintenance");
  CHECK(s.checks[1].name == "exec-1");
  CHECK(s.routes[0].route.prefix.ipv6);
  REQUIRE(std::holds_alternative<bridge::Attributes>(s.routes[0].when_down));
  const auto& down = std::get<bridge::Attributes>(s.routes[0].when_down);
  CHECK(down.med == 1000u);
  CHECK(down.as_path == std::vector<std::uint32_t>{65001, 65001});
}

TEST_CASE("malformed configurations: each gives the exact problem line") {
  struct Case {
    std::string text;
    std::string problem;
  };
  // clang-format off
  const std::vector<Case> cases = {
    {"[]", "(file): must be a JSON object, not an array"},
    {"{}", "services: at least one service is needed"},
    {R"({"services": []})", "services: at least one service is needed"},
    {R"({"services": {}})", "services: must be an array, not an object"},
    {R"({"services": [3]})", "services[0]: must be an object"},
    {R"({"servces": [], "services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}]})",
     "servces: unknown key (did you mean \"services\"?)"},
    {with_service(R"("intervall_ms": 1000, )"), "services[0].intervall_ms: unknown key (did you mean \"interval_ms\"?)"},
    {with_service(R"("colour": "red", )"), "services[0].colour: unknown key (remove it)"},
    {with_service(R"("interval_ms": 5, )"), "services[0].interval_ms: 5 is out of range (10 to 3600000)"},
    {with_service(R"("interval_ms": "1s", )"), "services[0].interval_ms: must be a whole number, not a string"},
    {with_service(R"("interval_ms": 1.5, )"), "services[0].interval_ms: must be a whole number, not a number with a fraction or exponent (1.5)"},
    {with_service(R"("timeout_ms": 1000, )"), "services[0].timeout_ms: 1000 must be shorter than interval_ms 1000 (a probe must end before the next one)"},
    {with_service(R"("fast_interval_ms": 2000, )"), "services[0].fast_interval_ms: 2000 must not be longer than interval_ms 1000"},
    {with_service(R"("rise": 0, )"), "services[0].rise: 0 is out of range (1 to 100)"},
    {with_service(R"("fall": 101, )"), "services[0].fall: 101 is out of range (1 to 100)"},
    {with_service(R"("policy": "most", )"), "services[0].policy: must be \"all\", \"any\" or {\"quorum\": N}"},
    {with_service(R"("policy": {"quorum": 2}, )"), "services[0].policy.quorum: 2 is more than the 1 checks"},
    {with_service(R"("policy": {"quorum": 0}, )"), "services[0].policy.quorum: 0 is out of range (1 to 1000)"},
    {R"({"services": [{"checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}]})", "services[0].name: is required (e.g. \"resolver\")"},
    {R"({"services": [{"name": "../etc", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}]})",
     "services[0].name: \"../etc\" must be 1-64 characters of A-Z a-z 0-9 _ - . (it names files and metric labels)"},
    {R"({"services": [{"name": "r", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]},
                      {"name": "r", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.54/32"}]}]})",
     "services[1].name: \"r\" is already used by services[0]"},
    {with_service("", "[]"), "services[0].checks: needs at least one check"},
    {with_service("", "[]", "[]").replace(0, 0, ""), "services[0].checks: needs at least one check"},
    {with_service("", R"([{"qname": "x.", "qtype": "AAA"}])"), "services[0].checks[0].qtype: unknown type \"AAA\" (one of A AAAA SOA NS TXT PTR CNAME MX SRV ...)"},
    {with_service("", R"([{"server": "127.0.0.1"}])"), "services[0].checks[0].qname: is required (e.g. \"probe.health.example.\")"},
    {with_service("", R"([{"qname": "x.", "port": 0}])"), "services[0].checks[0].port: 0 is out of range (1 to 65535)"},
    {with_service("", R"([{"qname": "x.", "port": 65536}])"), "services[0].checks[0].port: 65536 is out of range (1 to 65535)"},
    {with_service("", R"([{"qname": "x.", "transport": "quic"}])"), "services[0].checks[0].transport: must be \"udp\" or \"tcp\", not \"quic\""},
    {with_service("", R"([{"qname": "x.", "resolver": "powerdns"}])"), "services[0].checks[0].resolver: unknown program \"powerdns\" (one of unbound bind pdns-recursor knot-resolver dnsdist; it only chooses the tools the hints name: leave it out to name them all)"},
    {with_service("", R"([{"qname": "x.", "type": "http"}])"), "services[0].checks[0].type: must be \"dns\" or \"exec\", not \"http\""},
    {with_service("", R"([{"qname": "x.", "expect": {"rcode": "NOPE"}}])"), "services[0].checks[0].expect.rcode: unknown rcode \"NOPE\" (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...)"},
    {with_service("", R"([{"qname": "x.", "expect": {"answers": [1]}}])"), "services[0].checks[0].expect.answers[0]: must be a non-empty string (an address or record text)"},
    {with_service("", R"([{"qname": "x.", "expect": {"answer": []}}])"), "services[0].checks[0].expect.answer: unknown key (did you mean \"answers\"?)"},
    {with_service("", R"([{"type": "exec"}])"), "services[0].checks[0].command: is required for an exec check (e.g. [\"unbound-control\", \"status\"])"},
    {with_service("", R"([{"type": "exec", "command": []}])"), "services[0].checks[0].command: must name a program and its arguments, e.g. [\"unbound-control\", \"status\"]"},
    {with_service("", R"([{"type": "exec", "command": "unbound-control status"}])"), "services[0].checks[0].command: must be an array, not a string"},
    {with_service("", R"([{"type": "exec", "command": ["ok", 3]}])"), "services[0].checks[0].command[1]: must be a non-empty string"},
    {with_service("", R"([{"name": "a", "qname": "x."}, {"name": "a", "qname": "y."}])"), "services[0].checks[1].name: \"a\" is already used in this service"},
    {with_service(R"("hooks": {"on_up": "notify"}, )"), "services[0].hooks.on_up: must be an array, not a string"},
    {with_service(R"("hooks": {"on_upp": []}, )"), "services[0].hooks.on_upp: unknown key (did you mean \"on_up\"?)"},
    {with_service("", R"([{"qname": "x."}])", "[]"), "services[0].routes: needs at least one route"},
    {with_service("", R"([{"qname": "x."}])", R"([{"prefix": "2001:db8::53/128"}])"),
     "services[0].routes[0].next_hop: \"self\" for the IPv6 prefix 2001:db8::53/128 is this node's address on an IPv4 session (the router gets no usable next hop): give this node's IPv6 address (e.g. \"2001:db8::10\"), or scope the route to IPv6 neighbors"},
    {with_service("", R"([{"qname": "x."}])", R"([{"prefix": "2001:db8::53/128", "neighbors": ["2001:db8::1", "192.0.2.1"]}])"),
     "services[0].routes[0].next_hop: \"self\" for the IPv6 prefix 2001:db8::53/128 is this node's address on an IPv4 session (the router gets no usable next hop): give this node's IPv6 address (e.g. \"2001:db8::10\"), or scope the route to IPv6 neighbors"},
    {with_service("", R"([{"qname": "x."}])", R"([{"prefix": "2001:db8::53/128", "next_hop": "192.0.2.10"}])"),
     "services[0].routes[0].next_hop: 192.0.2.10 is an IPv4 next hop for the IPv6 prefix 2001:db8::53/128: give an IPv6 address of this node"},
    {with_service("", R"([{"qname": "x."}])", R"([{"next_hop": "self"}])"), "services[0].routes[0].prefix: is required (e.g. \"192.0.2.53/32\")"},
    {with_service("", R"([{"qname": "x."}])", R"([{"prefix": "192.0.2.53/32", "when_down": "drain"}])"),
     "services[0].routes[0].when_down: must be \"withdraw\" or an object of attributes to announce with instead (e.g. {\"med\": 1000})"},
    {with_service("", R"([{"qname": "x."}])", R"([{"prefix": "192.0.2.53/32", "attributes": {"med": -1}}])"),
     "services[0].routes[0].attributes.med: -1 is out of range (0 to 4294967295)"},
    {with_service("", R"([{"qname": "x."}])", R"([{"prefix": "192.0.2.53/32", "attributes": {"as_path": ["65000"]}}])"),
     "services[0].routes[0].attributes.as_path[0]: must be an AS number (1 to 4294967295; AS 0 is reserved, RFC 7607)"},
    {with_service("", R"([{"qname": "x."}])", R"([{"prefix": "192.0.2.53/32", "when_disabled": {"mde": 5}}])"),
     "services[0].routes[0].when_disabled.mde: unknown key (did you mean \"med\"?)"},
    {with_service("", R"([{"qname": "x."}])", R"([{"prefix": "192.0.2.53/32"}, {"prefix": "192.0.2.53/32"}])"),
     "services[0].routes[1].prefix: 192.0.2.53/32 to every peer is already announced by services[0].routes[0] (one owner per prefix and neighbor)"},
    {with_service("", R"([{"qname": "x."}])", R"([{"prefix": "192.0.2.53/32", "attributes": {"community": [65000]}}])"),
     "services[0].routes[0].attributes.community[0]: must be a string, not a number"},
    {R"({"log_level": "verbose", "services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}]})",
     "log_level: must be one of debug, info, notice, warning, error"},
    {R"({"exabgp": {"ack": "yes"}, "services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}]})",
     "exabgp.ack: must be true or false, not a string"},
    {R"({"exabgp": {"ack_timeout_ms": 10}, "services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}]})",
     "exabgp.ack_timeout_ms: 10 is out of range (100 to 600000)"},
    {R"({"status_file": "", "services": [{"name": "a", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}]})",
     "status_file: must not be empty"},
    // Found by fuzz_config: a number beyond double's range made the re-parse throw out_of_range.
    {R"({"services": [{"name": "resolver", "interval_ms": 1e400}]})",
     "(file): not valid JSON: a number is too large"},
    // Found by fuzz_config: a key with control characters must not break the problem line.
    {with_service("\"bad\\u001b[2Jkey\": 1, "), "services[0].bad?[2Jkey: unknown key (remove it)"},
    // Found by fuzz_config: a value quoted in a message (here a name with DEL in it).
    {R"({"services": [{"name": "resol)" "\x7f" R"(er", "checks": [{"qname": "x."}], "routes": [{"prefix": "192.0.2.53/32"}]}]})",
     "services[0].name: contains a control character (tab, escape, ...)"},
    // Found by fuzz_config: nlohmann quotes the raw bytes it last read (here DEL) in its message.
    {"{\"a\x7f\xa3", "(file): not valid JSON at line 1, column 5: syntax error while parsing object key - invalid string: ill-formed UTF-8 byte; last read: '\"a?\xef\xbf\xbd'; expected string literal"},
  };
  // clang-format on
  REQUIRE(cases.size() >= 30);
  for (const auto& c : cases) {
    INFO(c.text);
    auto r = sidecar::parse_config(c.text);
    CHECK_FALSE(r.config);
    REQUIRE_FALSE(r.problems.empty());
    CHECK(r.problems[0] == c.problem);
  }
}

TEST_CASE("problems produced by the route validators name the field and the value") {
  // The exact text comes from bridge::parse_prefix and friends; the path and value are ours.
  struct Case {
    std::string routes, path, value;
  };
  const std::vector<Case> cases = {
      {R"([{"prefix": "192.0.2.1/33"}])", "services[0].routes[0].prefix: ", "192.0.2.1/33"},
      {R"([{"prefix": "192.0.2.53/32", "next_hop": "me"}])",
       "services[0].routes[0].next_hop: ", "me"},
      {R"([{"prefix": "192.0.2.53/32", "neighbors": ["peer1"]}])",
       "services[0].routes[0].neighbors[0]: ", "peer1"},
      {R"([{"prefix": "192.0.2.53/32", "attributes": {"community": ["65000:70000"]}}])",
       "services[0].routes[0].attributes.community[0]: ", "65000:70000"},
      {R"([{"prefix": "192.0.2.53/32", "attributes": {"large_community": ["1:2"]}}])",
       "services[0].routes[0].attributes.large_community[0]: ", "1:2"},
  };
  for (const auto& c : cases) {
    INFO(c.routes);
    auto r = sidecar::parse_config(with_service("", R"([{"qname": "x."}])", c.routes));
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].rfind(c.path, 0) == 0);
    CHECK(r.problems[0].find(c.value) != std::string::npos);
  }
}

TEST_CASE("IPv6 prefix: an IPv6 next hop, or self towards IPv6 peers only") {
  for (const char* route : {R"({"prefix": "2001:db8::53/128", "next_hop": "2001:db8::10"})",
                            R"({"prefix": "2001:db8::53/128", "neighbors": ["2001:db8::1"]})",
                            R"({"prefix": "192.0.2.53/32"})"}) {
    auto r = sidecar::parse_config(
        with_service("", R"([{"qname": "x."}])", std::string("[") + route + "]"));
    INFO(route << (r.problems.empty() ? "" : r.problems[0]));
    CHECK(r.config);
  }
}

TEST_CASE("all problems are reported, not just the first") {
  auto r = sidecar::parse_config(with_service(R"("rise": 0, "fall": 0, )",
                                              R"([{"qname": "x.", "qtype": "AAA"}])",
                                              R"([{"prefix": "192.0.2.53/32", "when_down": 1}])"));
  CHECK(r.problems.size() == 4);
}

TEST_CASE("a JSON syntax error gives line and column") {
  auto r = sidecar::parse_config("{\n  \"services\": [\n    {,\n  ]\n}\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].rfind("(file): not valid JSON at line 3, column 6: syntax error", 0) == 0);
}

TEST_CASE("comments are allowed") {
  CHECK(sidecar::parse_config("/* header */ {\"services\": [{\"name\": \"a\", // x\n \"checks\": "
                              "[{\"qname\": \"x.\"}], "
                              "\"routes\": [{\"prefix\": \"192.0.2.53/32\"}]}]}")
            .config);
}

TEST_CASE("hostile input never crashes and stays bounded") {
  std::string deep(100000, '[');
  auto r = sidecar::parse_config(deep);
  CHECK_FALSE(r.config);
  CHECK(r.problems.size() == 1);
  std::string many = R"({"services": [)";
  for (int i = 0; i < 1000; ++i)
    many += std::string(i ? "," : "") + "{\"bogus" + std::to_string(i) + "\": 1}";
  many += "]}";
  r = sidecar::parse_config(many);
  CHECK(r.problems.size() <= 200);
  CHECK(sidecar::parse_config(std::string("\0\xff\xfe", 3)).problems.size() == 1);
}

TEST_CASE("load_config_file: unreadable file is one problem naming the path") {
  auto r = sidecar::load_config_file("/nonexistent/anycast-sidecar.json");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0] ==
        "/nonexistent/anycast-sidecar.json: cannot read: No such file or directory (check the path "
        "and that this user may read it)");
  fixtures::ScratchDir scratch("config-file");
  auto path = scratch.path() / "config.json";
  {
    std::ofstream out(path);
    out << kContractExample;
  }
  r = sidecar::load_config_file(path.string());
  CHECK(r.config);
}
