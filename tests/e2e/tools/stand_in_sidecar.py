#!/usr/bin/env python3
"""STAND-IN, not product code: a crude anycast-sidecar with the same `run` and `status` command
lines, so the lab and labkit's BGP side can be exercised before (or without) the real daemon.

run --config FILE: every interval, one UDP query per DNS check of the first service; all answer
-> announce its routes, else withdraw; drains ExaBGP's output on a thread; exits on EOF.
status --config FILE: prints the last verdict, exit 0 (up) or 2 (down), 3 without a status file.
"""
import json
import sys
import threading
from pathlib import Path

sys.dont_write_bytecode = True  # leaves no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "deploy"))
from labkit.resolvers import dns_query  # noqa: E402


def main() -> int:
    if len(sys.argv) != 4 or sys.argv[2] != "--config" or sys.argv[1] not in ("run", "status"):
        print("usage: stand_in_sidecar.py run|status --config FILE", file=sys.stderr)
        return 3
    cfg = json.loads(Path(sys.argv[3]).read_text())
    status_file = Path(cfg["status_file"])
    if sys.argv[1] == "status":
        try:
            st = json.loads(status_file.read_text())
        except OSError:
            print(f"no status file {status_file}")
            return 3
        print(f"stand-in sidecar: resolver {st['state']} ({st['detail']})")
        return 0 if st["state"] == "up" else 2
    svc = cfg["services"][0]
    done = threading.Event()

    def drain():
        for _ in sys.stdin:
            pass
        done.set()
    threading.Thread(target=drain, daemon=True).start()
    while not done.is_set():
        failed = [c["name"] for c in svc["checks"]
                  if dns_query(c["server"], c["port"], c["qname"], timeout=0.3) != 0]
        for r in svc["routes"]:
            verb = "withdraw" if failed else "announce"
            print(f"{verb} route {r['prefix']} next-hop {r['next_hop']}", flush=True)
        tmp = status_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"state": "down" if failed else "up",
                                   "detail": "failing: " + ",".join(failed) if failed else "ok"}))
        tmp.replace(status_file)
        done.wait(svc.get("interval_ms", 1000) / 1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
