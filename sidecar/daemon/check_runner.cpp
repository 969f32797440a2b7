#include "sidecar/daemon/check_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "probes/exec_check.hpp"

namespace sidecar {
namespace asio = boost::asio;

asio::awaitable<probes::CheckResult> run_check(probes::DnsProber& prober,
                                               const CheckConfig& check) {
  if (check.type == CheckConfig::Type::exec) co_return co_await probes::run_exec_check(check.exec);
  co_return co_await prober.probe(check.dns);
}

Round::Round(asio::any_io_executor ex, std::size_t checks)
    : done_(ex, asio::steady_timer::time_point::max()),
      results_(checks),
      finished_(checks, false),
      left_(checks) {}

void Round::finish(std::size_t i, probes::CheckResult result) {
  if (!pending(i)) return;
  results_[i] = std::move(result);
  finished_[i] = true;
  if (--left_ == 0) done_.cancel();
}

asio::awaitable<std::vector<probes::CheckResult>> run_checks(probes::DnsProber& prober,
                                                             std::vector<CheckConfig> checks,
                                                             std::shared_ptr<Round> round) {
  // Boost 1.74 has no awaitable operators: each check is its own coroutine and the last one to
  // finish cancels the timer this coroutine waits on.
  auto ex = co_await asio::this_coro::executor;
  if (!round) round = std::make_shared<Round>(ex, checks.size());
  // The checks outlive this coroutine when a round ends early: each probe owns its copy.
  for (std::size_t i = 0; i < checks.size(); ++i) {
    auto check = std::make_shared<CheckConfig>(std::move(checks[i]));
    asio::co_spawn(ex, run_check(prober, *check),
                   [round, i, check](std::exception_ptr e, probes::CheckResult r) {
                     if (e) {  // a bug, not a resolver fault: say so rather than crash the daemon
                       r = probes::CheckResult{};
                       r.reason = probes::Reason::network_error;
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         r.detail = std::string("internal error: ") + ex.what();
                       } catch (...) {
                         r.detail = "internal error";
                       }
                     }
                     round->finish(i, std::move(r));
                   });
  }
  if (!round->done()) {
    boost::system::error_code ec;
    co_await round->done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return round->results_;
}

}  // namespace sidecar
