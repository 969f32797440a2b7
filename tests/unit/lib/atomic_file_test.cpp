// The status and metrics files: replaced atomically, readable by monitoring whatever the umask,
// and never written through a symlink someone planted in their folder (security claim,
// deploy/docs/security.md).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixtures/scratch_dir.hpp"
#include "sidecar/lib/atomic_file.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("atomic write: content replaced, mode 0644 whatever the umask") {
  fixtures::ScratchDir dir("atomic-file");
  auto file = dir.path() / "status.json";
  auto old_mask = ::umask(077);
  CHECK_FALSE(sidecar::write_file_atomically(file.string(), "one\n"));
  CHECK_FALSE(sidecar::write_file_atomically(file.string(), "two\n"));
  ::umask(old_mask);
  CHECK(slurp(file) == "two\n");
  CHECK((fs::status(file).permissions() & fs::perms::all) == fs::perms(0644));
  // No temporary left behind.
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("a symlink planted at the status path is replaced, its target untouched") {
  fixtures::ScratchDir dir("atomic-file");
  auto victim = dir.path() / "victim";
  { std::ofstream(victim) << "precious\n"; }
  auto file = dir.path() / "status.json";
  fs::create_symlink(victim, file);
  CHECK_FALSE(sidecar::write_file_atomically(file.string(), "status\n"));
  CHECK(slurp(victim) == "precious\n");
  CHECK_FALSE(fs::is_symlink(file));
  CHECK(slurp(file) == "status\n");
}

TEST_CASE("a symlink planted at the temporary name is never followed") {
  fixtures::ScratchDir dir("atomic-file");
  auto victim = dir.path() / "victim";
  { std::ofstream(victim) << "precious\n"; }
  auto file = dir.path() / "status.json";
  // The temporary name is predictable (.NAME.tmp.PID): an attacker could plant it.
  fs::create_symlink(victim, dir.path() / (".status.json.tmp." + std::to_string(::getpid())));
  CHECK_FALSE(sidecar::write_file_atomically(file.string(), "status\n"));
  CHECK(slurp(victim) == "precious\n");
  CHECK(slurp(file) == "status\n");
}

TEST_CASE("a missing folder is an error naming the folder and the fix") {
  auto err = sidecar::write_file_atomically("/nonexistent-acs-dir/status.json", "x");
  REQUIRE(err);
  CHECK(err->find("/nonexistent-acs-dir") != std::string::npos);
  CHECK(err->find("RuntimeDirectory=") != std::string::npos);
}
