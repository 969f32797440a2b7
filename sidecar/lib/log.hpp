#pragma once
// One line per event on stderr: "2026-11-22T23:59:01.123Z notice transition service=resolver ...".
// Writes never block the loop: stderr is reopened non-blocking (its own open file description, so
// ExaBGP's shared one is untouched) and a line that cannot be written at once is dropped and
// counted. A stuck log reader must not stop health checking.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "sidecar/lib/enum_names.hpp"

namespace sidecar::log {

enum class Level { debug, info, notice, warning, error };
// The names, as the configuration's log_level and every log line spell them.
inline constexpr text::EnumName<Level> kLevelNames[] = {{Level::debug, "debug"},
                                                        {Level::info, "info"},
                                                        {Level::notice, "notice"},
                                                        {Level::warning, "warning"},
                                                        {Level::error, "error"}};
std::string_view to_string(Level level);
bool parse_level(std::string_view name, Level* out);

void set_level(Level level);
bool enabled(Level level);
void init_nonblocking_stderr();  // call once at daemon start; CLI commands keep plain stderr

using Field = std::pair<std::string_view, std::string>;
void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});
std::uint64_t dropped_lines();

inline void debug(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::debug, e, f);
}
inline void info(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::info, e, f);
}
inline void notice(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::notice, e, f);
}
inline void warning(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::warning, e, f);
}
inline void error(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::error, e, f);
}

}  // namespace sidecar::log
