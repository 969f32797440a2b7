"""Hooks run after transitions with the state in their environment, an exec check judges
health next to the DNS check, and SIGHUP reloads: a valid new configuration adds and removes routes
at the router, an invalid one is logged and the running one stays in force."""
import json
import os
import signal
import sys

import e2e
from e2e import wait_until
from labkit import sidecar as sc

HOOK = ("import os, sys; open(sys.argv[1], 'a').write(os.environ['ANYCAST_SIDECAR_STATE'] + ' ' + "
        "os.environ['ANYCAST_SIDECAR_PREVIOUS_STATE'] + ' ' + os.environ['ANYCAST_SIDECAR_SERVICE'] "
        "+ '\\n')")


class HooksAndReload(e2e.NodeTestCase):

    def test_hooks_exec_check_and_reload(self):
        port = self.start_resolver().port
        flag = self.workdir / "healthy.flag"
        flag.write_text("")
        hooks_log = self.workdir / "hooks.log"
        hook = [sys.executable, "-c", HOOK, str(hooks_log)]
        services = [sc.service(
            checks=[sc.dns_check(port),
                    {"name": "flag", "type": "exec", "command": ["test", "-e", str(flag)]}],
            routes=[sc.route(self.PREFIX)], rise=2, fall=1, hold_down_ms=0,
            hooks={"on_up": hook, "on_down": hook})]
        self.start_node(services)
        self.wait_route(True, timeout=15)
        wait_until(lambda: hooks_log.exists() and "up rising resolver" in hooks_log.read_text(), 5,
                   "the on_up hook")

        # The exec check fails on its own: the DNS check alone does not keep the route.
        flag.unlink()
        self.wait_route(False, timeout=3)
        svc = self.wait_state("down")
        self.assertEqual(svc["checks"][1]["reason"], "exit_status")
        wait_until(lambda: "down up resolver" in hooks_log.read_text(), 5, "the on_down hook")
        flag.write_text("")
        self.wait_route(True, timeout=5)

        # A valid reload: a second route appears at the router.
        cfg = json.loads(self.config.read_text())
        cfg["services"][0]["routes"].append(sc.route("198.51.100.53/32"))
        self.config.write_text(json.dumps(cfg))
        os.kill(self.sidecar_pid(), signal.SIGHUP)
        self.wait_route(True, timeout=5, prefix="198.51.100.53/32")

        # An invalid reload is refused and changes nothing.
        self.config.write_text('{"services": [{"name": "resolver", "intervall_ms": 5}]}')
        os.kill(self.sidecar_pid(), signal.SIGHUP)
        wait_until(lambda: "reload_rejected" in self.exabgp.child_stderr(), 5, "reload rejected")
        self.assertIn("intervall_ms", self.exabgp.child_stderr())
        self.assertTrue(self.paths("198.51.100.53/32"))
        # The status file follows a change within its write spacing (20 ms, ten times a write's
        # cost when that is more: slower under ASan), so it is polled, not read once.
        wait_until(lambda: len(self.service()["routes"]) == 2, 5, "both routes in the status file")

        # Removing the route in a valid reload withdraws it.
        cfg["services"][0]["routes"].pop()
        self.config.write_text(json.dumps(cfg))
        os.kill(self.sidecar_pid(), signal.SIGHUP)
        self.wait_route(False, timeout=5, prefix="198.51.100.53/32")
        self.assertTrue(self.paths())


if __name__ == "__main__":
    e2e.main()
