#pragma once
// run_to_end (fleet_store.hpp): the CLI's way to wait for one coroutine. The CLI has no other
// work while it waits, so running a loop of its own to the end is the whole of it.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/co_spawn.hpp>
#include <exception>
#include <optional>

namespace sidecar {

template <class T>
T run_to_end(boost::asio::io_context& io, boost::asio::awaitable<T> coroutine) {
  std::optional<T> result;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, std::move(coroutine), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result.emplace(std::move(value));
    io.stop();  // done: whatever else the loop holds (a test's stand-in server) does not matter
  });
  io.run();
  io.restart();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace sidecar
