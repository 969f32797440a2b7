"""Two nodes ask for the fleet's last slot at the same moment, 100 times, against a real 3-member
etcd: exactly one wins (exit 0), the other is refused (exit 75), and the budget record then holds
exactly one slot. The decision compares the budget key's mod_revision in one txn, so the second
writer's txn fails and its retry sees the winner's slot.

Negative control: with max_unavailable 2 both win every time (the test can see two winners).
"""
import json
import subprocess
import time

import e2e
from e2e import sidecar_bin

from labkit import sidecar as sc
from labkit.etcd import EtcdCluster

ROUNDS = 100


class FleetRace(e2e.TestCase):
    def configs(self, max_unavailable):
        out = []
        for name in ("node-a", "node-b"):
            wd = self.workdir / f"{name}-{max_unavailable}"
            wd.mkdir()
            svc = sc.service(checks=[sc.dns_check(9)])
            fleet = {"endpoints": self.etcd.endpoints, "prefix": f"/acs-race/{max_unavailable}",
                     "node": name, "max_unavailable": max_unavailable}
            out.append(sc.write_config(wd, [svc], fleet=fleet))
        return out

    def race(self, configs):
        procs = [subprocess.Popen([sidecar_bin(), "maintenance", "on", "--reason", "race",
                                   "--config", str(c)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for c in configs]
        results = [(p.wait(timeout=30), p.stdout.read(), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        return results

    def slots(self, prefix):
        raw = self.etcd.get(prefix + "/budget")
        return json.loads(raw)["slots"] if raw else []

    def release_all(self, configs):
        for c in configs:
            r = e2e.run([sidecar_bin(), "maintenance", "off", "--config", str(c)])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_exactly_one_wins(self):
        (self.workdir / "etcd").mkdir()
        self.etcd = self.own(EtcdCluster(self.workdir / "etcd", 3)).start()
        configs = self.configs(1)
        t0 = time.monotonic()
        for i in range(ROUNDS):
            results = self.race(configs)
            codes = sorted(r[0] for r in results)
            self.assertEqual(codes, [0, 75], f"round {i}: {results}")
            slots = self.slots("/acs-race/1")
            self.assertEqual(len(slots), 1, f"round {i}: {slots}")
            winner = ["node-a", "node-b"][[r[0] for r in results].index(0)]
            self.assertEqual(slots[0]["node"], winner)
            self.release_all(configs)
            self.assertEqual(self.slots("/acs-race/1"), [])
        print(f"{ROUNDS} races: exactly one winner each time ({time.monotonic() - t0:.1f} s)")

        # Negative control: a budget of two lets both in, every time.
        configs = self.configs(2)
        for i in range(10):
            results = self.race(configs)
            self.assertEqual([r[0] for r in results], [0, 0], f"round {i}: {results}")
            self.assertEqual(len(self.slots("/acs-race/2")), 2)
            self.release_all(configs)
        print("negative control: max_unavailable 2, both won 10 of 10 rounds")


if __name__ == "__main__":
    e2e.main()
