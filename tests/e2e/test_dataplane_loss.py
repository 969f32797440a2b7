"""The faster detection of a dead resolver does not weaken the hysteresis against
transient loss. On the data plane (network namespaces, BIRD ECMP, three nodes), node 1 loses 2%
of the UDP packets to port 53 at random (nf_tables numgen, inside its namespace: its own probes
and the clients' queries alike) for a window with the contract's default schedule (interval
1000, fast 200, timeout 500, rise 3, fall 3): its sidecar never withdraws. A lost probe is a
timeout, a soft failure, judged at fast_interval_ms exactly as before; only connection_refused
is confirmed faster.

Window: 30 s in CI; ACS_LOSS_SECONDS=120 for the full 120 s of the issue.
Negative control (always run): 60% loss on the same node withdraws it within 20 s.
About 75 s in CI. Skips, saying why, where network namespaces cannot be made."""
import os
import time
import unittest

import e2e
from e2e import sidecar_bin, wait_until

from labkit import dataplane as dpl
from labkit import sidecar as sc

POSSIBLE, WHY = dpl.netns_possible()
SECONDS = float(os.environ.get("ACS_LOSS_SECONDS", "30"))
QPS = 200
SCHEDULE = dict(interval_ms=1000, fast_interval_ms=200, timeout_ms=500, rise=3, fall=3)


def transitions(n):
    svc = sc.service_status(sc.read_status(n.workdir / "status.json")) or {}
    return [(t["from"], t["to"]) for t in svc.get("transitions", [])]


@unittest.skipUnless(POSSIBLE, f"data plane needs network namespaces: {WHY}")
class DataplaneLoss(e2e.TestCase):

    def test_two_percent_loss_never_withdraws(self):
        with dpl.DataPlane(self.workdir, sidecar_bin=sidecar_bin(), **SCHEDULE) as dp:
            n = dp.nodes[0]
            everyone = dp.all_nexthops()
            before = len(transitions(n))
            dpl.udp53_loss(n.ns, 2)
            # Clients' queries too (200/s, a third reach node 1): the rule's effect is measured.
            load = dp.load(QPS, SECONDS)
            t_end = time.monotonic() + SECONDS
            while time.monotonic() < t_end:
                self.assertIn(n.addr, dp.bird.fib_nexthops(), "node 1 withdrawn under 2% loss")
                self.assertNotIn(("falling", "down"), transitions(n)[before:])
                time.sleep(0.2)
            _, summary = dpl.read_load(load, SECONDS + 30)
            dropped = dpl.udp53_dropped(n.ns)
            fell = transitions(n)[before:].count(("up", "falling"))
            share = summary["bad"] / summary["sent"]
            print(f"2% loss for {SECONDS:g} s: {dropped} packets dropped at node 1, clients lost "
                  f"{summary['bad']} of {summary['sent']} ({share:.2%}; a third reach node 1), "
                  f"{fell} rounds began falling and recovered, no withdraw")
            self.assertGreater(dropped, 0, "the loss rule dropped nothing: the test proves nothing")
            # About 2% of a third: the rule drops what it says, no more.
            self.assertLess(share, 0.03, "clients lost far more than 2% of node 1's share")
            self.assertNotIn(("falling", "down"), transitions(n)[before:])
            self.assertEqual(dp.bird.fib_nexthops(), everyone)

            # Negative control: the same assertions fail under heavy loss. The withdraw is read
            # at the RIB (out of the FIB alone could be a degrade: the recursion check degrades),
            # then in the status file, which may trail the router by its write spacing.
            dpl.udp53_loss(n.ns, 60)
            t0 = time.monotonic()
            wait_until(lambda: n.name not in dp.bird.rib_paths(), 20,
                       "node 1 withdrawn under 60% loss (negative control)")
            print(f"NEGATIVE CONTROL: 60% loss withdrew node 1 after "
                  f"{time.monotonic() - t0:.1f} s")
            wait_until(lambda: ("falling", "down") in transitions(n)[before:], 5,
                       "the status file's falling -> down after the withdraw")
            dpl.udp53_loss(n.ns, 0)


if __name__ == "__main__":
    e2e.main()
