"""Negative control for every end-to-end BGP assertion: the April 2021 wedge, reproduced with the
real programs and a stand-in child (tools/deaf_child.py) that never reads its stdin.

With acknowledgements on, ExaBGP 4.2 blocks writing `done` into the full pipe, stops sending
keepalives, and the router drops the session at the hold time: this test asserts exactly that, so
the sidecar's own e2e tests (which assert the session stays up) are known to be able to fail.
The same child with acknowledgements off keeps its session: the wedge is the acks, nothing else.
"""
import sys
import time
from pathlib import Path

import e2e
from e2e import wait_until

COMMANDS = 20_000
HOLD_TIME = 9
# The router notices at most one hold time after the last keepalive; ExaBGP's keepalive timer is
# a third of it. The margin covers a loaded 2-core CI machine.
DROP_WITHIN = HOLD_TIME + 8
DEAF_CHILD = Path(__file__).resolve().parent / "tools" / "deaf_child.py"
PREFIX = "192.0.2.53/32"


def processed(exabgp) -> int:
    """Commands ExaBGP applied (it logs every announce/withdraw it takes from the child)."""
    return exabgp.applied_commands()


class ExaBGPWedge(e2e.TestCase):

    def start(self, ack: bool):
        from labkit.bgp import ExaBGP, GoBGP
        self.router = self.own(GoBGP(self.workdir, peers=[("127.0.0.1", 65001)]))
        self.router.start()
        argv = [sys.executable, str(DEAF_CHILD), "--count", str(COMMANDS), "--prefix", PREFIX,
                "--next-hop", "192.0.2.254"]
        self.exabgp = self.own(ExaBGP(self.workdir, router=self.router, run=argv, ack=ack,
                                      hold_time=HOLD_TIME))
        self.exabgp.start()
        self.t0 = time.monotonic()
        wait_until(lambda: self.router.paths(PREFIX), 10, f"{PREFIX} announced by the child")

    def session(self) -> str:
        return self.router.neighbor_state("127.0.0.1")

    def test_deaf_child_with_acks_wedges_exabgp_and_the_router_drops_it(self):
        self.start(ack=True)
        # ExaBGP stops taking commands once the pipe of unread acks is full.
        last = [-1, time.monotonic()]

        def stalled():
            n = processed(self.exabgp)
            if n != last[0]:
                last[:] = [n, time.monotonic()]
            return n < COMMANDS and time.monotonic() - last[1] > 2
        wait_until(stalled, 60, "ExaBGP to stop applying the child's commands", interval=0.2)
        through = processed(self.exabgp)
        wedged_at = time.monotonic() - self.t0
        print(f"ExaBGP wedged after {through} of {COMMANDS} commands ({wedged_at:.1f} s)")
        self.assertLess(through, COMMANDS, "ExaBGP applied every command: it never wedged")

        wait_until(lambda: self.session() != "established", DROP_WITHIN,
                   f"the router to drop the wedged session (hold time {HOLD_TIME} s)")
        print(f"router dropped the session {time.monotonic() - self.t0 - wedged_at:.1f} s after "
              f"the wedge, state now {self.session()}")
        wait_until(lambda: not self.router.paths(PREFIX), 5, f"{PREFIX} gone from the router")
        self.assertTrue(self.exabgp.running(), "ExaBGP should be hung, not dead")
        self.exabgp.kill()  # a wedged ExaBGP ignores SIGTERM (blocked writing to the child)

    def test_same_child_without_acks_keeps_the_session(self):
        self.start(ack=False)
        # Until every command is applied, or the count has not moved for 5 s: ExaBGP 4.2.25 once
        # left the child's last 12 commands unapplied for 108 s with its session up (a full run
        # on a loaded machine, 2026-12-04), its own behaviour with the pipe gone quiet. The
        # session is what this test is about; the count must still be far past the wedge.
        last = [-1, time.monotonic()]

        def settled():
            n = processed(self.exabgp)
            if n != last[0]:
                last[:] = [n, time.monotonic()]
            return n == COMMANDS or time.monotonic() - last[1] > 5
        wait_until(settled, 120, f"ExaBGP to apply the {COMMANDS} commands with acks off",
                   interval=0.2)
        applied = processed(self.exabgp)
        print(f"{applied} of {COMMANDS} commands applied in {time.monotonic() - self.t0:.1f} s, "
              "acks off")
        self.assertGreaterEqual(applied, COMMANDS * 0.99,
                                "ExaBGP stopped taking the child's commands with acks off")
        # Nothing may change for longer than the router would take to drop a wedged session.
        deadline = time.monotonic() + DROP_WITHIN
        while time.monotonic() < deadline:
            self.assertEqual(self.session(), "established", "session lost with acks off")
            time.sleep(0.5)  # sampling period of the check above
        self.assertTrue(self.router.paths(PREFIX), f"{PREFIX} lost with acks off")


if __name__ == "__main__":
    e2e.main()
