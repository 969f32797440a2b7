// Rules of services[i].checks[j]: a DNS query and what it must answer, or a command to run.
#include "sidecar/config/config_names.hpp"
#include "sidecar/config/config_sections.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar::config_detail {
namespace {

void parse_expect(Checker& c, const json& e, const std::string& ep, CheckConfig* out) {
  c.known_keys(e, ep, {"rcode", "answers", "max_rtt_ms"});
  if (auto v = c.integer(e, "max_rtt_ms", ep, 1, 60000)) {
    out->dns.expect.max_rtt = std::chrono::milliseconds(*v);
  }
  std::string rcode;
  if (c.string(e, "rcode", ep, &rcode)) {
    if (auto r = probes::rcode_from_string(rcode)) {
      out->dns.expect.rcode = *r;
    } else {
      c.add(Checker::join(ep, "rcode"),
            "unknown rcode \"" + rcode + "\" (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...)");
    }
  }
  if (auto* arr = c.array(e, "answers", ep)) {
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto p = Checker::index(ep, "answers", i);
      if (!(*arr)[i].is_string() || (*arr)[i].get<std::string>().empty()) {
        c.add(p, "must be a non-empty string (an address or record text)");
        continue;
      }
      // An A check expecting "localhost" can never pass: the service would never come up.
      auto answer = (*arr)[i].get<std::string>();
      if (auto problem = expected_answer_problem(answer, out->dns.qtype); !problem.empty()) {
        c.add(p, problem);
      } else {
        out->dns.expect.answers.push_back(answer);
      }
    }
  }
}

void parse_dns(Checker& c, const json& j, const std::string& path, CheckConfig* out) {
  out->type = CheckConfig::Type::dns;
  c.known_keys(j, path,
               {"name", "type", "server", "port", "qname", "qtype", "transport", "expect",
                "on_failure", "watch", "resolver", "stall_ms"});
  c.boolean(j, "watch", path, &out->watch);
  if (auto v = c.integer(j, "stall_ms", path, 0, 10000)) {
    out->stall = std::chrono::milliseconds(*v);
    // Sampled every stall_ms / 5 during a run: below 25 ms the samples would come faster than
    // 5 ms and the kernel asked hundreds of times a second.
    if (*v > 0 && *v < 25) {
      c.add(Checker::join(path, "stall_ms"),
            std::to_string(*v) + " is too short: 0 (off) or 25 to 10000 (default 100)");
    }
  }
  std::string server = "127.0.0.1";
  if (c.string(j, "server", path, &server)) {
    std::string err;
    if (auto a = bridge::parse_address(server, &err)) {
      out->dns.server = *a;
    } else {
      c.add(Checker::join(path, "server"), err + " (a check queries one resolver address)");
    }
  }
  if (auto v = c.integer(j, "port", path, 1, 65535)) out->dns.port = static_cast<std::uint16_t>(*v);
  if (c.string(j, "qname", path, &out->dns.qname)) {
    if (auto problem = dns_name_problem(out->dns.qname); !problem.empty()) {
      c.add(Checker::join(path, "qname"), problem);
    }
  } else if (!j.contains("qname")) {
    c.add(Checker::join(path, "qname"), "is required (e.g. \"probe.health.example.\")");
  }
  std::string qtype = "A";
  if (c.string(j, "qtype", path, &qtype)) {
    if (auto t = probes::qtype_from_string(qtype)) {
      out->dns.qtype = *t;
    } else {
      c.add(Checker::join(path, "qtype"),
            "unknown type \"" + qtype + "\" (one of A AAAA SOA NS TXT PTR CNAME MX SRV ...)");
    }
  }
  std::string transport = "udp";
  if (c.string(j, "transport", path, &transport)) {
    if (transport == "udp") {
      out->dns.transport = probes::Transport::udp;
    } else if (transport == "tcp") {
      out->dns.transport = probes::Transport::tcp;
    } else {
      c.add(Checker::join(path, "transport"),
            "must be \"udp\" or \"tcp\", not \"" + transport + "\"");
    }
  }
  std::string resolver;
  if (c.string(j, "resolver", path, &resolver)) {
    if (auto s = probes::software_from_string(resolver)) {
      out->dns.software = *s;
    } else {
      c.add(Checker::join(path, "resolver"),
            "unknown program \"" + text::printable(resolver, 40) +
                "\" (one of unbound bind pdns-recursor knot-resolver dnsdist; it only chooses "
                "the tools the hints name: leave it out to name them all)");
    }
  }
  if (auto* e = c.object(j, "expect", path))
    parse_expect(c, *e, Checker::join(path, "expect"), out);
}

}  // namespace

void parse_check(Checker& c, const json& j, const std::string& path, std::size_t index,
                 CheckConfig* out) {
  if (!j.is_object()) {
    c.add(path, "must be an object");
    return;
  }
  std::string type = "dns";
  c.string(j, "type", path, &type);
  if (type == "exec") {
    out->type = CheckConfig::Type::exec;
    out->watch = false;                         // nothing to connect to
    out->stall = std::chrono::milliseconds(0);  // no socket to read
    c.known_keys(j, path, {"name", "type", "command", "on_failure", "watch"});
    bool watch = false;
    c.boolean(j, "watch", path, &watch);
    if (watch) {
      c.add(Checker::join(path, "watch"),
            "an exec check has no server to keep a connection to: remove it or set false");
    }
    if (!j.contains("command")) {
      c.add(Checker::join(path, "command"),
            "is required for an exec check (e.g. [\"unbound-control\", \"status\"])");
    }
    c.argv(j, "command", path, &out->exec.argv, false);
  } else if (type == "dns") {
    parse_dns(c, j, path, out);
  } else {
    c.add(Checker::join(path, "type"), "must be \"dns\" or \"exec\", not \"" + type + "\"");
  }
  std::string on_failure = "down";
  if (c.string(j, "on_failure", path, &on_failure)) {
    if (on_failure == "down") {
      out->on_failure = CheckConfig::OnFailure::down;
    } else if (on_failure == "degrade") {
      out->on_failure = CheckConfig::OnFailure::degrade;
    } else {
      c.add(Checker::join(path, "on_failure"),
            "must be \"down\" (the check counts in the policy) or \"degrade\" (a failure only "
            "worsens the announcement), not \"" +
                on_failure + "\"");
    }
  }
  // Default names are "dns-<i>" / "exec-<i>" (i: the index in checks[]): short and stable, since
  // they label metrics and status lines, and unique by construction unless a named check collides.
  if (!c.string(j, "name", path, &out->name)) {
    if (out->type == CheckConfig::Type::dns) {
      out->name = "dns-" + std::to_string(index);
    } else {
      out->name = "exec-" + std::to_string(index);
    }
  }
}

}  // namespace sidecar::config_detail
