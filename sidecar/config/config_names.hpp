#pragma once
// The rules for the names and answers a DNS check carries, shared by the configuration and the
// probe command so that `check-config`, `probe` and `run` accept exactly the same things. Pure.
#include <cstdint>
#include <string>
#include <string_view>

namespace sidecar {

// Empty when `name` is a query name c-ares can encode: valid UTF-8, no space or control
// character, labels of 1-63 bytes, at most 253 bytes without the final dot ("." alone is the
// root). Otherwise the rule it breaks, quoting the name printably.
std::string dns_name_problem(std::string_view name);

// Empty when `answer` can ever match an answer of type `qtype`: an IPv4 address for A, an IPv6
// address for AAAA, printable UTF-8 text for other types. Otherwise why not.
std::string expected_answer_problem(std::string_view answer, std::uint16_t qtype);

// Empty when the text can be shown and sent as it is: valid UTF-8 without control characters.
std::string text_problem(std::string_view text);

}  // namespace sidecar
