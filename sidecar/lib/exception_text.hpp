#pragma once
// The message of an exception caught as std::exception_ptr (co_spawn's completion hands it so),
// for the log line of a coroutine that ended on one.
#include <exception>
#include <string>

namespace text {

inline std::string exception_text(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
  }
  return "unknown exception";
}

}  // namespace text
