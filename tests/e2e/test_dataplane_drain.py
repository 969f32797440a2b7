"""A drain by RFC 8326 on the two-router lab (labkit/drain_lab.py), measured as client queries.

Two routers, one node behind each; both prefer node 1, so the client's router R1 knows only
node 1's path, and BGP updates between the routers take DELAY_MS each way (labkit/tcp_delay.py,
a STAND-IN for a network where updates take time to spread: this kernel has no netem). The
client asks at QPS through R1 while node 1 goes into maintenance with `maintenance on --wait`:

- `"when_disabled": "withdraw"` (the default) is the negative control: R1 has no route from the
  withdraw until R2's update for node 2 comes back, two trips across the delayed session, and
  the queries of that time are lost (more than MIN_LOSS);
- `"when_disabled": "drain"` with drain_ms DRAIN_MS: node 1 announces with GRACEFUL_SHUTDOWN, the
  routers' import filters give it LOCAL_PREF 0, R1 moves to R2's path while node 1 still
  answers, and the withdraw at the drain's end loses nothing (NOISE at most: stray losses of a
  shared 2-core machine). `--wait` returns only after that withdraw: not before DRAIN_MS.

Takes about 40 s. Skips, saying why, where network namespaces cannot be made."""
import subprocess
import time
import unittest

import e2e
from e2e import sidecar_bin, wait_until
from labkit import dataplane as dpl
from labkit import drain_lab
from labkit import sidecar as sc

SCHEDULE = dict(interval_ms=1000, fast_interval_ms=200, timeout_ms=500, rise=2, fall=3)
QPS = 500
SECONDS = 8
DRAIN_MS = 2000  # > two trips across the delayed session (2 x 300 ms) and BIRD's work
NOISE = 3
MIN_LOSS = 50  # a withdraw loses ~2 x DELAY_MS of queries: 300 at 500/s
POSSIBLE, WHY = dpl.netns_possible("bird")


def wait_s(start, t):
    """Paces the script: returns once `t` s have passed since the load's start."""
    while time.monotonic() < start + t:
        time.sleep(0.005)


@unittest.skipUnless(POSSIBLE, f"the two-router lab needs network namespaces: {WHY}")
class Drain(e2e.TestCase):

    def maintenance(self, name, drain_ms):
        workdir = self.workdir / name
        workdir.mkdir()
        with drain_lab.TwoRouterPlane(workdir, sidecar_bin=sidecar_bin(), drain_ms=drain_ms,
                                      **SCHEDULE) as plane:
            n1 = plane.nodes[0]
            p = plane.load(QPS, SECONDS)
            start = dpl.read_load_start(p)
            wait_s(start, 2.0)
            t0 = time.monotonic()
            cmd = subprocess.Popen([sidecar_bin(), "maintenance", "on", "--wait", "--reason",
                                    "drain test", "--config", str(n1.config)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            # The traffic is at node 2 (through R2) once R2's update has come back. With a
            # drain that is while node 1's path, LOCAL_PREF 0, is still in R1's RIB and --wait
            # still waits for the withdraw.
            wait_until(lambda: drain_lab.r1_path_moved(plane), 20,
                       "R1 forwarding to R2 (node 2's path)", interval=0.02)
            moved = time.monotonic() - t0
            before_withdraw = n1.name in plane.router.rib_paths() and cmd.poll() is None
            draining = sc.status_cmd(n1.config).stdout
            out, _ = cmd.communicate(timeout=60)
            waited = time.monotonic() - t0
            self.assertEqual(cmd.returncode, 0, out)
            self.assertNotIn(n1.name, plane.router.rib_paths())
            _, summary = dpl.read_load(p, 40)
            bad = len(summary.get("bad_at", []))
            print(f"{name}: {bad} of {summary['sent']} queries failed or lost at {QPS}/s; R1 "
                  f"moved to node 2 after {moved:.2f} s, "
                  f"{'before' if before_withdraw else 'after'} node 1's withdraw; "
                  f"maintenance on --wait took {waited:.2f} s", flush=True)
            return bad, waited, before_withdraw, draining

    def test_drain_moves_traffic_before_the_withdraw(self):
        # Negative control first: a plain withdraw loses the two trips' worth of queries.
        bad, _, before, _ = self.maintenance("withdraw", None)
        self.assertGreater(bad, MIN_LOSS, "a plain withdraw lost nothing: the lab shows nothing")
        self.assertFalse(before)
        bad, waited, before, status = self.maintenance("drain", DRAIN_MS)
        self.assertLessEqual(bad, NOISE)
        self.assertTrue(before, "R1 moved only after node 1's withdraw")
        self.assertIn("draining: withdrawn in", status)
        self.assertGreaterEqual(waited, DRAIN_MS / 1000.0,
                                "--wait returned before the drain's withdraw")


if __name__ == "__main__":
    e2e.main()
