"""The fleet over a locked-down etcd, as a production fleet runs it (one real etcd 3.4 member):

- TLS with client certificates (etcd --client-cert-auth): the node joins, publishes its presence
  and takes and gives back a maintenance slot over https with fleet.ca_file/cert_file/key_file.
- etcd's role-based access (auth enabled, a user that may read and write the fleet's prefix only,
  its password in fleet.password_file): the same, and after etcd restarts (which forgets every
  token) the daemon logs in again by itself and its presence comes back.
Negative controls, each a `fleet` command whose configuration lacks one piece: no client
certificate, a CA that did not sign etcd's certificate, http:// on the TLS port, a wrong password,
a prefix the user may not touch. Each is refused by etcd (exit 2, the fleet unreachable) with
advice naming the configuration key to fix.
"""
import json
import os

import e2e
from e2e import run, sidecar_bin, wait_until

from labkit import sidecar as sc
from labkit.etcd import EtcdCluster, Tls

LEASE_TTL_S = 3
PREFIX = "/acs-test/tls-auth"


class FleetTlsAuth(e2e.NodeTestCase):

    def start_fleet_node(self, fleet):
        block = {"prefix": PREFIX, "node": "node1", "lease_ttl_s": LEASE_TTL_S,
                 "request_timeout_ms": 1000, "max_unavailable": 1}
        block.update(fleet)
        self.fleet_block = block
        self.start_resolver()
        services = [sc.service(checks=[sc.dns_check(self.resolver.port)],
                               routes=[sc.route(self.PREFIX)])]
        self.start_node(services=services, fleet=block)
        self.wait_route(True, 30)
        wait_until(lambda: ((self.status() or {}).get("fleet") or {}).get("state") == "ok", 15,
                   "the status file names the fleet ok")

    def fleet_cli(self, *args, config=None):
        return run([sidecar_bin(), "fleet", *args, "--config", str(config or self.config)],
                   timeout=30)

    def node1(self):
        r = self.fleet_cli("--json")
        doc = json.loads(r.stdout) if r.stdout.strip() else {}
        for n in (doc.get("fleet") or {}).get("nodes", []):
            if n.get("node") == "node1":
                return r.returncode, n
        return r.returncode, None

    def slot_round_trip(self):
        # The presence follows the route by one publish (slower under ASan): polled.
        seen = []

        def in_service():
            seen[:] = [self.node1()]
            return seen[0][0] == 0 and (seen[0][1] or {}).get("status") == "in_service"
        try:
            wait_until(in_service, 15, "`fleet` showing node1 in service")
        except TimeoutError:
            self.fail(f"`fleet` exit and node1's entry: {seen}")
        r = sc.maintenance_cmd(self.config, "on", "--reason", "kernel upgrade", timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIsNotNone(self.node1()[1].get("slot"))
        r = sc.maintenance_cmd(self.config, "off", timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIsNone(self.node1()[1].get("slot"))
        wait_until(lambda: self.paths(), 15, "the route back after maintenance off")

    def refused_with(self, name, fleet_changes, advice):
        """A copy of the node's configuration with fleet_changes (None removes a key): `fleet`
        exits 2 (unreachable) and its advice names what to fix."""
        block = dict(self.fleet_block)
        for key, value in fleet_changes.items():
            if value is None:
                block.pop(key, None)
            else:
                block[key] = value
        cfg = json.loads(self.config.read_text())
        cfg["fleet"] = block
        path = self.workdir / f"{name}.json"
        path.write_text(json.dumps(cfg))
        r = self.fleet_cli(config=path)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 2, f"{name}: {out}")
        self.assertIn("unreachable", out, name)
        self.assertIn(advice, out, f"{name}: {out}")
        print(f"{name}: {out.splitlines()[0][:240]}")

    def test_tls_client_certificates(self):
        tls = Tls(self.workdir / "tls", clients=("node1",))
        etcd = self.own(EtcdCluster(self.workdir / "etcd", 1, tls=tls))
        (self.workdir / "etcd").mkdir(exist_ok=True)
        etcd.start()
        cert, key = tls.client("node1")
        self.start_fleet_node({"endpoints": etcd.endpoints, "ca_file": str(tls.ca),
                               "cert_file": str(cert), "key_file": str(key)})
        self.assertTrue(etcd.endpoints[0].startswith("https://"))
        self.slot_round_trip()
        self.assertTrue(any(k.startswith(PREFIX) for k in etcd.get_prefix(PREFIX)))

        self.refused_with("no-client-cert", {"cert_file": None, "key_file": None},
                          "fleet.cert_file and fleet.key_file")
        self.refused_with("rogue-ca", {"ca_file": str(tls.rogue_ca)}, "fleet.ca_file")
        self.refused_with("plain-http", {
            "endpoints": [etcd.endpoints[0].replace("https://", "http://")], "ca_file": None,
            "cert_file": None, "key_file": None}, "https://")

    def test_user_password(self):
        etcd = self.own(EtcdCluster(self.workdir / "etcd", 1))
        (self.workdir / "etcd").mkdir(exist_ok=True)
        etcd.start()
        etcd.enable_auth("acs-node", "s3cret pass", PREFIX)
        secret = self.workdir / "etcd-password"
        secret.write_text("s3cret pass\n")
        os.chmod(secret, 0o600)
        self.start_fleet_node({"endpoints": etcd.endpoints, "username": "acs-node",
                               "password_file": str(secret)})
        self.slot_round_trip()

        # etcd restarted: every token it gave is gone; the daemon must log in again by itself.
        etcd.kill_member(0)
        wait_until(lambda: ((self.status() or {}).get("fleet") or {}).get("state") ==
                   "unreachable", 10, "the status file names the fleet unreachable")
        etcd.restart_member(0, wait=False)
        wait_until(lambda: ((self.status() or {}).get("fleet") or {}).get("state") == "ok", 20,
                   "the daemon back in the fleet after etcd's restart (a new token)")
        wait_until(lambda: self.node1()[0] == 0, 10, "node1 present again")
        self.assertTrue(self.paths(), "etcd's restart changed no route")

        self.refused_with("wrong-password", {"password_file": None, "password": "guess"},
                          "fleet.username and fleet.password")
        self.refused_with("foreign-prefix", {"prefix": "/someone-else"}, "grant-permission")


if __name__ == "__main__":
    e2e.main()
