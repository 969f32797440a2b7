// Probe throughput of the c-ares/Asio prober on one thread: N probes against one server with a
// fixed number in flight, reporting probes/s, CPU microseconds per probe and peak RSS.
// Usage: bench_probe_throughput SERVER PORT QNAME COUNT [IN_FLIGHT] [udp|tcp]
#include <sys/resource.h>
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "probes/dns_prober.hpp"

namespace asio = boost::asio;

namespace {

struct Totals {
  long sent = 0, done = 0, ok = 0;
};

asio::awaitable<void> worker(probes::DnsProber& prober, probes::DnsCheck check, long count,
                             Totals& totals) {
  while (totals.sent < count) {
    ++totals.sent;
    auto r = co_await prober.probe(check);
    ++totals.done;
    if (r.ok) ++totals.ok;
  }
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s SERVER PORT QNAME COUNT [IN_FLIGHT] [udp|tcp]\n", argv[0]);
    return 3;
  }
  probes::DnsCheck check;
  check.server = argv[1];
  check.port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  check.qname = argv[3];
  long count = std::atol(argv[4]);
  int in_flight = argc > 5 ? std::atoi(argv[5]) : 64;
  if (argc > 6 && std::string(argv[6]) == "tcp") check.transport = probes::Transport::tcp;
  check.timeout = std::chrono::milliseconds(2000);

  asio::io_context io(1);
  probes::DnsProber prober(io);
  Totals totals;
  auto cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < in_flight; ++i) {
    asio::co_spawn(io, worker(prober, check, count, totals), asio::detached);
  }
  io.run();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = cpu_seconds() - cpu0;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  // One JSON line: the Python driver prints the table.
  std::printf(
      "{\"probes\": %ld, \"ok\": %ld, \"wall_s\": %.4f, \"cpu_s\": %.4f, \"probes_per_s\": %.1f, "
      "\"cpu_us_per_probe\": %.2f, \"max_rss_kib\": %ld, \"in_flight\": %d}\n",
      totals.done, totals.ok, wall, cpu, totals.done / wall, cpu * 1e6 / std::max(1L, totals.done),
      ru.ru_maxrss, in_flight);
  return totals.ok == totals.done ? 0 : 1;
}
