"""`anycast-sidecar probe` with PowerDNS Recursor 4.8 (Debian 12 `pdns-recursor`) as the resolver:
test_probe_unbound.py's scenarios (every probe reason from the real program, killed, hung,
IPv6), a restart on a setting it refuses (the 2024 outage's shape: `dnssec-enable=yes`), and the
hints of `probe --resolver pdns-recursor` naming `pdns_recursor --config=check` and rec_control.

What differs from Unbound and BIND: a client outside `allow-from` is not answered REFUSED but
dropped (UDP: timeout) or reset (TCP: connection_refused); REFUSED comes from a Lua policy.
"""
import e2e
import probe_matrix
from e2e import wait_until


class ProbePdnsRecursor(probe_matrix.MatrixCases, e2e.TestCase):
    resolver_flag = "pdns-recursor"
    checker = "pdns_recursor --config=check"
    status_tool = "rec_control"

    def start_resolver(self, with_upstream=False, **kw):
        from labkit.resolvers_matrix import PdnsRecursor
        upstream = self.auth.port if with_upstream else None
        r = self.own(PdnsRecursor(self.workdir, upstream_port=upstream, **kw))
        r.start()
        return r

    def test_outside_allow_from_is_dropped_not_refused(self):
        r = self.start_resolver()
        r.stop()
        r.allow_from = "192.0.2.0/24"  # not the prober's 127.0.0.1
        r.write_config()
        r.proc.start()
        # It answers nobody here now: up is when its control socket answers.
        wait_until(lambda: e2e.run(r.control_argv(), timeout=10).returncode == 0, 20,
                   "rec_control ping answering")
        self.assert_reason(r, "timeout", "probe.health.test")
        self.assert_reason(r, "connection_refused", "probe.health.test", transport="tcp")

    def test_the_example_configuration(self):
        from labkit.common import REPO
        examples = REPO / "deploy/examples"
        r = self.start_resolver()
        r.extra = (examples / "pdns-recursor-health.conf").read_text().replace(
            "/etc/powerdns/db.health.example", str(examples / "db.health.example"))
        self.assertTrue(r.restart(), r.log()[-2000:])
        self.assertEqual(r.check_config().returncode, 0)
        self.assert_example_serves_the_health_zone(r)

    def test_control_tool_answers(self):
        r = self.start_resolver()
        out = e2e.run(r.control_argv(), timeout=10)
        self.assertEqual(out.returncode, 0, out)
        self.assertIn("pong", out.stdout, out)


if __name__ == "__main__":
    e2e.main(requires={"pdns_recursor": "pdns-recursor", "rec_control": "pdns-recursor"})
