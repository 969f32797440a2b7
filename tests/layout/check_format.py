#!/usr/bin/env python3
"""Every C++ source and header is as the root .clang-format would write it.

The files are the *.cpp and *.hpp git tracks (every such file below SOURCE_DIR, build folders
aside, when it is not a git checkout). clang-format checks them all in one run, so one bad line
fails the test with the file, line and column it is on.

  check_format.py SOURCE_DIR [CLANG_FORMAT]    exit 0 clean, 1 with the files to reformat
"""
import subprocess
import sys
from pathlib import Path


def sources(root):
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "*.cpp", "*.hpp"],
                                capture_output=True, check=True).stdout
        return sorted(root / name for name in listed.decode().split("\0") if name)
    except (OSError, subprocess.CalledProcessError):
        return sorted(p for p in root.rglob("*") if p.suffix in (".cpp", ".hpp") and
                      not any(part.startswith("build") for part in p.relative_to(root).parts))


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    root = Path(sys.argv[1]).resolve()
    tool = sys.argv[2] if len(sys.argv) == 3 else "clang-format"
    files = [p for p in sources(root) if p.is_file()]
    if not files:
        print(f"no *.cpp or *.hpp below {root}", file=sys.stderr)
        return 1
    try:
        done = subprocess.run([tool, "--dry-run", "-Werror",
                               f"--style=file:{root / '.clang-format'}", *map(str, files)],
                              capture_output=True, text=True)
    except FileNotFoundError:
        print(f"{tool} not found: deploy/install-deps installs it (Debian clang-format)",
              file=sys.stderr)
        return 1
    if done.returncode == 0:
        print(f"{len(files)} files formatted as .clang-format says")
        return 0
    sys.stderr.write(done.stderr)
    bad = sorted({line.split(":", 1)[0] for line in done.stderr.splitlines()
                  if ": error: " in line})
    print(f"{len(bad)} of {len(files)} files differ from .clang-format; fix them with\n"
          f"  clang-format -i {' '.join(str(Path(b).relative_to(root)) for b in bad)}",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
