"""The lab, scripted. `./deploy/lab up`, `status` showing the fleet (every node in service, from
a real 3-member etcd), every `break` and `fix` (the lab itself polls until the router's paths
match the healthy nodes and the broken node's status names the expected reason, and exits
non-zero otherwise), the router's paths checked here after each, `status` showing a broken node
out of service in the fleet, `replay 2024` (the BIND node's upgrade through the apt hook fails
verification and keeps the slot, node 1's is refused with 75, then node 2 returns), then `down`:
no process left behind (etcd's members included), no file written outside the lab folder."""
import os
import re
import subprocess
import sys
from pathlib import Path

import e2e
from labkit.bgp import parse_rib

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "deploy" / "lab"
ADDRS = {1: "127.0.0.11", 2: "127.0.0.12", 3: "127.0.0.13"}
# fault -> node it is applied to
FAULTS = [("resolver-killed", 1), ("resolver-hung", 3), ("resolver-refusing", 1),
          ("bind-upgrade", 2), ("exabgp-frozen", 3), ("recursion-broken", 1)]
# Faults a degrade check sees: the node stays at the router (degraded MED), see deploy/lab.
DEGRADING = {"recursion-broken"}


def processes_mentioning(text):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append((int(pid), cmd))
    return found


class Lab(e2e.TestCase):

    def lab(self, *args, timeout=300, check=True):
        env = dict(os.environ, ACS_LAB_DIR=str(self.lab_dir))
        r = subprocess.run([sys.executable, str(LAB), *args], capture_output=True, text=True,
                           timeout=timeout, env=env)
        print(f"$ deploy/lab {' '.join(args)} -> {r.returncode}")
        if check:
            self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        return r.stdout

    def router_peers(self):
        import json
        state = json.loads((self.lab_dir / "lab.json").read_text())
        api = state["router"]["api_port"] if "router" in state else None
        out = subprocess.run(["gobgp", "-p", str(api), "global", "rib", "-a", "ipv4", "-j"],
                             capture_output=True, text=True, timeout=10).stdout
        return {p["peer"] for p in parse_rib(out) if p["prefix"] == "192.0.2.53/32"}

    @staticmethod
    def untracked():
        """Files in the repository that git neither tracks nor ignores (build/ is ignored)."""
        out = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                              "--untracked-files=all"], capture_output=True, text=True).stdout
        return {line for line in out.splitlines() if line.startswith("??")}

    def test_up_break_fix_down(self):
        self.lab_dir = self.workdir / "lab"
        repo_status = self.untracked()
        try:
            self.lab("up", "--no-build", "--loopback")  # the GoBGP lab; the data plane has its own tests
            self.assertEqual(self.router_peers(), set(ADDRS.values()))
            out = self.lab("status")
            self.assertIn("the fleet as node1 sees it", out)
            self.assertRegex(out, r"OK: fleet \S+: 3 nodes, all in service")
            for k in ADDRS:
                self.assertRegex(out, rf"node{k} +in_service +resolver up")
            for fault, node in FAULTS:
                self.lab("break", fault, str(node))
                gone = set() if fault in DEGRADING else {ADDRS[node]}
                self.assertEqual(self.router_peers(), set(ADDRS.values()) - gone,
                                 f"after break {fault} {node}")
                self.lab("fix", fault, str(node))
                self.assertEqual(self.router_peers(), set(ADDRS.values()), f"after fix {fault}")
                if fault == "resolver-killed":  # a withdrawn node is out in the fleet's eyes
                    self.lab("break", fault, str(node))
                    e2e.wait_until(lambda: re.search(r"node1 +withdrawn",
                                                     self.lab("status", check=False)), 10,
                                   "`lab status` shows node 1 withdrawn in the fleet")
                    self.lab("fix", fault, str(node))
            self.lab("break", "router-killed")
            self.lab("fix", "router-killed")
            self.assertEqual(self.router_peers(), set(ADDRS.values()))
            out = self.lab("replay", "2024")
            self.assertIn("exit 75", out)
            self.assertIn("replay: every step as the fleet promises", out)
            self.assertEqual(self.router_peers(), set(ADDRS.values()))
        finally:
            self.lab("down")
        self.assertEqual(processes_mentioning(str(self.lab_dir)), [], "processes left behind")
        self.assertEqual(self.untracked() - repo_status, set(),
                         "the lab wrote files into the repository")


if __name__ == "__main__":
    e2e.main()
