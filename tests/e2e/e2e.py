"""Common ground for the end-to-end tests: labkit made importable, a TestCase that stops what it
starts and removes its work folder when the test passed.

Each tests/e2e/test_*.py is one ctest (see tests/CMakeLists.txt), runs with unittest and imports
this module first: it is the one place that puts deploy/ (labkit, shared with deploy/lab) on
sys.path, so a test then writes `from labkit import ...` like any import.
"""
import os
import shutil
import signal
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))

from labkit import common  # noqa: E402,F401
from labkit.common import make_workdir, wait_until, sidecar_bin, run, rss_kib  # noqa: E402,F401

# What a test imports from here: labkit's helpers, re-exported, and what this module defines.
__all__ = ["common", "make_workdir", "wait_until", "sidecar_bin", "run", "rss_kib",
           "finish_workdir", "TestCase", "main", "NodeTestCase", "ThreeNodeTestCase"]


def finish_workdir(path, failed):
    """A passing test's folder is removed; a failing test's stays for a look, its path printed.
    ACS_KEEP_LOGS=1 keeps every folder."""
    if failed or os.environ.get("ACS_KEEP_LOGS"):
        print(f"logs kept in {path}", file=sys.stderr)
    else:
        shutil.rmtree(path, ignore_errors=True)


class TestCase(unittest.TestCase):
    """Gives each test a work folder and stops every started process at the end, pass or fail;
    the folder goes when the test passed (finish_workdir)."""

    def setUp(self):
        type(self)._class_ran = True
        self.workdir = make_workdir(f"acs-{self.id().split('.')[-1]}-")
        self._procs = []
        # A cleanup, not tearDown: it also runs when a subclass's setUp fails after starting things.
        self.addCleanup(self._clean_up)

    def own(self, proc):
        """Registers a labkit process (or anything with .stop()) to be stopped after the test."""
        self._procs.append(proc)
        return proc

    def _clean_up(self):
        for proc in reversed(self._procs):
            try:
                proc.stop()
            except Exception as exc:  # keep stopping the others
                print(f"cleanup of {proc!r} failed: {exc}", file=sys.stderr)
        # The safety net: whatever still names this test's folder (a child a stop() missed, a
        # process the test started by hand) is ended here, loudly, and never outlives the test.
        for pid, cmd in common.processes_mentioning(str(self.workdir)):
            print(f"!! left running by the test, killed: pid {pid}: {cmd[:200]}", file=sys.stderr)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        failed = self._failed()
        if failed:
            type(self)._class_failed = True
        finish_workdir(self.workdir, failed)

    def _failed(self):
        """Whether the test body, setUp or tearDown failed so far: the result's own record (the
        outcome's `success` flag reads True inside a cleanup, which unittest runs as a part of its
        own)."""
        result = self._outcome.result
        return any(getattr(test, "test_case", test) is self  # a failed subTest names its test
                   for test, _ in result.failures + result.errors)

    @classmethod
    def class_workdir(cls, prefix):
        """A folder the tests of a class share (made in setUpClass): removed after tearDownClass
        when every test of the class passed, kept and printed when one failed or setUpClass did."""
        path = make_workdir(prefix)
        cls._class_ran, cls._class_failed = False, False
        cls.addClassCleanup(lambda: finish_workdir(path, cls._class_failed or not cls._class_ran))
        return path


def main(requires=None):
    """Runs the test module. requires maps the programs it drives to their Debian packages: a
    missing one skips the whole module visibly (ctest's SKIP_RETURN_CODE), naming the package."""
    for program, package in (requires or {}).items():
        if not shutil.which(program, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
            print(f"SKIPPED: {program} not found: install the Debian package {package} "
                  "(./deploy/install-deps)", file=sys.stderr)
            sys.exit(77)
    # ACS_EXABGP_RELEASE selects another ExaBGP (deploy/labkit/bgp.py); when it is not fetched,
    # skip visibly (ctest's SKIP_RETURN_CODE) rather than test the system's release twice.
    from labkit.bgp import release_missing, selected_release
    if selected_release() != "system" and release_missing():
        print(f"SKIPPED: ExaBGP {selected_release()}: {release_missing()}", file=sys.stderr)
        sys.exit(77)
    unittest.main(verbosity=2)


class NodeTestCase(TestCase):
    """One anycast node on loopback: a real Unbound, a real GoBGP router, a real ExaBGP 4.2 whose
    process child is the sidecar under test."""

    PREFIX = "192.0.2.53/32"

    def start_resolver(self, **kwargs):
        from labkit.resolvers import Unbound
        self.resolver = self.own(Unbound(self.workdir, **kwargs))
        self.resolver.start()
        return self.resolver

    def start_router(self, **kwargs):
        from labkit.bgp import GoBGP
        self.router = self.own(GoBGP(self.workdir, **kwargs))
        self.router.start()
        return self.router

    def start_exabgp(self, config_path, **kwargs):
        from labkit.bgp import ExaBGP
        from labkit.sidecar import run_argv
        self.exabgp = self.own(ExaBGP(self.workdir, router=self.router, run=run_argv(config_path),
                                      **kwargs))
        self.exabgp.start()
        return self.exabgp

    def start_node(self, services=None, exabgp=None, hold_time=9, ack=True, **config_extra):
        """Resolver + router + ExaBGP running the sidecar; returns the sidecar config path."""
        from labkit import sidecar as sc
        if not getattr(self, "resolver", None):
            self.start_resolver()
        if not getattr(self, "router", None):
            self.start_router()
        if services is None:
            services = [sc.service(checks=[sc.dns_check(self.resolver.port)],
                                   routes=[sc.route(self.PREFIX)])]
        settings = dict(exabgp or {})
        settings.setdefault("ack", ack)
        self.config = sc.write_config(self.workdir, services, exabgp=settings, **config_extra)
        # A bad test config would only show as a crash-looping child in ExaBGP's log: fail here.
        checked = run([sidecar_bin(), "check-config", "--config", str(self.config)])
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        self.status_path = self.workdir / "status.json"
        self.start_exabgp(self.config, hold_time=hold_time, ack=ack)
        return self.config

    # --- observations ---
    def status(self):
        from labkit.sidecar import read_status
        return read_status(self.status_path)

    def service(self, name="resolver"):
        from labkit.sidecar import service_status
        return service_status(self.status(), name)

    def paths(self, prefix=None):
        return self.router.paths(prefix or self.PREFIX)

    def wait_route(self, present=True, timeout=10.0, prefix=None, what=None):
        """Polls the router's RIB until the prefix is (or is not) there; returns the paths."""
        prefix = prefix or self.PREFIX
        wait_until(lambda: bool(self.router.paths(prefix)) == present, timeout,
                   what or f"{prefix} {'in' if present else 'gone from'} the router's RIB")
        return self.router.paths(prefix)

    def wait_state(self, state, timeout=10.0, name="resolver"):
        return wait_until(lambda: (self.service(name) or {}).get("state") == state and
                          self.service(name), timeout, f"service {name} in state {state}")

    def sidecar_pid(self):
        status = self.status()
        return status["pid"] if status else None


class ThreeNodeTestCase(TestCase):
    """Three anycast nodes (127.0.0.11, .12, .13), each with its own resolver, ExaBGP and sidecar,
    all peering with one GoBGP router on 127.0.0.2: the router holds one path per healthy node."""

    PREFIX = "192.0.2.53/32"
    ADDRS = ("127.0.0.11", "127.0.0.12", "127.0.0.13")

    def start_nodes(self, resolvers=("unbound", "unbound", "unbound"), service_extra=None,
                    exabgp_settings=None, run_argv=None, hold_time=9, routes=None,
                    config_extra=None):
        """config_extra(i) -> dict: more top-level configuration keys for node i (1-based)."""
        from labkit import sidecar as sc
        from labkit.bgp import ExaBGP, GoBGP
        from labkit.resolvers import Bind, Unbound
        self.router = self.own(GoBGP(self.workdir, peers=[(a, 65001) for a in self.ADDRS]))
        self.router.start()
        self.nodes = []
        for i, (addr, kind) in enumerate(zip(self.ADDRS, resolvers), start=1):
            wd = self.workdir / f"node{i}"
            wd.mkdir()
            os.chmod(wd, 0o755)
            if kind == "bind":
                resolver = self.own(Bind(wd, role="resolver"))
            else:
                resolver = self.own(Unbound(wd))
            resolver.start()
            settings = dict(interval_ms=500, fast_interval_ms=100, rise=2, fall=2)
            settings.update(service_extra or {})
            svc = sc.service(checks=[sc.dns_check(resolver.port)],
                             routes=routes or [sc.route(self.PREFIX)], **settings)
            config = sc.write_config(wd, [svc], exabgp=dict(exabgp_settings or {}),
                                     **(config_extra(i) if config_extra else {}))
            argv = run_argv(i, config) if run_argv else sc.run_argv(config)
            exabgp = self.own(ExaBGP(wd, local_addr=addr, router=self.router, run=argv,
                                     hold_time=hold_time))
            exabgp.start()
            self.nodes.append({"addr": addr, "dir": wd, "resolver": resolver, "config": config,
                               "exabgp": exabgp, "status_path": wd / "status.json"})

    def node_status(self, i):
        from labkit.sidecar import read_status
        return read_status(self.nodes[i - 1]["status_path"])

    def path_peers(self, prefix=None):
        """The set of node addresses whose path the router holds for the prefix."""
        return {p["peer"] for p in self.router.paths(prefix or self.PREFIX)}

    def wait_peers(self, peers, timeout, what=None):
        peers = set(peers)
        wait_until(lambda: self.path_peers() == peers, timeout,
                   what or f"router paths from exactly {sorted(peers)}")
