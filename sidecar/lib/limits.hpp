#pragma once
// The size limits on what the sidecar reads, named once. A configuration is a few KB even for a
// thousand services; a status file of 1,000 services is a few MB. Past the limit a file is
// refused with a clear error instead of being read into memory.
#include <cstddef>

namespace sidecar {

inline constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxStatusFileBytes = 16 * 1024 * 1024;

}  // namespace sidecar
