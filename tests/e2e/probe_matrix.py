"""The resolver matrix's shared scenarios: test_probe_unbound.py's ProbeCases (every probe
reason, killed, hung, IPv6, exit codes) plus what each program's own tools must show: a restart
on a configuration the program refuses is connection_refused, and `probe --resolver PROGRAM`
names that program's checker and control tool in its hints.

A subclass sets resolver_flag (the --resolver value), checker (text the connection_refused hint
must hold), status_tool (text the timeout hint must hold) and start_resolver(with_upstream, **kw).
"""
import test_probe_unbound as cases


class MatrixCases(cases.ProbeCases):
    resolver_flag = None
    checker = None
    status_tool = None

    def hint_text(self, r, *args, expect_exit=2):
        out, ctx = self.probe(r, "probe.health.test", *args, "--resolver", self.resolver_flag,
                              json_output=False, expect_exit=expect_exit)
        return out.stdout, ctx

    def test_config_error_at_restart_names_the_checker(self):
        r = self.start_resolver()
        self.assert_reason(r, "ok", "probe.health.test")
        self.assertFalse(r.restart(broken=True), f"{r!r} started on a broken configuration")
        self.assertFalse(r.running())
        for transport in ("udp", "tcp"):
            self.assert_reason(r, "connection_refused", "probe.health.test", transport=transport)
        text, ctx = self.hint_text(r)
        self.assertIn(f"nothing listens on {r.addr}:{r.port}", text, ctx)
        self.assertIn(self.checker, text, ctx)
        # Only this program's tools: a hint naming a tool the node does not have is noise.
        others = [c for c in ("unbound-checkconf", "named-checkconf", "pdns_recursor --config",
                              "dnsdist --check-config", "kresd -n") if c not in self.checker]
        for other in others:
            self.assertNotIn(other, text, ctx)
        if hasattr(r, "check_config"):  # the program's own checker agrees (kresd has none)
            checked = r.check_config()
            self.assertNotEqual(checked.returncode, 0, checked)
        # The fix brings it back, and the checker then passes.
        self.assertTrue(r.restart(broken=False), r.log()[-2000:])
        if hasattr(r, "check_config"):
            checked = r.check_config()
            self.assertEqual(checked.returncode, 0, checked)
        self.assert_reason(r, "ok", "probe.health.test", "--expect-answer", "192.0.2.1")

    def assert_example_serves_the_health_zone(self, r):
        """r started with deploy/examples' snippet for its program: it answers the examples'
        health name (probe.health.example. A 192.0.2.1) and NXDOMAIN beside it."""
        self.assert_reason(r, "ok", "probe.health.example", "--expect-answer", "192.0.2.1")
        self.assert_reason(r, "nxdomain", "missing.health.example", transport="tcp")

    def test_hung_hint_names_the_control_tool(self):
        r = self.start_resolver()
        r.sigstop()
        try:
            text, ctx = self.hint_text(r)
        finally:
            r.sigcont()
        self.assertIn("timeout", text, ctx)
        self.assertIn(self.status_tool, text, ctx)
