#!/usr/bin/env python3
"""The one-way rule between folders, checked on the sources.

CMake's acs_library() writes layers.txt: one line per library with its folder, whether it is
pure, the libraries it uses and its sources. A file may include headers of its own folder and of
the folders its library uses, directly or through them; nothing above. A PURE library's sources
must not reach an Asio, Beast or Boost.Process header through any chain of project includes.

  check_layers.py LAYERS_FILE SOURCE_DIR          exit 0 clean, 1 with one line per violation
"""
import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)
IO_HEADERS = re.compile(r"^boost/(asio|beast|process)")


def read_layers(path):
    libs = {}
    for line in Path(path).read_text().splitlines():
        name, folder, kind, uses, sources = line.split(" ", 4)
        libs[name] = {
            "folder": folder,
            "pure": kind == "pure",
            "uses": [u for u in uses.removeprefix("uses=").split(",") if u],
            "sources": [s for s in sources.removeprefix("sources=").split(",") if s],
        }
    return libs


def folder_reach(libs):
    """folder -> the folders its code may include (itself and every folder below it)."""
    def below(name, seen):
        for used in libs[name]["uses"]:
            if used in libs and used not in seen:
                seen.add(used)
                below(used, seen)
        return seen

    reach = {}
    for name, lib in libs.items():
        folders = reach.setdefault(lib["folder"], {lib["folder"]})
        folders.update(libs[u]["folder"] for u in below(name, set()))
    return reach


def owner(path, folders):
    """The deepest layered folder that holds path, or None."""
    best = None
    for folder in folders:
        if path.startswith(folder + "/") and (best is None or len(folder) > len(best)):
            best = folder
    return best


def includes(root, rel):
    text = (root / rel).read_text(errors="replace")
    return [(kind, target) for kind, target in INCLUDE.findall(text)]


def main():
    layers_file, root = sys.argv[1], Path(sys.argv[2])
    libs = read_layers(layers_file)
    reach = folder_reach(libs)
    problems = []

    for folder in sorted(reach):
        for path in sorted((root / folder).glob("*.[ch]pp")):
            rel = path.relative_to(root).as_posix()
            for kind, target in includes(root, rel):
                if kind != '"':
                    continue
                home = owner(target, reach)
                if home and home not in reach[folder]:
                    problems.append(f"{rel}: includes {target}, but {folder}/ may use only "
                                    f"{', '.join(sorted(reach[folder]))}")

    def reaches_io(rel, seen):
        if rel in seen or not (root / rel).is_file():
            return None
        seen.add(rel)
        for kind, target in includes(root, rel):
            if kind == "<" and IO_HEADERS.match(target):
                return [rel, target]
            if kind == '"':
                chain = reaches_io(target, seen)
                if chain:
                    return [rel] + chain
        return None

    for name, lib in sorted(libs.items()):
        if not lib["pure"]:
            continue
        for source in lib["sources"]:
            chain = reaches_io(f"{lib['folder']}/{source}", set())
            if chain:
                problems.append(f"{name} is pure, but {' -> '.join(chain)}")

    for problem in problems:
        print(problem)
    print(f"{len(libs)} libraries in {len(reach)} folders: "
          f"{'OK' if not problems else f'{len(problems)} violation(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
