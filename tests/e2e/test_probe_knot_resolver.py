"""`anycast-sidecar probe` with Knot Resolver 5.6 (Debian 12 `knot-resolver`, kresd) as the
resolver: test_probe_unbound.py's scenarios (every probe reason from the real program, killed,
hung, IPv6), a restart on a config.lua kresd refuses, and the hints of `probe --resolver
knot-resolver`.

What differs: kresd serves the health names from policy.ANSWER rules (no zone file in 5.x), and
Knot Resolver 5 has no configuration checker: kresd exits at start with the Lua error in its log,
which the hint says how to see.
"""
import e2e
import probe_matrix


class ProbeKnotResolver(probe_matrix.MatrixCases, e2e.TestCase):
    resolver_flag = "knot-resolver"
    checker = "kresd -n -c"
    status_tool = "kresc"

    def start_resolver(self, with_upstream=False, **kw):
        from labkit.resolvers_matrix import Kresd
        upstream = self.auth.port if with_upstream else None
        r = self.own(Kresd(self.workdir, upstream_port=upstream, **kw))
        r.start()
        return r

    def test_the_example_configuration(self):
        from labkit.common import REPO
        r = self.start_resolver()
        r.extra = (REPO / "deploy/examples/knot-resolver-health.conf").read_text()
        self.assertTrue(r.restart(), r.log()[-2000:])
        self.assert_example_serves_the_health_zone(r)

    def test_config_error_is_in_its_log(self):
        r = self.start_resolver()
        self.assertFalse(r.restart(broken=True))
        self.assertIn("no_such_module", r.log())


if __name__ == "__main__":
    e2e.main(requires={"kresd": "knot-resolver"})
