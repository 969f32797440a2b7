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

asio::awaitable<std::vector<probes::CheckResult>> run_checks(probes::DnsProber& prober,
                                                             std::vector<CheckConfig> checks) {
  // Boost 1.74 has no awaitable operators: each check is its own coroutine and the last one to
  // finish cancels the timer this coroutine waits on.
  struct Join {
    explicit Join(asio::any_io_executor ex) : done(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done;
    std::vector<CheckConfig> checks;
    std::vector<probes::CheckResult> results;
    std::size_t left = 0;
  };
  auto ex = co_await asio::this_coro::executor;
  auto join = std::make_shared<Join>(ex);
  join->checks = std::move(checks);
  join->results.resize(join->checks.size());
  join->left = join->checks.size();
  for (std::size_t i = 0; i < join->checks.size(); ++i) {
    asio::co_spawn(ex, run_check(prober, join->checks[i]),
                   [join, i](std::exception_ptr e, probes::CheckResult r) {
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
                     join->results[i] = std::move(r);
                     if (--join->left == 0) join->done.cancel();
                   });
  }
  if (join->left > 0) {
    boost::system::error_code ec;
    co_await join->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return std::move(join->results);
}

}  // namespace sidecar
