"""A node set up from the package and the docs works as the docs say (deploy/docs/install.md).

As root, on the machine itself (CI is a fresh clone run as root):
- builds the .deb (`cpack`, as test_package does), installs it with dpkg, creates the `exabgp`
  user if it is missing, and runs the install script the docs show
  (/usr/libexec/anycast-sidecar/install-node) literally;
- "makes it this node's" (install.md step 4): exabgp.conf points at a real GoBGP router on
  loopback, sidecar.json's check at a real Unbound on a port of its own;
- runs ExaBGP with the unit's own command lines (ExecStartPre=, ExecStart=, Environment=, read
  from the installed anycast-exabgp.service) as the `exabgp` user: there is no systemd in CI;
- every operator command without flags: status, probe (and as exabgp), check-config,
  maintenance show/on/off, reload (accepted, then rejected: `status` warns until fixed);
- a manual drain survives an apt-hook run around a resolver upgrade (the hook neither ends nor
  rewords it); without a drain, the hook drains and undrains by itself;
- `anycast-sidecar restart` (the documented hitless restart) while a watcher reads the router
  every few ms: the route never leaves it; negative control in the same run: SIGTERM to the
  sidecar (what `pkill -f` sent) makes the watcher see the route gone;
- the metrics file is written by exabgp and scraped by node_exporter's textfile collector from
  Debian's folder; taking away its write access shows in `status`
  (WARNING naming the path and errno) and install-node (the runbook's fix) gives it back;
- `dpkg --purge` leaves none of the package's files, and the test removes what the install
  steps made (docs: "Removing it").

Skipped (exit 77, with the reason) when not root, when the package or /etc/anycast-sidecar is
already on the machine (a real install is never touched), or when exabgp/unbound/gobgpd are
missing. About a minute."""
import json
import os
import re
import shlex
import shutil
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path

import e2e
from e2e import run, sidecar_bin, wait_until
from labkit.common import Proc, free_port, which

SIDECAR = "/usr/bin/anycast-sidecar"
ETC = Path("/etc/anycast-sidecar")
STATUS = Path("/run/anycast-sidecar/status.json")
STATE_DIR = Path("/var/lib/anycast-sidecar")
RUN_DIR = Path("/run/anycast-sidecar")
TEXTFILE_DIR = Path("/var/lib/prometheus/node-exporter")
METRICS = TEXTFILE_DIR / "anycast_sidecar.prom"
UNIT = Path("/usr/lib/systemd/system/anycast-exabgp.service")
HEALTH_SNIPPET = Path("/etc/unbound/unbound.conf.d/anycast-health.conf")
APT_MARK = Path("/run/anycast-sidecar-apt-maintenance")
PREFIX = "192.0.2.53/32"
LOCK = ["flock", "/tmp/apt.lock"]


def skip_reason():
    if os.geteuid() != 0:
        return "needs root (dpkg -i, /etc, the exabgp user)"
    if run(["dpkg-query", "-W", "-f=${db:Status-Status}", "anycast-sidecar"]).stdout == "installed":
        return "anycast-sidecar is installed on this machine: not touching it"
    if ETC.exists():
        return f"{ETC} exists: a real node's configuration is never touched"
    for program in ("exabgp", "unbound", "gobgpd", "setpriv", "cpack",
                    "prometheus-node-exporter"):
        if not shutil.which(program) and not Path(f"/usr/sbin/{program}").exists():
            return f"{program} is not installed (deploy/install-deps)"
    return None


def unit_lines(key):
    return [line.split("=", 1)[1] for line in UNIT.read_text().splitlines()
            if line.startswith(key + "=")]


def as_exabgp(argv):
    return ["setpriv", "--reuid=exabgp", "--regid=exabgp", "--init-groups", "--"] + list(argv)


def sidecar(*args, user=None, timeout=60, input=None):
    argv = [SIDECAR, *args]
    return run(as_exabgp(argv) if user == "exabgp" else argv, timeout=timeout, input=input)


def strip_comments(text):
    """The examples' // comments (none inside their strings), so Python's json reads them."""
    return re.sub(r"(^|\s)//[^\n]*", r"\1", text)


class RouteWatcher(threading.Thread):
    """Reads the router's RIB as fast as gobgp answers; counts the reads without the prefix."""

    def __init__(self, router, prefix):
        super().__init__(daemon=True)
        self.router, self.prefix = router, prefix
        self.reads = self.missing = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            present = bool(self.router.paths(self.prefix))
            self.reads += 1
            self.missing += not present

    def stop(self):
        self.done.set()
        self.join(10)


class PackagedNode(e2e.TestCase):

    def setUp(self):
        super().setUp()
        self.made = []           # paths the install steps created, removed at the end
        self.exabgp = None
        self.group_added = False
        self.textfile_state = None

    def build_deb(self):
        build = Path(sidecar_bin()).resolve().parents[1]
        out = self.workdir / "deb"
        r = run([which("cpack"), "-G", "DEB", "--config", str(build / "CPackConfig.cmake"),
                 "-B", str(out)], timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return sorted(out.glob("anycast-sidecar_*.deb"))[0]

    def remember_textfile_dir(self):
        """install-node gives node_exporter's folder the group exabgp and g+w: restore it."""
        if TEXTFILE_DIR.exists():
            st = TEXTFILE_DIR.stat()
            self.textfile_state = (st.st_mode & 0o7777, st.st_gid)

    def restore_textfile_dir(self):
        if self.textfile_state is not None:
            mode, gid = self.textfile_state
            os.chown(TEXTFILE_DIR, -1, gid)
            os.chmod(TEXTFILE_DIR, mode)

    def make_it_this_nodes(self, router, unbound):
        """install.md step 4: the router, AS numbers and addresses; the resolver's check."""
        conf = (ETC / "exabgp.conf").read_text()
        conf = conf.replace("neighbor 192.0.2.1 {", f"neighbor {router.addr} {{")
        conf = conf.replace("192.0.2.10", "127.0.0.1")
        conf = conf.replace("hold-time 30;", f"hold-time 30;\n    connect {router.port};")
        (ETC / "exabgp.conf").write_text(conf)
        config = json.loads(strip_comments((ETC / "sidecar.json").read_text()))
        service = config["services"][0]
        # This node's resolver: the lab's Unbound on its own port, answering the lab's health
        # name; the recursion and control checks need an Internet and the system's Unbound.
        service["checks"] = [{"name": "local-zone", "server": "127.0.0.1", "port": unbound.port,
                              "qname": "probe.health.test.", "qtype": "A",
                              "expect": {"rcode": "NOERROR", "answers": ["192.0.2.1"]}}]
        # This node's address as the next hop: "self" would be 127.0.0.1 here, and GoBGP drops
        # routes with a 127/8 next hop.
        from labkit.sidecar import TEST_NEXT_HOP
        service["routes"][0]["next_hop"] = TEST_NEXT_HOP
        (ETC / "sidecar.json").write_text(json.dumps(config, indent=2) + "\n")

    def start_exabgp(self):
        """ExecStartPre= then ExecStart= with the unit's Environment=, as the unit's User=."""
        self.assertEqual(unit_lines("User"), ["exabgp"])
        for line in unit_lines("ExecStartPre"):
            r = run(as_exabgp(shlex.split(line)))
            self.assertEqual(r.returncode, 0, f"ExecStartPre={line}: {r.stdout}{r.stderr}")
        env = dict(item.split("=", 1) for item in unit_lines("Environment"))
        [start] = unit_lines("ExecStart")
        self.exabgp = Proc("exabgp", as_exabgp(shlex.split(start)), self.workdir, env=env)
        self.exabgp.start()

    def status_json(self):
        try:
            return json.loads(STATUS.read_text())
        except (OSError, ValueError):
            return None

    def test_packaged_node(self):
        deb = self.build_deb()
        self.remember_textfile_dir()
        try:
            self.install_and_run(deb)
        finally:
            self.clean_up()
        self.succeeded = True

    def install_and_run(self, deb):
        from labkit.bgp import GoBGP
        from labkit.resolvers import Unbound

        # 1-2. Install (the docs' `apt install ./deb exabgp unbound`; both are on the machine).
        r = run(LOCK + ["dpkg", "-i", str(deb)], timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        if run(["id", "exabgp"]).returncode != 0:
            run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                 "exabgp"], check=True)
            self.made.append("user exabgp")
        self.group_added = "unbound" not in run(["id", "-nG", "exabgp"]).stdout.split()
        for path in (ETC, RUN_DIR, STATE_DIR, HEALTH_SNIPPET):
            if not path.exists():
                self.made.append(path)

        # 3. The install script the docs show, run literally.
        r = run(["/usr/libexec/anycast-sidecar/install-node"], timeout=60)
        print(r.stdout + r.stderr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(RUN_DIR.owner(), "exabgp")
        self.assertEqual(STATE_DIR.owner(), "exabgp")

        # 4. This node's router and resolver, then check-config without flags (as exabgp).
        unbound = self.own(Unbound(self.workdir))
        unbound.start()
        router = self.own(GoBGP(self.workdir, peers=[("127.0.0.1", 65001)]))
        router.start()
        self.make_it_this_nodes(router, unbound)
        r = sidecar("check-config")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # ExaBGP as the unit runs it; the route reaches the router.
        self.start_exabgp()
        wait_until(lambda: router.paths(PREFIX), 30, f"{PREFIX} at the router")
        wait_until(lambda: sidecar("status").returncode == 0, 15, "status OK")

        # A restart this young is refused (ExaBGP's limit on child starts), with the reason.
        r = sidecar("restart")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("5 child starts within 64 s", r.stderr)

        # Every operator command, without flags.
        r = sidecar("status")
        print(r.stdout)
        self.assertIn("OK", r.stdout)
        r = sidecar("probe")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("runs as exabgp", r.stderr)  # root is warned: exec checks may differ
        r = sidecar("probe", user="exabgp")
        self.assertEqual((r.returncode, r.stderr), (0, ""), r.stdout)
        self.assertEqual(sidecar("maintenance", "show").returncode, 0)
        r = sidecar("reload")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # A rejected reload shows in status until a reload is accepted.
        good = (ETC / "sidecar.json").read_text()
        (ETC / "sidecar.json").write_text(good.replace('"rise": 3', '"rise": 0'))
        r = sidecar("reload")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("rise", r.stdout)
        r = sidecar("status")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("reload was rejected", r.stdout)
        (ETC / "sidecar.json").write_text(good)
        self.assertEqual(sidecar("reload").returncode, 0)
        self.assertEqual(sidecar("status").returncode, 0)

        # A manual drain survives an apt run that upgrades the resolver.
        hook = "/usr/libexec/anycast-sidecar/apt-hook"
        debs = "/var/cache/apt/archives/unbound_1.17.1-2+deb12u9_amd64.deb\n"
        r = sidecar("maintenance", "on", "--wait", "--reason", "RMA 4711")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        wait_until(lambda: not router.paths(PREFIX), 10, "route withdrawn by the drain")
        self.assertEqual(run([hook, "pre"], input=debs, timeout=60).returncode, 0)
        self.assertEqual(run([hook, "post"], timeout=60).returncode, 0)
        r = sidecar("maintenance", "show")
        self.assertIn("RMA 4711", r.stdout)
        self.assertFalse(router.paths(PREFIX), "the hook brought a drained node back")
        self.assertEqual(sidecar("maintenance", "off").returncode, 0)
        wait_until(lambda: router.paths(PREFIX), 15, "route back after maintenance off")
        # Without a drain the hook drains for the upgrade and ends only its own maintenance.
        self.assertEqual(run([hook, "pre"], input=debs, timeout=60).returncode, 0)
        self.assertIn("apt upgrade of unbound", sidecar("maintenance", "show").stdout)
        self.assertFalse(router.paths(PREFIX), "the hook's --wait returned before the withdraw")
        self.assertEqual(run([hook, "post"], timeout=60).returncode, 0)
        self.assertIn("not in maintenance", sidecar("maintenance", "show").stdout)
        self.assertFalse(APT_MARK.exists())
        wait_until(lambda: router.paths(PREFIX), 15, "route back after the hook's post step")
        wait_until(lambda: sidecar("status").returncode == 0, 15, "status OK again")

        # Metrics written by exabgp; a failing write shows in status.
        wait_until(lambda: METRICS.exists(), 5, f"{METRICS} written")
        self.assertEqual(METRICS.owner(), "exabgp")
        self.assertIn("anycast_sidecar_service_up", METRICS.read_text())
        # ... and scraped by node_exporter's textfile collector from Debian's folder, as root's
        # prometheus-node-exporter.service does (another port, the textfile collector only).
        port = free_port()
        self.own(Proc("node-exporter", [
            which("prometheus-node-exporter"), f"--web.listen-address=127.0.0.1:{port}",
            "--collector.disable-defaults", "--collector.textfile",
            f"--collector.textfile.directory={TEXTFILE_DIR}"], self.workdir).start())

        def scraped():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    text = r.read().decode()
            except OSError:
                return None
            return re.search(r'^anycast_sidecar_service_up\{service="resolver"\} 1$', text, re.M)
        wait_until(scraped, 15, "node_exporter serving anycast_sidecar_service_up 1")
        os.chmod(TEXTFILE_DIR, 0o755)
        wait_until(lambda: "cannot write metrics_file" in sidecar("status").stdout, 10,
                   "status naming the failing metrics write")
        r = sidecar("status")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn(str(TEXTFILE_DIR), r.stdout)
        self.assertIn("Permission denied", r.stdout)
        r = run(["/usr/libexec/anycast-sidecar/install-node"], timeout=60)  # the runbook's fix
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        wait_until(lambda: sidecar("status").returncode == 0, 10, "status OK after the fix")

        # The documented hitless restart: the router never loses the route.
        started = self.status_json()["started_unix"]
        time.sleep(max(0.0, started + 16.5 - time.time()))  # restart refuses a younger daemon
        old_pid = self.status_json()["pid"]
        watcher = RouteWatcher(router, PREFIX)
        watcher.start()
        try:
            r = sidecar("restart", timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            print(r.stdout.strip())
            wait_until(lambda: (self.status_json() or {}).get("pid") != old_pid and
                       sidecar("status").returncode == 0, 15, "new instance up and OK")
            time.sleep(2.0)  # and a while after it took over
        finally:
            watcher.stop()
        print(f"restart: {watcher.reads} reads of the router, {watcher.missing} without {PREFIX}")
        # ExaBGP tells the new child nothing about the session (it did not change): the new
        # instance shows the neighbor its predecessor saw.
        neighbors = self.status_json()["exabgp"]["neighbors"]
        self.assertEqual([(n["peer"], n["state"]) for n in neighbors], [(router.addr, "up")])
        self.assertGreaterEqual(watcher.reads, 8)  # one gobgp call is ~0.15 s on 2 cores
        self.assertEqual(watcher.missing, 0)
        # Negative control: SIGTERM (what `pkill -f` sends) withdraws, and the watcher sees it.
        watcher = RouteWatcher(router, PREFIX)
        watcher.start()
        try:
            os.kill(self.status_json()["pid"], signal.SIGTERM)
            wait_until(lambda: watcher.missing > 0, 10, "SIGTERM's withdraw seen at the router")
        finally:
            watcher.stop()
        print(f"SIGTERM control: {watcher.missing} of {watcher.reads} reads without {PREFIX}")
        wait_until(lambda: router.paths(PREFIX), 20, "route back after ExaBGP's respawn")

    def clean_up(self):
        if self.exabgp is not None:
            pid = (self.status_json() or {}).get("pid")
            self.exabgp.stop()
            try:  # a child ExaBGP left behind, by its pid, if that pid is still a sidecar
                if pid and b"anycast-sidecar\0run" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        r = run(LOCK + ["dpkg", "--purge", "anycast-sidecar"], timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        left = [p for p in ("/usr/bin/anycast-sidecar", str(UNIT),
                            "/usr/lib/tmpfiles.d/anycast-sidecar.conf",
                            "/usr/libexec/anycast-sidecar", "/usr/share/doc/anycast-sidecar")
                if os.path.exists(p)]
        self.assertEqual(left, [], "left by dpkg --purge")
        # What the install steps made (install.md, "Removing it").
        for path in self.made:
            if isinstance(path, Path):
                shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        METRICS.unlink(missing_ok=True)
        APT_MARK.unlink(missing_ok=True)
        self.restore_textfile_dir()
        if self.group_added:
            run(["gpasswd", "-d", "exabgp", "unbound"])
        if "user exabgp" in self.made:
            run(["userdel", "exabgp"])
        for path in (ETC, RUN_DIR, STATE_DIR, HEALTH_SNIPPET, METRICS):
            self.assertFalse(path.exists(), f"{path} left behind")

    def tearDown(self):
        super().tearDown()
        if getattr(self, "succeeded", False) and not os.environ.get("ACS_KEEP_LOGS"):
            shutil.rmtree(self.workdir, ignore_errors=True)


if __name__ == "__main__":
    reason = skip_reason()
    if reason:
        print(f"SKIPPED: {reason}", file=sys.stderr)
        sys.exit(77)
    e2e.main()
