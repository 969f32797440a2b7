"""The security review's (deploy/docs/security.md) claims that need the real programs:
- the sidecar runs as ExaBGP's unprivileged user (ExaBGP started as root drops to `exabgp` and
  runs its child as that user) with no capabilities, and still probes, decides and announces;
- it writes only its status, metrics and maintenance files, in its own folder, mode 0644;
- a symlink planted in that folder at the metrics file's name is replaced, never followed: the
  file it points to (owned by root) keeps its content.
The other claims have unit tests: no shell (exec_check_test), commands only from validated typed
values (route_test "injection attempts never validate", fuzz_config), hostile stdin and DNS
replies (api_message_test, classify_test, the fuzzers, test_bridge_garbage_flood).
Negative control, run once by hand (2026-11-23): with write_file_atomically changed to open the
final path (O_CREAT|O_TRUNC, no temporary, no O_NOFOLLOW) this test fails, "timed out waiting
for the planted symlink replaced": the writer followed the link (and, running as `exabgp`, could
not write root's file: running unprivileged is what kept it intact). Without the fchmod it fails
earlier, on mode 0600 != 0644."""
import os
import pwd
import stat

import e2e
from e2e import wait_until
from labkit import sidecar as sc

USER = "exabgp"


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


class Security(e2e.NodeTestCase):

    def test_unprivileged_child_writes_only_its_files_and_follows_no_symlink(self):
        if os.geteuid() != 0:
            self.skipTest("needs root: ExaBGP drops privileges only when started as root")
        try:
            user = pwd.getpwnam(USER)
        except KeyError:
            self.skipTest(f"no user {USER} (the Debian exabgp package creates it)")
        self.start_resolver()
        self.start_router()
        # The sidecar's folder, as systemd's RuntimeDirectory= makes it: owned by the user.
        rundir = self.workdir / "run"
        rundir.mkdir()
        os.chown(rundir, user.pw_uid, user.pw_gid)
        victim = self.workdir / "victim"  # root's file, readable by all, writable by root only
        victim.write_text("precious\n")
        os.chmod(victim, 0o644)
        services = [sc.service(checks=[sc.dns_check(self.resolver.port)],
                               routes=[sc.route(self.PREFIX)],
                               maintenance_file=str(rundir / "resolver.maintenance"))]
        self.config = sc.write_config(self.workdir, services, exabgp={"ack": True},
                                      status_file=str(rundir / "status.json"),
                                      metrics_file=str(rundir / "metrics.prom"))
        self.status_path = rundir / "status.json"
        self.start_exabgp(self.config, extra_env={"exabgp.daemon.user": USER})
        self.wait_route(True, 20)
        wait_until(lambda: (self.service() or {}).get("state") == "up", 10, "service up")

        pid = self.sidecar_pid()
        st = proc_status(pid)
        self.assertEqual(int(st["Uid"][1]), user.pw_uid, "the sidecar runs as ExaBGP's user")
        self.assertEqual(int(st["CapEff"][0], 16), 0, "no effective capabilities")
        self.assertNotEqual(int(st["Uid"][0]), 0)

        # Only its own files, each 0644 and owned by the user.
        names = sorted(p.name for p in rundir.iterdir())
        self.assertEqual(names, ["metrics.prom", "status.json"])
        for p in rundir.iterdir():
            info = p.lstat()
            self.assertTrue(stat.S_ISREG(info.st_mode), p)
            self.assertEqual(stat.S_IMODE(info.st_mode), 0o644, p)
            self.assertEqual(info.st_uid, user.pw_uid, p)

        # A symlink planted where the metrics file goes (rundir is the user's, so the user, or
        # anything running as it, could do this): the next write replaces the link itself.
        metrics = rundir / "metrics.prom"
        metrics.unlink()
        os.symlink(victim, metrics)
        wait_until(lambda: not metrics.is_symlink(), 10, "the planted symlink replaced")
        self.assertEqual(victim.read_text(), "precious\n")
        self.assertIn("anycast_sidecar_service_up", metrics.read_text())
        self.assertEqual(self.paths() and len(self.paths()), 1)


if __name__ == "__main__":
    e2e.main()
