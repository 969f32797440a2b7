#!/usr/bin/env python3
"""Captures what a real ExaBGP release writes to its process child, for api_message_test.cpp.

    ACS_EXABGP_RELEASE=5.0.15 tests/unit/bridge/captured/capture.py [json|text]

starts a GoBGP router and the selected ExaBGP (deploy/labkit) with this file as its process child
(--child), then: waits for the session, lets the child send its commands (version, announce,
an unknown command, `neighbor <router> announce`, `neighbor * announce`, withdraw), stops the
router (neighbor down), restarts it (connected, up), and SIGTERMs ExaBGP (shutdown). Every line
the child read is written verbatim to exabgp-<release>-<encoder>.txt next to this file, each
preceded by a "# <-" comment line naming the command or event it followed.
"""
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROUTER = "127.0.0.2"
COMMANDS = [
    "version",
    "announce route 192.0.2.53/32 next-hop 192.0.2.254",
    "no-such-command at all",
    f"neighbor {ROUTER} announce route 192.0.2.54/32 next-hop 192.0.2.254",
    "neighbor * announce route 192.0.2.55/32 next-hop 192.0.2.254",
    "withdraw route 192.0.2.53/32 next-hop 192.0.2.254",
]


def child(out_path: str, go_path: str) -> None:
    """ExaBGP's process child: records stdin; sends COMMANDS once go_path exists."""
    import threading
    out = open(out_path, "a", buffering=1)
    lock = threading.Lock()

    def note(text):
        with lock:
            out.write(text + "\n")

    def reader():
        for line in sys.stdin:
            with lock:
                out.write(line if line.endswith("\n") else line + "\n")
        note("# <- EOF on stdin")
    threading.Thread(target=reader, daemon=True).start()
    while not os.path.exists(go_path):
        time.sleep(0.05)
    for cmd in COMMANDS:
        note(f"# <- sent: {cmd}")
        sys.stdout.write(cmd + "\n")
        sys.stdout.flush()
        time.sleep(0.5)  # one command at a time so each answer follows its comment
    note("# <- commands sent")
    while True:
        time.sleep(1)


def main() -> None:
    encoder = sys.argv[1] if len(sys.argv) > 1 else "json"
    sys.path.insert(0, str(HERE.parents[3] / "deploy"))
    from labkit.bgp import ExaBGP, GoBGP, selected_release
    from labkit.common import make_workdir, wait_until
    wd = make_workdir("acs-capture-")
    release = selected_release()
    rel_name = "4.2.21" if release == "system" else release
    raw = wd / "raw.txt"
    go = wd / "go"
    router = GoBGP(wd, addr=ROUTER, peers=[("127.0.0.1", 65001)])
    router.start()
    exabgp = ExaBGP(wd, router=router, encoder=encoder,
                    run=[sys.executable, str(Path(__file__).resolve()), "--child", str(raw), str(go)])
    try:
        exabgp.start()

        def downs():  # neighbor down messages so far, either encoder
            return sum(1 for line in raw.read_text().splitlines()
                       if not line.startswith("#") and ('"down"' in line or " down" in line))

        def note(text):
            with open(raw, "a") as f:
                f.write(f"# <- {text}\n")
        time.sleep(1)
        go.touch()
        wait_until(lambda: "commands sent" in raw.read_text(), 20, "the child's commands")
        time.sleep(1)
        # A Cease with a shutdown communication (RFC 8203) holding quotes and a backslash: 4.2
        # puts it into the down reason as is; a JSON parser must not lose the state change.
        note("router: gobgp neighbor 127.0.0.1 disable --reason 'maint \"now\" \\o/'")
        router.cli("neighbor", "127.0.0.1", "disable", "--reason", 'maint "now" \\o/')
        wait_until(lambda: downs() >= 1, 20, "neighbor down")
        time.sleep(1)
        note("router: gobgp neighbor 127.0.0.1 enable")
        router.cli("neighbor", "127.0.0.1", "enable")
        exabgp.wait_established(30)
        time.sleep(0.5)
        note("router stopped (SIGTERM to gobgpd)")
        router.proc.stop(10)
        wait_until(lambda: downs() >= 2, 20, "neighbor down")
        time.sleep(0.5)
        note("router started again")
        router.start()
        exabgp.wait_established(30)
        time.sleep(1.5)
        note("SIGTERM to ExaBGP")
        exabgp.stop()
        time.sleep(0.5)
    finally:
        exabgp.stop()
        router.stop()
    dest = HERE / f"exabgp-{rel_name}-{encoder}.txt"
    header = (f"# What ExaBGP {rel_name} ({encoder} encoder, api ack on, neighbor-changes) wrote to "
              f"its process child,\n# captured by tests/unit/bridge/captured/capture.py "
              f"(ACS_EXABGP_RELEASE={release}). Lines starting\n# with '# <-' are the capture's "
              "notes, not ExaBGP's output.\n")
    dest.write_text(header + raw.read_text())
    print(f"wrote {dest} (logs in {wd})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
