"""Nothing a file says crash-loops the child under a real ExaBGP 4.2 (which shuts
itself down after 5 child deaths in 64 s). The sidecar keeps one pid throughout:
- started on an invalid configuration it announces nothing, shows `config_error` in the status
  file, `status` exits 2 naming the problem, and SIGHUP on the fixed file brings the route up
  (same pid: the restart happens in place);
(test_hostile_maintenance.py covers the hostile maintenance file and the invalid reload.)

Negative control: the route is asserted absent while the configuration is invalid and present
after the fix, and pid equality is checked against the status file's own pid (a respawned child
would write a new one)."""
import os
import signal

import e2e
from e2e import wait_until
from labkit import sidecar as sc


class BadInputUnderExaBGP(e2e.NodeTestCase):

    def valid_services(self):
        return [sc.service(checks=[sc.dns_check(self.resolver.port)],
                           routes=[sc.route(self.PREFIX)], hold_down_ms=0)]

    def test_invalid_config_at_start_stays_up_and_sighup_fixes_it(self):
        self.start_resolver()
        self.start_router()
        services = self.valid_services()
        services[0]["rise"] = 0  # invalid
        config = sc.write_config(self.workdir, services)
        self.status_path = self.workdir / "status.json"
        self.start_exabgp(config)
        wait_until(lambda: (self.status() or {}).get("config_error"), 15,
                   "config_error in the status file")
        status = self.status()
        pid = status["pid"]
        self.assertTrue(any("rise" in p for p in status["config_error"]), status["config_error"])
        r = sc.status_cmd(config)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("rise", r.stdout)
        # Stays up and announces nothing: the status file keeps being rewritten by the same pid.
        seq = status["seq"]
        wait_until(lambda: self.status()["seq"] > seq + 2, 10, "heartbeats from the same process")
        self.assertEqual(self.status()["pid"], pid)
        self.assertEqual(self.paths(), [])
        self.assertTrue(self.exabgp.running())
        # Fixed, then SIGHUP: the same process announces.
        sc.write_config(self.workdir, self.valid_services())
        os.kill(pid, signal.SIGHUP)
        self.wait_route(True, timeout=15)
        status = self.status()
        self.assertEqual(status["pid"], pid, "the sidecar was restarted by ExaBGP, not in place")
        self.assertNotIn("config_error", status)
        wait_until(lambda: sc.status_cmd(config).returncode == 0, 5, "status OK after the fix")


if __name__ == "__main__":
    e2e.main()
