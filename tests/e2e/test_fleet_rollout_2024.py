"""The July 2024 rollout replayed on the data plane, under client load, with the fleet on.

A BIND pair (nodes 1 and 2, the 2024 region) behind a BIRD 2 ECMP router, a client namespace
sending queries to the anycast address, a real 3-member etcd in a namespace of its own behind the
router (labkit/dataplane.py, fleet=True), each node's sidecar with a `fleet` block,
max_unavailable 1. The upgrade goes through the real apt hook (deploy/examples/apt-hook, the
commands apt-maintenance.conf runs), run inside the node's namespace as apt would run it there:

- node 1: `apt-hook pre` takes the fleet's slot and drains (maintenance on --wait); the
  "upgrade" restarts named with `dnssec-enable yes;`, which 9.18 refuses (named stays down);
  `apt-hook post` runs `maintenance off --verify`: exit 2, node 1 stays out, holding the slot;
- node 2: `apt-hook pre` is refused (exit 75) naming node 1, so apt would abort before touching
  a package: node 2's named is the same process with the same configuration and still answers;
- the anycast address answers throughout: the client load loses at most NOISE queries (node 1
  left through a drain, not a failure).

Negative control, in the same bring-up (cheap): node 2's hook run with its configuration minus
the fleet block goes through: node 2 drains, its BIND breaks, and the address stops answering
(the router has no path, a client query gets no answer). ACS_NEGATIVE_CONTROL=1 runs the whole
replay with the fleet off (no etcd, no fleet blocks): the refusal assertion then fails.
Skips, saying why, where network namespaces cannot be made."""
import json
import os
import time
import unittest

import e2e
from e2e import sidecar_bin, wait_until
from labkit import dataplane as dpl
from labkit import lab_fleet

SCHEDULE = dict(interval_ms=1000, fast_interval_ms=200, timeout_ms=500, rise=2, fall=3)
NOISE = 3  # stray losses of a shared 2-core machine (test_dataplane_planned.py's bound)
QPS = 500
VERIFY_TIMEOUT_S = 5  # the hook's `maintenance off --verify --timeout` (60 in production)
FLEET = not os.environ.get("ACS_NEGATIVE_CONTROL")
POSSIBLE, WHY = dpl.netns_possible()


@unittest.skipUnless(POSSIBLE, f"data plane needs network namespaces: {WHY}")
class FleetRollout2024(e2e.TestCase):

    def hook(self, dp, n, step, config=None):
        env = lab_fleet.hook_env(n.workdir, sidecar_bin(), config or n.config, VERIFY_TIMEOUT_S)
        t0 = time.monotonic()
        r = dp.node_cmd(n, "sh", str(lab_fleet.HOOK), step, stdin=lab_fleet.BIND_DEBS, env=env,
                        timeout=120)
        print(f"{n.name}: apt-hook {step}: exit {r.returncode} in {time.monotonic() - t0:.1f} s"
              f"\n    " + "\n    ".join((r.stdout + r.stderr).strip().splitlines()), flush=True)
        return r

    def fleet(self, dp, n):
        r = dp.node_cmd(n, sidecar_bin(), "fleet", "--json", "--config", str(n.config))
        try:
            return json.loads(r.stdout)
        except ValueError:
            return {}

    def apt_upgrade(self, dp, n, config=None):
        """What apt does around the BIND upgrade: the pre hook; when it passes, the upgrade
        (named restarted with `dnssec-enable yes;`, which 9.18 refuses: it stays down) and the
        post hook. (pre exit, post exit or None when apt aborted)."""
        r = self.hook(dp, n, "pre", config)
        pre, self.pre_stderr = r.returncode, r.stderr
        if pre != 0:
            return pre, None
        n.resolver.restart(dnssec_enable=True)
        self.assertFalse(n.resolver.proc.running(), "named should refuse dnssec-enable")
        return pre, self.hook(dp, n, "post", config).returncode

    def slot_holders(self, dp, n):
        nodes = (self.fleet(dp, n).get("fleet") or {}).get("nodes", [])
        return [x.get("node") for x in nodes if x.get("slot")]

    def test_second_upgrade_refused_address_answers(self):
        dp = dpl.DataPlane(self.workdir, sidecar_bin=sidecar_bin(), nodes=2,
                           kinds={1: "bind", 2: "bind"}, fleet=FLEET, **SCHEDULE)
        t_up = time.monotonic()
        with dp:
            n1, n2 = dp.nodes
            if FLEET:
                wait_until(lambda: all(fleet_of(n).get("state") == "ok" for n in dp.nodes), 20,
                           "both nodes' status files name the fleet ok")
            print(f"lab up in {time.monotonic() - t_up:.1f} s (fleet {'on' if FLEET else 'off'})",
                  flush=True)
            named2 = n2.resolver.proc.pid
            conf2 = n2.resolver.config_path.read_text()

            p = dp.load(QPS, 120)
            start = dpl.read_load_start(p)
            # Node 1: the unattended upgrade, through the hook.
            pre, post = self.apt_upgrade(dp, n1)
            self.assertEqual((pre, post), (0, 2), "node 1: drained, then verification failed")
            self.assertTrue((n1.workdir / "resolver.maintenance").exists(), "node 1 stays out")
            self.assertEqual(dp.router.fib_nexthops(), {n2.addr})
            if FLEET:
                wait_until(lambda: fleet_of(n1).get("verify"), 5, "node 1's status: the verify")
                verify = fleet_of(n1)["verify"]
                self.assertEqual((verify.get("ok"), verify.get("check"), verify.get("reason")),
                                 (False, "local-zone", "connection_refused"), verify)
                self.assertEqual(self.slot_holders(dp, n2), ["node1"], "node 1 keeps the slot")

            # Node 2: the same upgrade, later; the hook's pre step is refused, apt aborts.
            pre, post = self.apt_upgrade(dp, n2)
            answer = dp.query()
            time.sleep(2.0)  # two more rounds of load with node 2 alone: pacing, not a wait
            t_end = time.monotonic() - start
            _, summary = dpl.end_load(p)
            bad = summary.get("bad_at", [])
            print(f"replay: {len(bad)} of {summary['sent']} queries failed or lost over "
                  f"{t_end:.1f} s at {QPS}/s (bound {NOISE}); answered by "
                  f"{summary.get('nodes')}", flush=True)
            self.assertEqual(pre, 75, "the fleet must refuse the second upgrade")
            self.assertIn("node1", self.pre_stderr, "the refusal names who is out")
            self.assertEqual(answer, 0, "the anycast address answers")
            self.assertEqual(n2.resolver.proc.pid, named2, "node 2's named untouched")
            self.assertTrue(n2.resolver.proc.running())
            self.assertEqual(n2.resolver.config_path.read_text(), conf2)
            self.assertFalse((n2.workdir / "resolver.maintenance").exists())
            self.assertEqual(dp.router.fib_nexthops(), {n2.addr})
            self.assertLessEqual(len(bad), NOISE, bad[:10])

            # Negative control: node 2's hook without the fleet block: the upgrade goes through.
            cfg = json.loads(n2.config.read_text())
            cfg.pop("fleet", None)
            alone = n2.workdir / "nofleet.json"
            alone.write_text(json.dumps(cfg, indent=2))
            self.assertEqual(self.apt_upgrade(dp, n2, alone), (0, 2))
            dp.wait_fib(set(), 10)
            answer = dp.query()
            print(f"negative control (node 2 without the fleet): router next hops "
                  f"{sorted(dp.router.fib_nexthops())}, client query answered: {answer}",
                  flush=True)
            self.assertIsNone(answer, "the address should stop answering")


def fleet_of(n):
    """The `fleet` object of node n's status file ({} while there is none)."""
    try:
        return json.loads((n.workdir / "status.json").read_text()).get("fleet") or {}
    except (OSError, ValueError, AttributeError):
        return {}


if __name__ == "__main__":
    e2e.main()
