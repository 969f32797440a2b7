// The shared option helpers: the default configuration path and the check that a pid read from a
// status file still names a running sidecar before `reload` or `restart` signals it.
#include <catch2/catch.hpp>
#include <string>

#include "sidecar/cli/cli_util.hpp"
#include "sidecar/config/config.hpp"

using sidecar::is_sidecar_run;

namespace {
std::string cmdline(std::initializer_list<const char*> argv) {
  std::string s;
  for (const char* a : argv) {
    s += a;
    s += '\0';
  }
  return s;
}
}  // namespace

TEST_CASE("config_path_of: --config, else the packaged path") {
  auto a = sidecar::parse_args({"--config", "/x.json"}, {"--config"}, {});
  CHECK(sidecar::config_path_of(a) == "/x.json");
  auto b = sidecar::parse_args({}, {"--config"}, {});
  CHECK(sidecar::config_path_of(b) == "/etc/anycast-sidecar/sidecar.json");
  CHECK(std::string(sidecar::kDefaultConfigPath) == "/etc/anycast-sidecar/sidecar.json");
}

TEST_CASE("is_sidecar_run: only `anycast-sidecar run ...`") {
  CHECK(is_sidecar_run(cmdline({"/usr/bin/anycast-sidecar", "run", "--config", "/e/s.json"})));
  CHECK(is_sidecar_run(cmdline({"anycast-sidecar", "run"})));
  CHECK(is_sidecar_run(cmdline({"/build/sidecar/anycast-sidecar", "run"})));
  CHECK_FALSE(is_sidecar_run(cmdline({"/usr/bin/anycast-sidecar", "status"})));
  CHECK_FALSE(is_sidecar_run(cmdline({"/usr/bin/anycast-sidecar"})));
  CHECK_FALSE(is_sidecar_run(cmdline({"/usr/bin/python3", "anycast-sidecar", "run"})));
  CHECK_FALSE(is_sidecar_run(cmdline({"/usr/bin/not-anycast-sidecar", "run"})));
  CHECK_FALSE(is_sidecar_run(cmdline({"vim", "run"})));
  CHECK_FALSE(is_sidecar_run(""));
  CHECK_FALSE(is_sidecar_run("anycast-sidecar"));                  // no NUL: not a cmdline
  CHECK(is_sidecar_run(std::string("anycast-sidecar\0run", 19)));  // last argument, no final NUL
}
