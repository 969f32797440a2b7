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


class _Monitor:
    """`gobgp monitor ... -j --current` in the background; each path for `prefix` goes to
    _on_path(path, monotonic, unix), stamped when its line arrived."""

    def __init__(self, router, prefix: str, what: list[str]):
        self.prefix = prefix
        self.proc = subprocess.Popen(
            [which("gobgp"), "-u", "127.0.0.1", "-p", str(router.api_port), "monitor", *what,
             "-j", "--current"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            mono, unix = time.monotonic(), time.time()
            try:
                paths = json.loads(line)
            except ValueError:
                continue
            for p in paths if isinstance(paths, list) else []:
                if p.get("nlri", {}).get("prefix") == self.prefix:
                    self._on_path(p, mono, unix)

    def _on_path(self, path: dict, mono: float, unix: float) -> None:
        raise NotImplementedError

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class RibWatch(_Monitor):
    """`gobgp monitor global rib -j` in the background: every update for one prefix, stamped with
    time.monotonic() (and time.time()) when the line arrives. Polling `gobgp global rib` costs
    about 30 ms per call, the stream well under one."""

    def __init__(self, router, prefix: str):
        self.present = False
        self.events: list[tuple[float, float, bool]] = []  # (monotonic, unix, present)
        self._cv = threading.Condition()
        super().__init__(router, prefix, ["global", "rib"])

    def _on_path(self, path, mono, unix):
        present = not path.get("withdrawal", False)
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


class PeerPaths(_Monitor):
    """`gobgp monitor adj-in -j` in the background (every path every peer sends, where
    `monitor global rib` reports best-path changes only): which nodes' paths for one prefix the
    router holds, after every update, stamped with time.monotonic(). `fewest(after)`
    is the smallest number of paths the router held at any moment since `after`: a path that
    left and came back between two polls still counts (the fleet floor's tests)."""

    def __init__(self, router, prefix: str):
        self.peers: set = set()
        self.events: list[tuple[float, int]] = [(time.monotonic(), 0)]  # (monotonic, paths)
        self._lock = threading.Lock()
        super().__init__(router, prefix, ["adj-in"])

    def _on_path(self, path, mono, unix):
        peer = path.get("neighbor-ip") or path.get("source-id")
        with self._lock:
            if path.get("withdrawal", False):
                self.peers.discard(peer)
            else:
                self.peers.add(peer)
            self.events.append((mono, len(self.peers)))

    def count(self) -> int:
        with self._lock:
            return len(self.peers)

    def fewest(self, after: float) -> int:
        with self._lock:
            before = [n for t, n in self.events if t < after]
            since = [n for t, n in self.events if t >= after]
        return min(([before[-1]] if before else []) + since)
