"""A GoBGP router's RIB as a timestamped stream: when one prefix came and went, to the millisecond.

Used where a bound is measured in milliseconds (tests/e2e/test_detection.py, tests/bench/run);
GoBGP.paths() answers "what is there now" and is the one to poll for everything else.
"""
from __future__ import annotations

import json
import subprocess
import threading
import time

from .common import which


class RibWatch:
    """`gobgp monitor global rib -j` in the background: every update for one prefix, stamped with
    time.monotonic() (and time.time()) when the line arrives. Polling `gobgp global rib` costs
    about 30 ms per call, the stream well under one."""

    def __init__(self, router, prefix: str):
        self.prefix = prefix
        self.present = False
        self.events: list[tuple[float, float, bool]] = []  # (monotonic, unix, present)
        self._cv = threading.Condition()
        self.proc = subprocess.Popen(
            [which("gobgp"), "-u", "127.0.0.1", "-p", str(router.api_port), "monitor", "global",
             "rib", "-j", "--current"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            mono, unix = time.monotonic(), time.time()
            try:
                paths = json.loads(line)
            except ValueError:
                continue
            for p in paths if isinstance(paths, list) else []:
                if p.get("nlri", {}).get("prefix") != self.prefix:
                    continue
                present = not p.get("withdrawal", False)
                with self._cv:
                    if present != self.present:
                        self.present = present
                        self.events.append((mono, unix, present))
                        self._cv.notify_all()

    def wait(self, present: bool, after: float, timeout: float):
        """(monotonic, unix) of the first change to `present` at or after `after`; None on timeout."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for mono, unix, state in self.events:
                    if state == present and mono >= after:
                        return mono, unix
                if self.present == present and self.events and self.events[-1][0] < after:
                    return self.events[-1][0], self.events[-1][1]  # already there before `after`
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cv.wait(left)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
