// The on-call technician's probe: dig-like, but every failure carries its reason and a hint.
#include "sidecar/cli/probe_cli.hpp"

#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "probes/dns_prober.hpp"
#include "sidecar/cli/cli_util.hpp"
#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar {
namespace asio = boost::asio;

namespace {

constexpr const char* kUsage =
    "usage: anycast-sidecar probe @SERVER[:PORT] NAME [TYPE] [options]\n"
    "       anycast-sidecar probe [--config FILE] [--service NAME] [--json]\n"
    "Queries a resolver and names the cause of any failure (timeout, connection_refused,\n"
    "servfail, refused, nxdomain, nodata, wrong_answer, bad_response, network_error).\n"
    "options:\n"
    "  --tcp                 query over TCP (default UDP)\n"
    "  --count N             attempts (default 1)\n"
    "  --interval-ms N       pause between attempts (default 1000)\n"
    "  --timeout-ms N        deadline per attempt (default 1000)\n"
    "  --expect-rcode RCODE  expected rcode (default NOERROR)\n"
    "  --expect-answer ADDR  an answer that must be present (repeatable)\n"
    "  --resolver PROGRAM    the hints name this program's tools: unbound, bind,\n"
    "                        pdns-recursor, knot-resolver, dnsdist (default: all of them)\n"
    "  --json                one JSON object per attempt, then a summary object\n"
    "exit: 0 all attempts passed, 1 some failed, 2 all failed, 3 usage error\n";

std::string server_text(const probes::DnsCheck& c) {
  bool v6 = c.server.find(':') != std::string::npos;
  return (v6 ? "[" + c.server + "]" : c.server) + ":" + std::to_string(c.port);
}

nlohmann::json attempt_json(const probes::DnsCheck& c, int n, const probes::CheckResult& r) {
  return {{"attempt", n},
          {"server", c.server},
          {"port", c.port},
          {"qname", c.qname},
          {"qtype", probes::qtype_to_string(c.qtype)},
          {"transport", c.transport == probes::Transport::tcp ? "tcp" : "udp"},
          {"ok", r.ok},
          {"reason", std::string(probes::to_string(r.reason))},
          {"detail", r.detail},
          {"rcode", r.rcode ? nlohmann::json(probes::rcode_to_string(*r.rcode)) : nlohmann::json()},
          {"answers", r.answers},
          {"rtt_ms", r.rtt_ms}};
}

// What the summary needs, and no more: --count may be large.
struct Tally {
  int sent = 0;
  int ok = 0;
  std::vector<double> ok_rtts;
  std::map<probes::Reason, int> failures;
};

asio::awaitable<void> attempts(asio::io_context& io, const ProbeArgs& a, Tally& tally) {
  probes::DnsProber prober(io);
  asio::steady_timer pause(io);
  for (int i = 1; i <= a.count; ++i) {
    auto r = co_await prober.probe(a.check);
    if (a.json) {
      std::printf("%s\n", dump_json_ascii(attempt_json(a.check, i, r)).c_str());
    } else {
      // A success shows what was answered; a failure its cause (wrong_answer's detail already
      // quotes the answers).
      std::string tail;
      if (r.ok) {
        for (const auto& x : r.answers) tail += (tail.empty() ? "" : " ") + x;
      } else {
        tail = r.detail;
      }
      std::printf(
          "#%-3d %-18s %-8s %8.2f ms  %s\n", i, std::string(probes::to_string(r.reason)).c_str(),
          r.rcode ? probes::rcode_to_string(*r.rcode).c_str() : "-", r.rtt_ms, tail.c_str());
    }
    std::fflush(stdout);
    ++tally.sent;
    if (r.ok) {
      ++tally.ok;
      tally.ok_rtts.push_back(r.rtt_ms);
    } else {
      ++tally.failures[r.reason];
    }
    if (i < a.count && a.interval.count() > 0) {
      pause.expires_after(a.interval);
      boost::system::error_code ec;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
}

}  // namespace

int run_probe_command(const std::vector<std::string>& args) {
  auto parsed = parse_probe_args(args);
  if (!parsed.args) {
    std::fprintf(stderr, "anycast-sidecar probe: %s\n%s",
                 text::printable(parsed.error, 2000).c_str(), kUsage);
    return 3;
  }
  const auto& a = *parsed.args;
  if (a.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (a.config_path) return run_probe_config_mode(a);

  asio::io_context io(1);
  Tally tally;
  if (!a.json) {
    std::printf("probing %s %s %s over %s, %d attempt%s, deadline %lld ms\n",
                shown(server_text(a.check)).c_str(), shown(a.check.qname).c_str(),
                probes::qtype_to_string(a.check.qtype).c_str(),
                a.check.transport == probes::Transport::tcp ? "TCP" : "UDP", a.count,
                a.count == 1 ? "" : "s", static_cast<long long>(a.check.timeout.count()));
  }
  asio::co_spawn(io, attempts(io, a, tally), asio::detached);
  io.run();

  int ok = tally.ok;
  int sent = tally.sent;
  auto& rtts = tally.ok_rtts;
  const auto& reasons = tally.failures;
  std::sort(rtts.begin(), rtts.end());
  double loss = sent ? 100.0 * (sent - ok) / sent : 0;
  // Judged against the attempts asked for, not those made: an attempt that never ran (the
  // coroutine ended early) is a failure, so a broken run can never print a passing summary.
  int code = ok == a.count ? 0 : ok == 0 ? 2 : 1;
  if (a.json) {
    nlohmann::json reasons_json = nlohmann::json::object();
    for (auto [reason, n] : reasons) reasons_json[std::string(probes::to_string(reason))] = n;
    nlohmann::json summary = {
        {"summary", true},          {"sent", sent},     {"ok", ok}, {"loss_pct", loss},
        {"failures", reasons_json}, {"exit_code", code}};
    if (!rtts.empty()) {
      summary["rtt_ms"] = {
          {"min", rtts.front()}, {"median", rtts[rtts.size() / 2]}, {"max", rtts.back()}};
    }
    std::printf("%s\n", dump_json_ascii(summary).c_str());
  } else {
    std::printf("--- %s %s: %d sent, %d ok, %.0f%% failed", shown(server_text(a.check)).c_str(),
                shown(a.check.qname).c_str(), sent, ok, loss);
    if (!rtts.empty()) {
      std::printf(", rtt min/median/max %.2f/%.2f/%.2f ms", rtts.front(), rtts[rtts.size() / 2],
                  rtts.back());
    }
    std::printf("\n");
    for (auto [reason, n] : reasons) {
      std::printf(
          "%s (%d): %s\n", std::string(probes::to_string(reason)).c_str(), n,
          shown(probes::hint_for(reason, a.check.server, a.check.port, a.check.software)).c_str());
    }
  }
  return code;
}

}  // namespace sidecar
