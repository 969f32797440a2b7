// The maintenance file: reason and since, bounded read, never through a symlink.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fixtures/scratch_dir.hpp"
#include "sidecar/status/maintenance_file.hpp"

namespace fs = std::filesystem;

TEST_CASE("maintenance file round trip, bounded, symlink-safe") {
  fixtures::ScratchDir scratch("maintenance-file");
  const auto& dir = scratch.path();
  auto path = (dir / "resolver.maintenance").string();

  CHECK_FALSE(sidecar::read_maintenance(path));
  REQUIRE_FALSE(sidecar::write_maintenance(path, "kernel upgrade\nsecond line"));
  auto m = sidecar::read_maintenance(path);
  REQUIRE(m);
  CHECK(m->reason == "kernel upgrade second line");
  CHECK(m->since_unix > 1.6e9);
  CHECK((fs::status(path).permissions() & fs::perms::all) == fs::perms(0644));
  CHECK_FALSE(sidecar::remove_maintenance(path));
  CHECK_FALSE(sidecar::read_maintenance(path));
  CHECK_FALSE(sidecar::remove_maintenance(path));  // already absent is fine

  {
    std::ofstream out(path);
    out << std::string(100000, 'x');
  }
  m = sidecar::read_maintenance(path);
  REQUIRE(m);
  // Cut at kMaxReason bytes, like `maintenance on` writes it, with "..." marking the cut.
  CHECK(m->reason == std::string(sidecar::kMaxReason, 'x') + "...");

  // A planted symlink is not followed when reading, and replaced (not written through) by `on`.
  auto target = (dir / "target").string();
  { std::ofstream(target) << "secret\n"; }
  fs::remove(path);
  fs::create_symlink(target, path);
  m = sidecar::read_maintenance(path);
  REQUIRE(m);  // its presence still means maintenance
  CHECK(m->reason.find("secret") == std::string::npos);
  REQUIRE_FALSE(sidecar::write_maintenance(path, "drain"));
  CHECK_FALSE(fs::is_symlink(path));
  std::ifstream t(target);
  std::string content;
  std::getline(t, content);
  CHECK(content == "secret");

  auto err = sidecar::write_maintenance((dir / "missing" / "x.maintenance").string(), "r");
  REQUIRE(err);
  CHECK(err->find("create the folder") != std::string::npos);
  fs::remove_all(dir);
}
