"""`anycast-sidecar probe` with dnsdist 1.7 (Debian 12 `dnsdist`) in front of a real Unbound:
test_probe_unbound.py's scenarios against dnsdist's address (every probe reason through the real
program, dnsdist killed and hung, IPv6), a restart on a configuration dnsdist refuses, the hints
of `probe --resolver dnsdist`, and what dnsdist changes: a dead resolver behind it is not
connection_refused but SERVFAIL (setServFailWhenNoServer) once dnsdist has marked it down, so a
node's checks should query the backend directly too (deploy/examples/sidecar-dnsdist.json).
"""
import e2e
import probe_matrix
from e2e import wait_until


class ProbeDnsdist(probe_matrix.MatrixCases, e2e.TestCase):
    resolver_flag = "dnsdist"
    checker = "dnsdist --check-config"
    status_tool = "showServers()"

    def start_resolver(self, with_upstream=False, **kw):
        from labkit.resolvers import Unbound
        from labkit.resolvers_matrix import Dnsdist
        stub = self.auth.port if with_upstream else None
        self.backend = self.own(Unbound(self.workdir, stub_port=stub))
        self.backend.start()
        r = self.own(Dnsdist(self.workdir, backend=self.backend, **kw))
        r.start()
        return r

    def test_dead_backend_is_servfail_at_dnsdist(self):
        r = self.start_resolver()
        self.assert_reason(r, "ok", "probe.health.test")
        self.backend.kill()
        self.assert_reason(self.backend, "connection_refused", "probe.health.test")

        def servfail():
            _, summary, _ = self.probe(r, "probe.health.test")
            return summary["failures"].get("servfail")
        # dnsdist marks the backend down after 2 failed checks, 1 s apart.
        wait_until(servfail, 10, "dnsdist answering SERVFAIL for its dead backend")
        text, ctx = self.hint_text(r)
        self.assertIn("showServers()", text, ctx)

    def test_the_example_configuration_checks(self):
        from labkit.common import REPO
        out = e2e.run(["dnsdist", "--check-config", "-C",
                       str(REPO / "deploy/examples/dnsdist-health.conf")], timeout=30)
        self.assertEqual(out.returncode, 0, out)

    def test_control_tool_shows_the_backend(self):
        r = self.start_resolver()
        out = e2e.run(r.control_argv(), timeout=10)
        self.assertEqual(out.returncode, 0, out)
        self.assertIn("backend", out.stdout, out)


if __name__ == "__main__":
    e2e.main(requires={"dnsdist": "dnsdist", "unbound": "unbound"})
