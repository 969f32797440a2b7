#pragma once
// Pure classification of a DNS reply (or of a failure to get one) into a CheckResult.
// No sockets, no Asio: unit-tested over crafted packets.
#include <cstdint>
#include <span>
#include <string_view>

#include "probes/check.hpp"

namespace probes {

struct Question {
  std::uint16_t id = 0;  // the query ID we sent (0: do not check)
  std::string_view qname;
  std::uint16_t qtype = 1;
};

// Classifies a complete DNS message received in answer to `question`.
CheckResult classify_reply(std::span<const std::uint8_t> reply, const Question& question,
                           const Expectation& expect, double rtt_ms);

// Classifies a c-ares status when no usable reply arrived (ARES_ETIMEOUT, ARES_ECONNREFUSED, ...).
CheckResult classify_ares_status(int ares_status, double rtt_ms);

}  // namespace probes
