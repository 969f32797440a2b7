#pragma once
// What can still be read from a configuration that is invalid: just enough to put the problems
// where monitoring looks (the status file). Pure.
#include <string>
#include <string_view>

namespace sidecar {

// The configuration's "status_file" when the text is a JSON object (comments allowed) whose
// status_file is an absolute path of printable ASCII; otherwise `fallback` (the default path).
std::string fallback_status_file(std::string_view config_text, const std::string& fallback);

}  // namespace sidecar
