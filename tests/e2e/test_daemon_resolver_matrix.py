"""The daemon, not only `probe`, with each program of the resolver matrix: a node on loopback
(the real resolver, a real GoBGP router, ExaBGP 4.2 running the sidecar) whose check names its
program (`"resolver": ...`). The route is announced; the resolver SIGKILLed, the route leaves the
router within the detection window; `status` exits 2 with connection_refused and a hint naming
that program's own checker, and no other program's (the status file carries the key).

Negative control: ACS_NEGATIVE_CONTROL=1 leaves the key out of the check, so the hint names
every program's checker and the "no other program's" assertion fails."""
import os

import e2e
from e2e import run, sidecar_bin

CHECKERS = {"pdns-recursor": "pdns_recursor --config=check",
            "knot-resolver": "kresd -n -c",
            "dnsdist": "dnsdist --check-config",
            "unbound": "unbound-checkconf",
            "bind": "named-checkconf"}
WITHDRAWN_WITHIN_S = 5  # interval 500 + fall 2 x fast 100 ms + ExaBGP and GoBGP, with margin


class DaemonResolverMatrix(e2e.NodeTestCase):

    def node_with(self, resolver, program):
        from labkit import sidecar as sc
        self.resolver = resolver
        check = sc.dns_check(resolver.port)
        if not os.environ.get("ACS_NEGATIVE_CONTROL"):
            check["resolver"] = program
        self.start_node(services=[sc.service(checks=[check], routes=[sc.route(self.PREFIX)])])
        self.wait_route(present=True, timeout=30)
        self.assertEqual(self.service()["checks"][0].get("resolver"),
                         None if os.environ.get("ACS_NEGATIVE_CONTROL") else program)
        resolver.kill()
        self.wait_route(present=False, timeout=WITHDRAWN_WITHIN_S,
                        what=f"route withdrawn after {program} was killed")
        # The router can see the withdraw before the status file's next write (its spacing is
        # 20 ms) shows the service down: wait for the state, not only the check's reason, which
        # the earlier "falling" write already carries.
        e2e.wait_until(lambda: self.service().get("state") == "down" and
                       self.service()["checks"][0].get("reason") == "connection_refused",
                       5, "the status file showing the service down with connection_refused")
        out = run([sidecar_bin(), "status", "--config", str(self.config)])
        self.assertEqual(out.returncode, 2, out.stdout)
        self.assertIn("connection_refused", out.stdout)
        self.assertIn(CHECKERS[program], out.stdout)
        for other, checker in CHECKERS.items():
            if other != program:
                self.assertNotIn(checker, out.stdout, f"{program}: hint names {other}'s tool")

    def test_pdns_recursor(self):
        from labkit.resolvers_matrix import PdnsRecursor
        self.node_with(self.own(PdnsRecursor(self.workdir)).start(), "pdns-recursor")

    def test_knot_resolver(self):
        from labkit.resolvers_matrix import Kresd
        self.node_with(self.own(Kresd(self.workdir)).start(), "knot-resolver")

    def test_dnsdist(self):
        from labkit.resolvers import Unbound
        from labkit.resolvers_matrix import Dnsdist
        backend = self.own(Unbound(self.workdir)).start()
        self.node_with(self.own(Dnsdist(self.workdir, backend=backend)).start(), "dnsdist")


if __name__ == "__main__":
    e2e.main(requires={"pdns_recursor": "pdns-recursor", "kresd": "knot-resolver",
                       "dnsdist": "dnsdist"})
