"""BIND 9.18 as the resolver: the same scenarios as test_probe_unbound.py, plus the
2024 outage: named restarted with `dnssec-enable yes;` does not start, and the probe says
connection_refused with a hint that names the config check."""
import e2e
import test_probe_unbound as cases


class ProbeBind(cases.ProbeCases, e2e.TestCase):

    def start_resolver(self, with_upstream=False, **kw):
        from labkit.resolvers import Bind
        upstream = self.auth.port if with_upstream else None
        r = self.own(Bind(self.workdir, role="resolver", upstream_port=upstream, **kw))
        r.start()
        return r

    def test_restart_with_dnssec_enable_is_connection_refused(self):
        r = self.start_resolver()
        self.assert_reason(r, "ok", "probe.health.test")
        self.assertFalse(r.restart(dnssec_enable=True), "named 9.18 should refuse dnssec-enable")
        self.assertFalse(r.running())
        self.assertIn("dnssec-enable", r.log())
        for transport in ("udp", "tcp"):
            self.assert_reason(r, "connection_refused", "probe.health.test", transport=transport)
        out, ctx = self.probe(r, "probe.health.test", json_output=False, expect_exit=2)
        self.assertIn("connection_refused", out.stdout, ctx)
        self.assertIn(f"nothing listens on {r.addr}:{r.port}", out.stdout, ctx)
        self.assertIn("named-checkconf", out.stdout, ctx)
        # The fix brings it back.
        self.assertTrue(r.restart(dnssec_enable=False), r.log()[-2000:])
        self.assert_reason(r, "ok", "probe.health.test", "--expect-answer", "192.0.2.1")


if __name__ == "__main__":
    e2e.main()
