#!/usr/bin/env python3
"""Every Python file of the project passes pyflakes: no unused import or variable, no undefined
name, no f-string without a placeholder. These are the tests, the lab and the benches: a name
that is never defined shows there only on the path that runs it, often a failure's.

The files are the *.py git tracks, and the tracked scripts whose first line names python.

  check_python.py SOURCE_DIR    exit 0 clean, 1 with pyflakes' findings, 77 without pyflakes
"""
import shutil
import subprocess
import sys
from pathlib import Path


def sources(root):
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True,
                            check=True).stdout.decode().split("\0")
    out = []
    for name in filter(None, listed):
        path = root / name
        if not path.is_file():
            continue
        if path.suffix == ".py":
            out.append(path)
        elif not path.suffix:
            with open(path, "rb") as f:
                first = f.readline(200)
            if first.startswith(b"#!") and b"python" in first:
                out.append(path)
    return sorted(out)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    root = Path(sys.argv[1]).resolve()
    try:
        files = sources(root)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"SKIPPED: {root} is not a git checkout ({exc})", file=sys.stderr)
        return 77
    # Debian's pyflakes3 (the interpreter CMake found may be another one, without the module).
    tool = shutil.which("pyflakes3") or shutil.which("pyflakes")
    if tool is None:
        print("SKIPPED: pyflakes not found: install the Debian package pyflakes3 "
              "(./deploy/install-deps)", file=sys.stderr)
        return 77
    done = subprocess.run([tool, *map(str, files)], capture_output=True, text=True)
    if done.returncode != 0:
        print((done.stdout + done.stderr).strip())
        print(f"pyflakes: fix the lines above ({len(files)} files checked)", file=sys.stderr)
        return 1
    print(f"pyflakes: {len(files)} files clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
