"""Replay of the July 2024 outage. Node 2 runs BIND 9.18 as its resolver; an "upgrade"
restarts it with `dnssec-enable yes;`, which 9.18 refuses: named does not start. The router must
drop node 2's path within the detection window while nodes 1 and 3 keep theirs; node 2's status
exits 2 naming connection_refused, the metrics file carries the reason; fixing the config brings
the path back."""
import time

import e2e
from e2e import run, sidecar_bin

WINDOW_S = (2 * 100 + 500) / 1000 + 1.0  # fall x fast_interval + interval + 1 s


class Outage2024(e2e.ThreeNodeTestCase):

    def test_bind_upgrade_with_dnssec_enable(self):
        self.start_nodes(resolvers=("unbound", "bind", "unbound"), service_extra={"hold_down_ms": 0})
        self.wait_peers(self.ADDRS, 30)
        bind = self.nodes[1]["resolver"]

        t0 = time.monotonic()
        bind.restart(dnssec_enable=True)  # the unattended upgrade: named refuses the option
        self.assertFalse(bind.proc.running(), "named should refuse to start with dnssec-enable")
        self.assertIn("dnssec-enable", bind.proc.log())
        self.wait_peers({self.ADDRS[0], self.ADDRS[2]}, WINDOW_S + 1.0,
                        "node 2's path withdrawn, nodes 1 and 3 kept")
        print(f"node 2 withdrawn {time.monotonic() - t0:.2f} s after the failed restart "
              f"(window {WINDOW_S:.1f} s)")

        status = run([sidecar_bin(), "status", "--config", str(self.nodes[1]["config"])])
        self.assertEqual(status.returncode, 2, status.stdout)
        self.assertIn("connection_refused", status.stdout)
        self.assertIn("named-checkconf", status.stdout)
        metrics = (self.nodes[1]["dir"] / "metrics.prom").read_text()
        self.assertIn('reason="connection_refused"} 0', metrics)
        for i in (1, 3):
            ok = run([sidecar_bin(), "status", "--config", str(self.nodes[i - 1]["config"])])
            self.assertEqual(ok.returncode, 0, ok.stdout)

        bind.restart(dnssec_enable=False)  # the fix
        self.wait_peers(self.ADDRS, 10, "node 2's path back")


if __name__ == "__main__":
    e2e.main()
