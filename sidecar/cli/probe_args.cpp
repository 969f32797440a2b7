#include "sidecar/cli/probe_args.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "sidecar/cli/cli_util.hpp"
#include "sidecar/config/config_names.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar {
namespace {

bool number(const std::string& text, long min, long max, long* out) {
  long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

bool is_ip(const std::string& s, int family) {
  unsigned char buf[16];
  return inet_pton(family, s.c_str(), buf) == 1;
}

// "@127.0.0.1", "@127.0.0.1:5353", "@::1", "@[::1]:5353"
std::string parse_server(const std::string& text, probes::DnsCheck* check) {
  std::string s = text.substr(1);
  std::string host = s, port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos) return "unterminated [ in " + text::printable(text, 80);
    host = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return "expected :PORT after ] in " + text::printable(text, 80);
      port = s.substr(close + 2);
    }
  } else if (std::count(s.begin(), s.end(), ':') == 1) {
    host = s.substr(0, s.find(':'));
    port = s.substr(s.find(':') + 1);
  }
  if (!is_ip(host, AF_INET) && !is_ip(host, AF_INET6)) {
    return "\"" + text::printable(host, 64) +
           "\" is not an IPv4 or IPv6 address (use @127.0.0.1 or @::1)";
  }
  check->server = host;
  if (!port.empty() || (s.size() && s.back() == ':')) {
    long p = 0;
    if (!number(port, 1, 65535, &p))
      return "bad port \"" + text::printable(port, 16) + "\" in " + text::printable(text, 80);
    check->port = static_cast<std::uint16_t>(p);
  }
  return {};
}

// A usage error for a name c-ares would refuse to encode (or encode as bytes nobody meant);
// empty when the name is fine. The rules are the configuration's (config_names.hpp).
std::string check_qname(const std::string& name) {
  auto problem = dns_name_problem(name);
  return problem.empty() ? problem : "NAME " + problem;
}

}  // namespace

ProbeArgsResult parse_probe_args(const std::vector<std::string>& args) {
  ProbeArgsResult r;
  auto a = parse_args(args,
                      {"--config", "--service", "--count", "--interval-ms", "--timeout-ms",
                       "--expect-rcode", "--expect-answer", "--resolver"},
                      {"--tcp", "--json", "--help"});
  if (!a.error.empty()) {
    r.error = a.error;
    return r;
  }
  ProbeArgs p;
  p.help = a.has("--help");
  p.json = a.has("--json");
  if (p.help) {
    r.args = p;
    return r;
  }
  p.config_path = a.value("--config");
  p.service = a.value("--service");
  // No server named: the configured checks of the packaged configuration.
  if (!p.config_path && a.positional.empty()) p.config_path = config_path_of(a);
  if (p.config_path) {
    for (const char* o : {"--count", "--interval-ms", "--timeout-ms", "--expect-rcode",
                          "--expect-answer", "--resolver"}) {
      if (a.value(o)) {
        r.error = std::string(o) + " does not apply with --config (the configured checks run once)";
        return r;
      }
    }
    if (a.has("--tcp")) {
      r.error = "--tcp does not apply with --config";
      return r;
    }
    if (!a.positional.empty()) {
      r.error = "unexpected " + text::printable(a.positional[0], 80) + " with --config";
      return r;
    }
    r.args = p;
    return r;
  }
  if (p.service) {
    r.error = "--service goes with the configured checks, not with @SERVER";
    return r;
  }
  if (a.positional.size() < 2 || a.positional.size() > 3 || a.positional[0].empty() ||
      a.positional[0][0] != '@') {
    r.error = "expected @SERVER[:PORT] NAME [TYPE]";
    return r;
  }
  if (auto err = parse_server(a.positional[0], &p.check); !err.empty()) {
    r.error = err;
    return r;
  }
  p.check.qname = a.positional[1];
  if (auto err = check_qname(p.check.qname); !err.empty()) {
    r.error = err;
    return r;
  }
  if (a.positional.size() == 3) {
    auto t = probes::qtype_from_string(a.positional[2]);
    if (!t) {
      r.error = "unknown type \"" + text::printable(a.positional[2], 16) +
                "\" (A AAAA SOA NS TXT PTR CNAME MX ...)";
      return r;
    }
    p.check.qtype = *t;
  }
  if (a.has("--tcp")) p.check.transport = probes::Transport::tcp;
  if (auto s = a.value("--resolver")) {
    auto software = probes::software_from_string(*s);
    if (!software) {
      r.error = "--resolver takes unbound, bind, pdns-recursor, knot-resolver or dnsdist";
      return r;
    }
    p.check.software = *software;
  }
  long v = 0;
  if (auto c = a.value("--count")) {
    if (!number(*c, 1, 1000000, &v)) {
      r.error = "--count takes 1 to 1000000";
      return r;
    }
    p.count = static_cast<int>(v);
  }
  if (auto i = a.value("--interval-ms")) {
    if (!number(*i, 0, 3600000, &v)) {
      r.error = "--interval-ms takes 0 to 3600000";
      return r;
    }
    p.interval = std::chrono::milliseconds(v);
  }
  p.check.timeout = std::chrono::milliseconds(1000);
  if (auto t = a.value("--timeout-ms")) {
    if (!number(*t, 1, 60000, &v)) {
      r.error = "--timeout-ms takes 1 to 60000";
      return r;
    }
    p.check.timeout = std::chrono::milliseconds(v);
  }
  if (auto rc = a.value("--expect-rcode")) {
    auto code = probes::rcode_from_string(*rc);
    if (!code) {
      r.error = "unknown rcode \"" + text::printable(*rc, 16) +
                "\" (NOERROR NXDOMAIN SERVFAIL REFUSED ...)";
      return r;
    }
    p.check.expect.rcode = *code;
  }
  auto it = a.values.find("--expect-answer");
  if (it != a.values.end()) {
    if (it->second.size() > 64) {
      r.error = "at most 64 --expect-answer";
      return r;
    }
    for (const auto& answer : it->second) {
      if (auto problem = expected_answer_problem(answer, p.check.qtype); !problem.empty()) {
        r.error = "--expect-answer " + problem;
        return r;
      }
    }
    p.check.expect.answers = it->second;
  }
  r.args = p;
  return r;
}

}  // namespace sidecar
