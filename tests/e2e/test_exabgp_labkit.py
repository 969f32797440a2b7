"""labkit's BGP side against the real programs: several ExaBGP nodes peering with one GoBGP
router, routes with attributes read back from the router, the child's stderr found where the
docstring of labkit.bgp.ExaBGP says it goes, and process arguments that need quoting in
exabgp.conf. The child is a tiny shell script (a stand-in), not the sidecar."""
import os
import stat

import e2e
from e2e import wait_until

ADDRS = ("127.0.0.11", "127.0.0.12", "127.0.0.13")

CHILD = """#!/bin/sh
echo "stand-in child $1 on stderr" >&2
echo "announce route 192.0.2.53/32 next-hop 192.0.2.254 med $1 community [65000:53] \
large-community [65000:1:2] as-path [64999]"
echo "announce route 2001:db8::53/128 next-hop 2001:db8::254"
while read -r line; do :; done
"""


class ExaBGPLabkit(e2e.TestCase):

    def child(self, folder_name="tools"):
        folder = self.workdir / folder_name
        folder.mkdir(exist_ok=True)
        os.chmod(folder, 0o755)
        path = folder / "child.sh"
        path.write_text(CHILD)
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    def test_three_nodes_one_router(self):
        from labkit.bgp import ExaBGP, GoBGP
        router = self.own(GoBGP(self.workdir, peers=[(a, 65001) for a in ADDRS]))
        router.start()
        child = self.child()
        nodes = []
        for i, addr in enumerate(ADDRS, start=1):
            wd = self.workdir / f"node{i}"
            wd.mkdir()
            nodes.append(self.own(ExaBGP(wd, local_addr=addr, router=router,
                                         run=[str(child), str(10 * i)])))
            nodes[-1].start()
        self.assertEqual(router.neighbor_states(), {a: "established" for a in ADDRS})
        wait_until(lambda: len(router.paths("192.0.2.53/32")) == 3, 10, "three IPv4 paths")
        by_peer = {p["peer"]: p for p in router.paths("192.0.2.53/32")}
        self.assertEqual(set(by_peer), set(ADDRS))
        self.assertEqual(by_peer["127.0.0.12"]["med"], 20)
        self.assertEqual(by_peer["127.0.0.12"]["next_hop"], "192.0.2.254")
        self.assertEqual(by_peer["127.0.0.12"]["communities"], ["65000:53"])
        self.assertEqual(by_peer["127.0.0.12"]["large_communities"], ["65000:1:2"])
        self.assertEqual(by_peer["127.0.0.12"]["as_path"], [64999])  # ExaBGP sends it verbatim
        wait_until(lambda: len(router.paths("2001:db8::53/128")) == 3, 10, "three IPv6 paths")
        self.assertEqual(router.paths("2001:db8::53/128")[0]["next_hop"], "2001:db8::254")
        self.assertIn("stand-in child 20 on stderr", nodes[1].child_stderr())
        self.assertNotIn("| reactor", nodes[1].child_stderr())

        # A frozen ExaBGP loses its session at the hold time; the other nodes keep theirs.
        nodes[0].sigstop()
        wait_until(lambda: router.neighbor_state(ADDRS[0]) != "established", 20,
                   "the router to drop the frozen node")
        self.assertEqual({p["peer"] for p in router.paths("192.0.2.53/32")}, set(ADDRS[1:]))
        nodes[0].sigcont()
        nodes[0].wait_established(30)

        # stop() ends ExaBGP and its child (which ExaBGP put in a process group of its own).
        children = nodes[2].children()
        self.assertEqual(len(children), 1)
        nodes[2].stop()
        for pid in children:
            with self.assertRaises(ProcessLookupError):
                os.kill(pid, 0)

    def test_process_argument_with_spaces_is_quoted(self):
        from labkit.bgp import ExaBGP, GoBGP
        router = self.own(GoBGP(self.workdir, peers=[("127.0.0.1", 65001)]))
        router.start()
        child = self.child("folder with spaces")
        exabgp = self.own(ExaBGP(self.workdir, router=router, run=[str(child), "7"]))
        self.assertIn(f'run "{child}" 7;', exabgp.config_text())
        exabgp.start()
        wait_until(lambda: router.paths("192.0.2.53/32"), 10, "the route of the quoted child")
        self.assertEqual(router.paths("192.0.2.53/32")[0]["med"], 7)

    def test_unquotable_arguments_are_rejected(self):
        from labkit.bgp import ExaBGP, GoBGP
        router = GoBGP(self.workdir, peers=[("127.0.0.1", 65001)])
        for bad in ('say "hi"', "it's", "a\\b", "two\nlines", ""):
            with self.assertRaises(ValueError, msg=repr(bad)):
                ExaBGP(self.workdir, router=router, run=["/bin/true", bad]).config_text()
        with self.assertRaises(ValueError):
            ExaBGP(self.workdir, local_addr="127.0.0.9", router=router, run=["/bin/true"]).start()

    def test_parse_rib_of_captured_gobgp_output(self):
        from labkit.bgp import parse_rib
        text = ('{"192.0.2.53/32":[{"nlri":{"prefix":"192.0.2.53/32"},"best":true,"attrs":['
                '{"type":1,"value":0},{"type":2,"as_paths":[{"segment_type":2,"num":2,'
                '"asns":[65001,64999]}]},{"type":3,"nexthop":"192.0.2.254"},{"type":4,'
                '"metric":100},{"type":5,"value":200},{"type":8,"communities":[4259840053]},'
                '{"type":32,"value":[{"ASN":65000,"LocalData1":1,"LocalData2":2}]}],'
                '"neighbor-ip":"127.0.0.21"}]}')
        self.assertEqual(parse_rib(text), [{
            "prefix": "192.0.2.53/32", "next_hop": "192.0.2.254", "med": 100, "local_pref": 200,
            "communities": ["65000:53"], "large_communities": ["65000:1:2"],
            "as_path": [65001, 64999], "peer": "127.0.0.21", "best": True}])
        self.assertEqual(parse_rib("{}"), [])
        self.assertEqual(parse_rib(""), [])


if __name__ == "__main__":
    e2e.main()
