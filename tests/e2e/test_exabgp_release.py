"""What differs between ExaBGP releases, end to end, against whichever release labkit runs
(ACS_EXABGP_RELEASE: the system's 4.2.21, 4.2.25 or 5.0.15; tests/CMakeLists.txt registers all
three): the status file reports ExaBGP's release, follows the neighbor down and up again, the
version ping keeps the link `ok` with acks off, and ExaBGP's shutdown notification makes the
sidecar leave at once.

Negative control: the version assertion compares with the release labkit started, so running
this file with ACS_EXABGP_RELEASE=5.0.15 against a sidecar that ignores the version answer (or
reports another release) fails; see deploy/docs/testing.md, "ExaBGP releases", for the recorded run."""
import re
import time

import e2e
from e2e import run, wait_until
from labkit import sidecar as sc
from labkit.bgp import selected_release, which
from labkit.common import pid_alive


def expected_release() -> str:
    release = selected_release()
    if release != "system":
        return release
    out = run([which("exabgp"), "--version"])
    return re.search(r"ExaBGP : (\S+)", out.stdout + out.stderr).group(1)


class ExaBGPRelease(e2e.NodeTestCase):

    def node(self, ack=True):
        self.start_resolver()
        services = [sc.service(checks=[sc.dns_check(self.resolver.port)],
                               routes=[sc.route(self.PREFIX)], interval_ms=200, timeout_ms=150,
                               fast_interval_ms=100, rise=1, fall=2, hold_down_ms=0)]
        self.start_node(services, ack=ack, exabgp={"ack_timeout_ms": 1000, "ping_interval_ms": 500})
        self.wait_route(True, timeout=15)

    def neighbor(self):
        return {n["peer"]: n["state"] for n in self.status()["exabgp"]["neighbors"]}.get(
            self.router.addr)

    def test_version_neighbor_changes_and_shutdown(self):
        self.node()
        want = expected_release()
        st = wait_until(lambda: self.status()["exabgp"]["version"] and self.status(), 10,
                        "exabgp.version in the status file")
        self.assertEqual(st["exabgp"]["version"], want, f"ExaBGP {want} started")
        out = sc.status_cmd(self.config)
        self.assertIn(f"exabgp bridge ok (ExaBGP {want})", out.stdout)
        self.assertEqual(self.neighbor(), "up")

        self.router.proc.stop()
        wait_until(lambda: self.neighbor() == "down", 15, "neighbor down in the status file")
        self.router.start()
        self.exabgp.wait_established(30)
        wait_until(lambda: self.neighbor() == "up", 15, "neighbor up again in the status file")
        self.wait_route(True, timeout=10)

        pid = self.sidecar_pid()
        t0 = time.monotonic()
        self.exabgp.stop()
        wait_until(lambda: "exabgp_shutdown" in self.exabgp.child_stderr(), 5,
                   "the sidecar's log line for ExaBGP's shutdown notification")
        wait_until(lambda: not pid_alive(pid), 5, f"sidecar {pid} to exit")
        print(f"ExaBGP {want}: shutdown notification read, sidecar {pid} gone "
              f"{time.monotonic() - t0:.2f} s after SIGTERM to ExaBGP")

    def test_version_ping_with_acks_off(self):
        self.node(ack=False)
        first = wait_until(lambda: self.status()["exabgp"]["last_ack_unix"], 10,
                           "a version answer with acks off")
        wait_until(lambda: (self.status()["exabgp"]["last_ack_unix"] or 0) > first + 1, 5,
                   "version pings answered again (ping_interval_ms 500)")
        st = self.status()
        self.assertEqual(st["exabgp"]["state"], "ok", st["exabgp"]["detail"])
        self.assertEqual(st["exabgp"]["version"], expected_release())


if __name__ == "__main__":
    e2e.main()
