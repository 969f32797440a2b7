"""`anycast-sidecar probe` names the root cause of each failure of a real Unbound on
loopback (healthy, killed, stopped, recursion broken, refusing, nxdomain, wrong answer, nodata),
over UDP and TCP, IPv4 and IPv6, with the contract's exit codes.

ProbeCases holds the scenarios; test_probe_bind.py runs the same ones against BIND as the resolver.
"""
import json
import uuid

import e2e
from e2e import run, sidecar_bin

DEADLINE_MS = 300
SLACK_MS = 50  # the bound: a hung resolver is reported within the deadline + 50 ms


def where(resolver):
    return f"@[{resolver.addr}]:{resolver.port}" if ":" in resolver.addr else \
        f"@{resolver.addr}:{resolver.port}"


class ProbeCases:
    """Scenarios shared by the Unbound and BIND tests. A subclass provides start_resolver(**kw),
    returning a started labkit resolver whose example.test recursion goes to self.auth, and
    refuse_settings (the restart() changes that make it answer REFUSED)."""

    refuse_settings = {"refuse": True}

    def start_auth(self):
        from labkit.resolvers import Bind
        self.auth = self.own(Bind(self.workdir, role="authoritative"))
        self.auth.start()
        return self.auth

    # --- running the probe ---
    def probe(self, resolver, *args, json_output=True, timeout_ms=DEADLINE_MS, expect_exit=None):
        argv = [sidecar_bin(), "probe", where(resolver), *args, "--timeout-ms", str(timeout_ms)]
        if json_output:
            argv.append("--json")
        out = run(argv, timeout=30)
        context = f"{' '.join(argv)}\nexit {out.returncode}\nstdout:\n{out.stdout}\nstderr:\n{out.stderr}"
        if expect_exit is not None:
            self.assertEqual(out.returncode, expect_exit, context)
        if not json_output:
            return out, context
        objects = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        self.assertTrue(objects and objects[-1].get("summary"), context)
        return objects[:-1], objects[-1], context

    def assert_reason(self, resolver, reason, *args, exit_code=None, transport="udp", **kw):
        if exit_code is None:
            exit_code = 0 if reason == "ok" else 2
        if transport == "tcp":
            args = (*args, "--tcp")
        attempts, summary, context = self.probe(resolver, *args, expect_exit=exit_code, **kw)
        self.assertEqual([a["reason"] for a in attempts], [reason] * len(attempts), context)
        self.assertTrue(attempts, context)
        for a in attempts:
            self.assertEqual(a["transport"], transport, context)
            self.assertEqual(a["server"], resolver.addr, context)
            self.assertEqual(a["port"], resolver.port, context)
            self.assertEqual(a["ok"], reason == "ok", context)
        self.assertEqual(summary["sent"], len(attempts), context)
        return attempts, summary, context

    # --- the failure scenarios ---
    def test_healthy(self):
        r = self.start_resolver()
        for transport in ("udp", "tcp"):
            attempts, summary, ctx = self.assert_reason(
                r, "ok", "probe.health.test", "--expect-answer", "192.0.2.1", "--count", "3",
                "--interval-ms", "10", transport=transport)
            self.assertEqual(len(attempts), 3, ctx)
            self.assertEqual(attempts[0]["rcode"], "NOERROR", ctx)
            self.assertEqual(attempts[0]["answers"], ["192.0.2.1"], ctx)
            self.assertEqual(attempts[0]["qtype"], "A", ctx)
            self.assertEqual(summary["ok"], 3, ctx)
            self.assertEqual(summary["loss_pct"], 0, ctx)
            self.assertLessEqual(summary["rtt_ms"]["min"], summary["rtt_ms"]["median"], ctx)
        self.assert_reason(r, "ok", "txt.health.test", "TXT", "--expect-answer", "healthy")

    def test_killed_is_connection_refused(self):
        r = self.start_resolver()
        self.assert_reason(r, "ok", "probe.health.test")
        r.kill()
        for transport in ("udp", "tcp"):
            attempts, _, ctx = self.assert_reason(r, "connection_refused", "probe.health.test",
                                                  transport=transport)
            self.assertIsNone(attempts[0]["rcode"], ctx)
            self.assertLess(attempts[0]["rtt_ms"], DEADLINE_MS, ctx)  # not a timeout in disguise
        out, ctx = self.probe(r, "probe.health.test", json_output=False, expect_exit=2)
        self.assertIn(f"nothing listens on {r.addr}:{r.port}", out.stdout, ctx)

    def test_stopped_is_timeout_within_the_deadline(self):
        r = self.start_resolver()
        r.sigstop()
        try:
            for transport in ("udp", "tcp"):
                attempts, _, ctx = self.assert_reason(r, "timeout", "probe.health.test",
                                                      transport=transport)
                rtt = attempts[0]["rtt_ms"]
                self.assertGreaterEqual(rtt, DEADLINE_MS - 1, ctx)
                self.assertLessEqual(rtt, DEADLINE_MS + SLACK_MS, ctx)
        finally:
            r.sigcont()
        self.assert_reason(r, "ok", "probe.health.test")

    def test_recursion_broken_is_servfail(self):
        self.start_auth()
        r = self.start_resolver(with_upstream=True)
        self.assert_reason(r, "ok", "www.example.test", "--expect-answer", "192.0.2.80",
                           timeout_ms=3000)
        self.auth.kill()
        for transport in ("udp", "tcp"):
            fresh = f"n{uuid.uuid4().hex[:12]}.example.test"  # no cache holds it
            attempts, _, ctx = self.assert_reason(r, "servfail", fresh, transport=transport,
                                                  timeout_ms=5000)
            self.assertEqual(attempts[0]["rcode"], "SERVFAIL", ctx)
        # The resolver itself still answers its local zone: the page is "upstream", not "down".
        self.assert_reason(r, "ok", "probe.health.test")

    def test_refusing_is_refused(self):
        r = self.start_resolver()
        self.assertTrue(r.restart(**self.refuse_settings), r.log()[-2000:])
        for transport in ("udp", "tcp"):
            attempts, _, ctx = self.assert_reason(r, "refused", "probe.health.test",
                                                  transport=transport)
            self.assertEqual(attempts[0]["rcode"], "REFUSED", ctx)

    def test_nxdomain(self):
        r = self.start_resolver()
        attempts, _, ctx = self.assert_reason(r, "nxdomain", "missing.health.test")
        self.assertEqual(attempts[0]["rcode"], "NXDOMAIN", ctx)
        # Expecting NXDOMAIN turns it into a pass, and an answer into a failure.
        self.assert_reason(r, "ok", "missing.health.test", "--expect-rcode", "NXDOMAIN",
                           transport="tcp")
        self.assert_reason(r, "wrong_answer", "probe.health.test", "--expect-rcode", "NXDOMAIN")

    def test_wrong_answer(self):
        r = self.start_resolver()
        attempts, _, ctx = self.assert_reason(r, "wrong_answer", "probe.health.test",
                                              "--expect-answer", "192.0.2.99")
        self.assertEqual(attempts[0]["answers"], ["192.0.2.1"], ctx)
        self.assertIn("192.0.2.99", attempts[0]["detail"], ctx)
        self.assert_reason(r, "wrong_answer", "probe.health.test", "--expect-answer", "192.0.2.1",
                           "--expect-answer", "192.0.2.2", transport="tcp")

    def test_nodata(self):
        r = self.start_resolver()
        for transport in ("udp", "tcp"):
            attempts, _, ctx = self.assert_reason(r, "nodata", "probe.health.test", "AAAA",
                                                  transport=transport)
            self.assertEqual(attempts[0]["rcode"], "NOERROR", ctx)
            self.assertEqual(attempts[0]["answers"], [], ctx)

    def test_ipv6_loopback(self):
        r = self.start_resolver(addr="::1")
        for transport in ("udp", "tcp"):
            self.assert_reason(r, "ok", "probe.health.test", "--expect-answer", "192.0.2.1",
                               transport=transport)
        r.kill()
        out, ctx = self.probe(r, "probe.health.test", json_output=False, expect_exit=2)
        self.assertIn("connection_refused", out.stdout, ctx)
        self.assertIn(f"nothing listens on [::1]:{r.port}", out.stdout, ctx)

    def test_some_attempts_failing_exits_1(self):
        # Two names in one run are not possible, so mix by stopping the resolver mid-run: the
        # first attempts answer, the last ones time out.
        r = self.start_resolver()
        import subprocess
        argv = [sidecar_bin(), "probe", where(r), "probe.health.test", "--count", "40",
                "--interval-ms", "25", "--timeout-ms", "100", "--json"]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        try:
            first = proc.stdout.readline()
            self.assertEqual(json.loads(first)["reason"], "ok", first)
            r.sigstop()
            rest, _ = proc.communicate(timeout=30)
        finally:
            r.sigcont()
            if proc.poll() is None:
                proc.kill()
        objects = [json.loads(line) for line in (first + rest).splitlines()]
        reasons = {o["reason"] for o in objects[:-1]}
        self.assertEqual(reasons, {"ok", "timeout"}, objects)
        self.assertEqual(proc.returncode, 1, objects[-1])
        self.assertEqual(objects[-1]["exit_code"], 1)

    def test_usage_error_exits_3(self):
        for args in (["probe", "--tcp"], ["probe", "@nowhere", "x"], ["probe", "@127.0.0.1", "x", "--count"]):
            out = run([sidecar_bin(), *args], timeout=10)
            self.assertEqual(out.returncode, 3, out)
            self.assertEqual(out.stdout, "", out)
            self.assertIn("probe", out.stderr, out)


class ProbeUnbound(ProbeCases, e2e.TestCase):

    def start_resolver(self, with_upstream=False, **kw):
        from labkit.resolvers import Unbound
        stub = self.auth.port if with_upstream else None
        r = self.own(Unbound(self.workdir, stub_port=stub, **kw))
        r.start()
        return r


if __name__ == "__main__":
    e2e.main()
