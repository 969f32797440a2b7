"""A STAND-IN for ExaBGP (this script, not the real program: the real ExaBGP never
writes garbage) floods 100 MB of valid lines, garbage, invalid UTF-8 and a 10 MB line without a
newline into the sidecar's stdin, and never reads the sidecar's stdout. The sidecar must not
crash, must keep RSS under 32 MB and must keep its status file updating."""
import os
import random
import subprocess
import threading
import time

import e2e
from e2e import wait_until, rss_kib
from labkit import sidecar as sc

TOTAL = 100 * 1024 * 1024
RSS_LIMIT_KIB = 32 * 1024


def flood_chunks(rng):
    """Mixed ExaBGP-like output, garbage and one 10 MB line without newline, ~1 MB per chunk."""
    valid = [b"done\n", b"error\n", b"exabgp 4.2.21\n", b"\n",
             b'{ "exabgp": "4.0", "time": 1.0, "host" : "h", "pid" : 1, "ppid" : 1, '
             b'"counter": 1, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", '
             b'"peer": "127.0.0.2" }, "asn": { "local": 65001, "peer": 65000 } , '
             b'"state": "up" } }\n',
             b'{ "exabgp": "4.0", "type": "keepalive" }\n']
    sent = 0
    big_sent = False
    while sent < TOTAL:
        if not big_sent and sent > TOTAL // 3:
            chunk = b"x" * (10 * 1024 * 1024)  # no newline: one line of 10 MB, then more data
            big_sent = True
        else:
            parts = []
            size = 0
            while size < 1024 * 1024:
                kind = rng.random()
                if kind < 0.6:
                    p = rng.choice(valid)
                elif kind < 0.8:
                    p = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200))) + b"\n"
                else:
                    p = b"\xff\xfe\xc3\x28 invalid utf-8 \xe2\x82\n"
                parts.append(p)
                size += len(p)
            chunk = b"".join(parts)
        yield chunk
        sent += len(chunk)


class GarbageFlood(e2e.TestCase):

    def test_flood(self):
        from labkit.resolvers import Unbound
        resolver = self.own(Unbound(self.workdir))
        resolver.start()
        config = sc.write_config(self.workdir, [sc.service(checks=[sc.dns_check(resolver.port)],
                                                           interval_ms=200, timeout_ms=150)])
        status_path = self.workdir / "status.json"
        stderr = open(self.workdir / "sidecar.log", "wb")
        # stdout is a pipe this stand-in never reads, as a wedged ExaBGP would.
        proc = subprocess.Popen(sc.run_argv(config), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=stderr)
        self.addCleanup(lambda: (proc.kill(), proc.wait(), proc.stdout.close(), stderr.close()))
        wait_until(lambda: sc.read_status(status_path), 5, "first status file")

        rng = random.Random(2021)
        written = {"bytes": 0, "error": None}

        def writer():
            try:
                for chunk in flood_chunks(rng):
                    proc.stdin.write(chunk)
                    written["bytes"] += len(chunk)
                proc.stdin.flush()
            except Exception as exc:  # a dead sidecar shows up as a broken pipe here
                written["error"] = exc

        thread = threading.Thread(target=writer, daemon=True)
        t0 = time.monotonic()
        thread.start()
        max_rss, seqs = 0, []
        while thread.is_alive():
            self.assertLess(time.monotonic() - t0, 120, "the flood did not drain in 120 s")
            self.assertIsNone(proc.poll(), "the sidecar died during the flood")
            max_rss = max(max_rss, rss_kib(proc.pid))
            st = sc.read_status(status_path)
            seqs.append(st["seq"])
            time.sleep(0.05)  # sampling period
        took = time.monotonic() - t0
        self.assertIsNone(written["error"], f"writer failed: {written['error']}")
        self.assertIsNone(proc.poll(), "the sidecar died after the flood")
        # Everything read: the sidecar's counters account for every byte.
        wait_until(lambda: sc.read_status(status_path)["exabgp"]["counters"]["bytes_read"]
                   >= written["bytes"], 10, "the sidecar to read every byte")
        st = sc.read_status(status_path)
        counters = st["exabgp"]["counters"]
        print(f"{written['bytes'] / 1e6:.0f} MB in {took:.1f} s ({written['bytes'] / 1e6 / took:.0f}"
              f" MB/s), max RSS {max_rss} KiB, {len(set(seqs))} status writes seen during the "
              f"flood, {counters['lines_read']} lines, {counters['unknown_lines']} unknown, "
              f"{counters['long_lines_discarded']} over-long")
        # Under ASan (tests/sanitize) shadow memory and the quarantine add hundreds of MiB: the
        # memory bound is the normal build's to prove, the sanitized run looks for bad accesses.
        if not os.environ.get("ACS_SANITIZED"):
            self.assertLess(max_rss, RSS_LIMIT_KIB)
        self.assertGreater(len(set(seqs)), max(3, int(took)), "status file stopped updating")
        self.assertGreaterEqual(counters["long_lines_discarded"], 1)
        self.assertGreater(counters["unknown_lines"], 0)
        # The probe loop kept judging the real resolver during the flood.
        self.assertEqual(sc.service_status(st)["state"], "up")
        proc.stdin.close()  # EOF: ExaBGP gone, the daemon exits 0
        self.assertEqual(proc.wait(timeout=5), 0)


if __name__ == "__main__":
    e2e.main()
