#!/usr/bin/env python3
"""The man page is the reference, and the documentation stays inside the repository.

  check_docs.py ANYCAST_SIDECAR_BINARY SOURCE_DIR

Fails, naming each omission, when deploy/man/anycast-sidecar.8 lacks
- an option that a command's `--help` prints (every command the top-level help lists);
- a configuration key of deploy/schema/config.schema.json (its full path, e.g.
  `services[].checks[].expect.max_rtt_ms`; the keys of when_down/when_disabled/when_degraded
  are those of `attributes`);
- a probe reason of probes/check.hpp's vocabulary;
- an exit code the commands return (sidecar/cli, `return N;` and `kExit... = N`) in EXIT STATUS;
and when a tracked file points outside the repository: a path to the developers' notes
(`../shared/...`, `/work/...`), a reference to an issue number a reader cannot look up, or a
Markdown link that leaves the repository or names a file that does not exist.

A failing run prints one line per problem; python3's standard library only."""
import json
import re
import subprocess
import sys
from pathlib import Path

# Docs linked before they are written (none today): a link to a missing file is a problem unless
# it is named here.
PENDING_DOCS: set[str] = set()

# Files whose text is data, not prose: fuzz seeds and captured program output.
NOT_PROSE = ("tests/fuzz/corpus/", "tests/unit/bridge/captured/")


def man_text(source: Path) -> str:
    """The page's source with roff escapes undone, so `\\-\\-config` reads `--config`."""
    text = (source / "deploy/man/anycast-sidecar.8").read_text()
    return text.replace("\\-", "-").replace("\\e", "\\").replace("\\c", "")


def section(man: str, name: str) -> str:
    m = re.search(r"^\.SH " + re.escape(name) + r"\n(.*?)(?=^\.SH |\Z)", man, re.S | re.M)
    return m.group(1) if m else ""


def commands(binary: str) -> list[str]:
    """The commands the top-level help lists (two spaces, then a lower-case word)."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    names = re.findall(r"^  ([a-z][a-z-]+)\b", out, re.M)
    return [n for n in dict.fromkeys(names) if n != "help"]


def help_options(binary: str, command: str) -> set[str]:
    out = subprocess.run([binary, command, "--help"], capture_output=True, text=True).stdout
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*[a-z])", out))


def schema_keys(schema: dict) -> set[str]:
    defs = schema.get("definitions", schema.get("$defs", {}))
    keys: set[str] = set()

    def walk(node, path):
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            walk(defs.get(node["$ref"].split("/")[-1], {}), path)
        for name, sub in node.get("properties", {}).items():
            keys.add(path + name)
            walk(sub, path + name + ".")
        if "items" in node:
            walk(node["items"], path[:-1] + "[].")
        for alternative in node.get("oneOf", []) + node.get("anyOf", []) + node.get("allOf", []):
            walk(alternative, path)

    walk(schema, "")
    return keys


def key_documented(key: str, man: str) -> bool:
    if key in man:
        return True
    # when_down.med and the like: the attribute keys, documented once under `attributes`.
    m = re.match(r"(.*\.)when_(?:down|disabled|degraded)\.(\w+)$", key)
    return bool(m) and f"{m.group(1)}attributes.{m.group(2)}" in man


def probe_reasons(source: Path) -> set[str]:
    text = (source / "probes/check.hpp").read_text()
    return set(re.findall(r"\{Reason::\w+, \"(\w+)\"\}", text))


def exit_codes(source: Path) -> set[int]:
    codes: set[int] = set()
    for path in sorted((source / "sidecar/cli").glob("*.cpp")):
        text = path.read_text()
        codes.update(int(n) for n in re.findall(r"\breturn (\d+);", text))
        codes.update(int(n) for n in re.findall(r"\bkExit\w* = (\d+);", text))
    daemon = (source / "sidecar/daemon/daemon.cpp").read_text()
    codes.update(int(n) for n in re.findall(r"\bfinish\((\d+)\)", daemon))
    return codes


def tracked_files(source: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(source), "ls-files"], capture_output=True, text=True)
    if out.returncode != 0:  # not a git checkout (a source tarball): every file under it
        return [str(p.relative_to(source)) for p in source.rglob("*")
                if p.is_file() and not any(part.startswith(("build", ".git"))
                                           for part in p.relative_to(source).parts)]
    return out.stdout.split()


OUTSIDE = re.compile(r"\.\./shared/|/work/|\b(?:contract|incidents|lab-notes)\.md\b")
ISSUE = re.compile(r"\b[Ii]ssues? #?\d+\b")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def outside_references(source: Path) -> list[str]:
    problems = []
    this = Path(__file__).resolve().relative_to(source.resolve()).as_posix() \
        if Path(__file__).resolve().is_relative_to(source.resolve()) else ""
    for rel in tracked_files(source):
        if rel.startswith(NOT_PROSE) or rel == this:
            continue
        path = source / rel
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                problems.append(f"{rel}:{n}: points outside the repository: {line.strip()[:100]}")
            if ISSUE.search(line):
                problems.append(f"{rel}:{n}: names an issue a reader cannot look up (say what, "
                                f"not which issue): {line.strip()[:100]}")
            if rel.endswith(".md"):
                for target in LINK.findall(line):
                    if re.match(r"[a-z]+:", target) or target.startswith("#"):
                        continue  # a URL or an anchor in the same page
                    file_part = target.split("#", 1)[0]
                    resolved = (path.parent / file_part).resolve()
                    if not resolved.is_relative_to(source.resolve()):
                        problems.append(f"{rel}:{n}: link leaves the repository: {target}")
                    elif not resolved.exists():
                        named = resolved.relative_to(source.resolve()).as_posix()
                        if named not in PENDING_DOCS:
                            problems.append(f"{rel}:{n}: link to a missing file: {target}")
    return problems


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = argv[1], Path(argv[2])
    man = man_text(source)
    problems = []
    cmds = commands(binary)
    if len(cmds) < 5:
        problems.append(f"the top-level --help lists too few commands to check: {cmds}")
    for cmd in cmds:
        if not re.search(r"^\.B " + re.escape(cmd) + r"\b|^\.BR " + re.escape(cmd) + r"\b", man,
                         re.M):
            problems.append(f"man page: no entry for the command `{cmd}`")
        for option in sorted(help_options(binary, cmd)):
            if option not in man:
                problems.append(f"man page: `{cmd} --help` prints {option}, the page never names it")
    for key in sorted(schema_keys(json.loads((source / "deploy/schema/config.schema.json").read_text()))):
        if not key_documented(key, man):
            problems.append(f"man page: configuration key {key} (config.schema.json) is missing")
    reasons = probe_reasons(source)
    if len(reasons) < 10:
        problems.append(f"probes/check.hpp: found only {sorted(reasons)}; has its shape changed?")
    listed = section(man, "PROBE REASONS")
    for reason in sorted(reasons):
        if not re.search(r"^\.B " + re.escape(reason) + r"$", listed, re.M):
            problems.append(f"man page: PROBE REASONS lacks `{reason}` (probes/check.hpp)")
    exit_section = section(man, "EXIT STATUS")
    for code in sorted(exit_codes(source)):
        if not re.search(r"^\.B " + str(code) + r"$", exit_section, re.M):
            problems.append(f"man page: EXIT STATUS lacks exit code {code} (sidecar/cli)")
    problems += outside_references(source)
    for p in problems:
        print(p)
    print(f"check_docs: {len(cmds)} commands, {len(reasons)} probe reasons, "
          f"{len(exit_codes(source))} exit codes checked; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
