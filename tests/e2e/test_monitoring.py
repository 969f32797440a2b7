"""The monitoring path an operator runs, end to end, with the real programs. Three nodes
(as in test_outage_2024: node 2 runs BIND), each sidecar's metrics_file served by its own real
node_exporter (textfile collector only) on loopback, one real Prometheus scraping the three every
second and evaluating deploy/examples/prometheus-alerts.yml unchanged.

Shown: with all well, no alert is pending or firing; after node 2's BIND "upgrade" with
`dnssec-enable yes;` (named refuses to start) AnycastResolverDown fires for node 2 only, with
reason="connection_refused"; after the fix it resolves. Each daemon has its own port and data
folder under the test's work folder and is stopped by pid at the end, pass or fail."""
import json
import time
import urllib.parse
import urllib.request

import e2e
from e2e import wait_until
from labkit.common import Proc, free_port, which

RULES = e2e.common.REPO / "deploy/examples/prometheus-alerts.yml"
FOR_S = 15  # AnycastResolverDown's `for:` in the rules


class Monitoring(e2e.ThreeNodeTestCase):

    def start_monitoring(self):
        targets = []
        for i, node in enumerate(self.nodes, start=1):
            port = free_port()
            self.own(Proc(f"node-exporter-{i}", [
                which("prometheus-node-exporter"), f"--web.listen-address=127.0.0.1:{port}",
                "--collector.disable-defaults", "--collector.textfile",
                f"--collector.textfile.directory={node['dir']}"], node["dir"]).start())
            targets.append((f"node{i}", f"127.0.0.1:{port}"))
        self.prom_port = free_port()
        config = self.workdir / "prometheus.yml"
        # JSON is YAML: no YAML writer needed.
        config.write_text(json.dumps({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [{
                "job_name": "node",
                "static_configs": [{"targets": [t], "labels": {"node": n}} for n, t in targets],
            }],
        }, indent=2))
        check = e2e.run([which("promtool"), "check", "config", str(config)])
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.prometheus = self.own(Proc("prometheus", [
            which("prometheus"), f"--config.file={config}",
            f"--storage.tsdb.path={self.workdir / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{self.prom_port}", "--log.level=warn"],
            self.workdir).start())
        wait_until(lambda: self.get("/-/ready", raw=True), 30, "Prometheus ready")

    def get(self, path, raw=False, **params):
        url = f"http://127.0.0.1:{self.prom_port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=5) as reply:
            body = reply.read()
        return body if raw else json.loads(body)["data"]

    def query(self, expr):
        return self.get("/api/v1/query", query=expr)["result"]

    def alerts(self, name=None):
        return [a for a in self.get("/api/v1/alerts")["alerts"]
                if name is None or a["labels"]["alertname"] == name]

    def test_resolver_down_alert_after_bind_upgrade(self):
        self.start_nodes(resolvers=("unbound", "bind", "unbound"), service_extra={"hold_down_ms": 0})
        self.wait_peers(self.ADDRS, 30)
        self.start_monitoring()

        # All well: Prometheus sees the three nodes up and announcing, and no alert is even pending
        # for 5 s in a row (5 evaluations); a pending alert left over from startup must clear.
        wait_until(lambda: [r["value"][1] for r in self.query(
            "sum(anycast_sidecar_route_announced) and sum(anycast_sidecar_service_up)")] == ["3"],
            30, "three nodes up and announced in Prometheus")
        quiet_since = [time.monotonic()]

        def quiet_for_5s():
            if self.alerts():
                quiet_since[0] = time.monotonic()
            return time.monotonic() - quiet_since[0] >= 5
        wait_until(quiet_for_5s, 60, "no alert pending or firing for 5 s with all well")

        t0 = time.monotonic()
        self.nodes[1]["resolver"].restart(dnssec_enable=True)  # named refuses the option
        self.assertFalse(self.nodes[1]["resolver"].running(), "named should refuse dnssec-enable")

        def firing():
            return [a for a in self.alerts("AnycastResolverDown") if a["state"] == "firing"]
        fired = wait_until(firing, FOR_S + 25, "AnycastResolverDown firing")
        print(f"AnycastResolverDown firing {time.monotonic() - t0:.1f} s after the failed restart "
              f"(for: {FOR_S} s)")
        self.assertEqual(len(fired), 1, fired)
        labels = fired[0]["labels"]
        self.assertEqual(labels["node"], "node2", labels)
        self.assertEqual(labels["reason"], "connection_refused", labels)
        self.assertEqual(labels["service"], "resolver", labels)
        self.assertEqual(labels["severity"], "critical", labels)
        self.assertIn("connection_refused", fired[0]["annotations"]["summary"])
        # The real file of a node down, as the daemon wrote it, passes Prometheus' own lint too.
        real = (self.nodes[1]["dir"] / "metrics.prom").read_text()
        self.assertIn('reason="connection_refused"', real)
        lint = e2e.run([which("promtool"), "check", "metrics"], input=real)
        self.assertEqual((lint.returncode, lint.stdout + lint.stderr), (0, ""))
        # node 2 withdrew: the healthy-not-announced alert (the 2021 outage) stays silent
        self.assertEqual(self.alerts("AnycastResolverHealthyNotAnnounced"), [])

        t1 = time.monotonic()
        self.nodes[1]["resolver"].restart(dnssec_enable=False)  # the fix
        wait_until(lambda: not self.alerts("AnycastResolverDown"), 30,
                   "AnycastResolverDown resolved after the fix")
        print(f"resolved {time.monotonic() - t1:.1f} s after the fix")
        self.wait_peers(self.ADDRS, 10, "node 2's path back")


if __name__ == "__main__":
    e2e.main()
