"""The faster detection of a dead resolver does not weaken the hysteresis against
transient loss. On the data plane (network namespaces, BIRD ECMP, three nodes), node 1 loses 2%
of the UDP packets to port 53 at random (nf_tables numgen, inside its namespace: its own probes
and the clients' queries alike) for a window with the contract's default schedule (interval
1000, fast 200, timeout 500, rise 3, fall 3): its sidecar never withdraws. A lost probe is a
timeout, a soft failure, judged at fast_interval_ms exactly as before; only connection_refused
is confirmed faster.

Window: 30 s in CI; ACS_LOSS_SECONDS=120 for a full 120 s run.
Negative control (always run): 90% loss on the same node withdraws it within 20 s (60% did
within 2-9 s in most runs, but not within 20 s in one: `fall` timeouts in a row are a matter of
chance there).
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


def client_losses(summary: dict) -> str:
    """What the clients lost, by kind and by the seconds where most of it fell, so that a loss
    that is not the rule's (a stalled machine, a route change) shows its shape."""
    kinds: dict[str, int] = {}
    seconds: dict[int, int] = {}
    for at, what in summary.get("bad_at", []):
        kinds[what] = kinds.get(what, 0) + 1
        seconds[int(at)] = seconds.get(int(at), 0) + 1
    worst = sorted(seconds.items(), key=lambda kv: -kv[1])[:3]
    return (f"{summary['bad']} of {summary['sent']} not answered in time "
            f"({summary['bad'] / max(summary['sent'], 1):.2%}; a third reach node 1) "
            f"{kinds or ''}, worst seconds {worst}")


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
                self.assertIn(n.addr, dp.router.fib_nexthops(), "node 1 withdrawn under 2% loss")
                self.assertNotIn("down", [to for _, to in transitions(n)[before:]])
                time.sleep(0.2)
            _, summary = dpl.read_load(load, SECONDS + 30)
            seen, dropped = dpl.udp53_counts(n.ns)
            fell = transitions(n)[before:].count(("up", "falling"))
            print(f"2% loss for {SECONDS:g} s: the rule dropped {dropped} of {seen} packets at "
                  f"node 1 ({dropped / max(seen, 1):.2%}); clients: {client_losses(summary)}; "
                  f"{fell} rounds began falling and recovered, no withdraw")
            self.assertGreater(dropped, 0, "the loss rule dropped nothing: the test proves nothing")
            # The rule drops what it says, no more, no less. Measured at the rule itself: what
            # the clients lose also counts a loaded machine's late answers (CI, 2 cores, other
            # tests beside this one once made 7% of them late or lost), which is not the fault.
            self.assertTrue(0.008 <= dropped / seen <= 0.035,
                            f"the rule dropped {dropped} of {seen}, not about 2%")
            # Down from falling, or from degraded (the recursion check can degrade first).
            self.assertNotIn("down", [to for _, to in transitions(n)[before:]])
            self.assertEqual(dp.router.fib_nexthops(), everyone)

            # Negative control: the same assertions fail under heavy loss. The withdraw is read
            # at the RIB (out of the FIB alone could be a degrade: the recursion check degrades),
            # then in the status file, which may trail the router by its write spacing.
            dpl.udp53_loss(n.ns, 90)
            t0 = time.monotonic()
            wait_until(lambda: n.name not in dp.router.rib_paths(), 20,
                       "node 1 withdrawn under 90% loss (negative control)")
            print(f"NEGATIVE CONTROL: 90% loss withdrew node 1 after "
                  f"{time.monotonic() - t0:.1f} s")
            wait_until(lambda: "down" in [to for _, to in transitions(n)[before:]], 5,
                       "the status file's transition to down after the withdraw")
            dpl.udp53_loss(n.ns, 0)


if __name__ == "__main__":
    e2e.main()
