"""Route identity with real ExaBGP 4.2 and GoBGP: a route's neighbor scope changes (by SIGHUP, or
across a restart of the sidecar) and the session then flaps; the router keeps holding the route.

Both cases once ended with no route at the router while `status` said OK: the withdraw of the old
key ("neighbor 127.0.0.2 withdraw route P") was written after the announce of the new one
("announce route P", map order), and a start-up withdraw stayed in the bridge, re-sent after the
announce on every neighbor up.

Negative control, run once by hand (described in deploy/docs/security-hostile-input.md): a build
with the bridge's batches in key order and retired withdraws kept (BridgeCore::take_batch in one
pass, retire() as set_desired) and stale routes matched by key alone fails both tests: the route
is gone from the router after the reload, and after the flap that follows the restart."""
import json
import os
import signal
import time

import e2e
from e2e import wait_until
from labkit import sidecar as sc

PEER = "127.0.0.2"  # the router, as ExaBGP's neighbor block names it


class RouteIdentity(e2e.NodeTestCase):

    def node(self, scoped):
        port = self.start_resolver().port
        route = sc.route(self.PREFIX, neighbors=[PEER]) if scoped else sc.route(self.PREFIX)
        svc = sc.service(checks=[sc.dns_check(port)], routes=[route], interval_ms=500,
                         fast_interval_ms=100, rise=2, fall=2, hold_down_ms=0)
        return self.start_node([svc])

    def rescope(self, config, neighbors):
        cfg = json.loads(config.read_text())
        route = cfg["services"][0]["routes"][0]
        route.pop("neighbors", None)
        if neighbors:
            route["neighbors"] = neighbors
        config.write_text(json.dumps(cfg, indent=2))

    def route_view(self):
        svc = self.service() or {}
        return (svc.get("routes") or [{}])[0]

    def wait_confirmed(self, neighbors, timeout=15):
        wait_until(lambda: self.route_view().get("neighbors") == neighbors and
                   self.route_view().get("confirmed") is True and
                   (self.service() or {}).get("state") == "up", timeout,
                   f"the route scoped to {neighbors or 'every peer'} up and confirmed")

    def assert_held(self, seconds, what):
        """The router holds the route at every poll for `seconds` (a wrong order leaves it gone
        for good, so a short window after the change settles it)."""
        deadline = time.monotonic() + seconds
        polls = 0
        while time.monotonic() < deadline:
            self.assertTrue(self.paths(), f"{what}: the router lost {self.PREFIX}")
            polls += 1
        print(f"{what}: route held over {polls} polls")

    def flap(self):
        """Takes the session down from the router's side and back; returns once ExaBGP reports it up again."""
        before = {n["peer"]: n.get("since_unix", 0)
                  for n in self.status()["exabgp"].get("neighbors", [])}
        # disable/enable rather than reset: after an administrative reset GoBGP stays idle for
        # a long while, refusing ExaBGP's reconnects.
        for verb in ("disable", "enable"):
            out = self.router.cli("neighbor", self.exabgp.addr, verb)
            self.assertEqual(out.returncode, 0, out.stderr)
            if verb == "disable":
                wait_until(lambda: any(n["peer"] == PEER and n["state"] == "down" for n in
                                       (self.status() or {}).get("exabgp", {}).get("neighbors",
                                                                                   [])),
                           15, "ExaBGP to see the session down")

        def up_again():
            for n in (self.status() or {}).get("exabgp", {}).get("neighbors", []):
                if n["peer"] == PEER and n["state"] == "up" and \
                        n.get("since_unix", 0) > before.get(PEER, 0):
                    return True
            return False
        wait_until(up_again, 30, "the session down and up again")
        self.wait_route(True, timeout=10, what="the route back after the session came up")

    def test_reload_dropping_the_neighbor_scope_keeps_the_route(self):
        config = self.node(scoped=True)
        self.wait_route(True, timeout=20)
        self.wait_confirmed([PEER])
        self.rescope(config, None)
        os.kill(self.sidecar_pid(), signal.SIGHUP)
        self.wait_confirmed([])
        self.assert_held(2.0, "after the reload")
        # The withdraw of the old key was acknowledged and forgotten: a re-send is exactly the
        # desired state.
        self.flap()
        self.wait_confirmed([])
        self.assert_held(2.0, "after the reload and a flap")

    def test_restart_then_flap_keeps_the_route(self):
        config = self.node(scoped=True)
        self.wait_route(True, timeout=20)
        self.wait_confirmed([PEER])
        self.rescope(config, None)
        pid = self.sidecar_pid()
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: (self.status() or {}).get("pid") not in (None, pid), 15,
                   "ExaBGP to respawn the sidecar")
        self.wait_confirmed([])
        self.assert_held(1.0, "after the restart")
        self.flap()
        self.wait_confirmed([])
        self.assert_held(2.0, "after the restart and a flap")


if __name__ == "__main__":
    e2e.main()
