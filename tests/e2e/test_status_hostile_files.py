"""Status files anyone who can write them may leave, read by the built binary as on-call runs it:
- `status` on a 200 KB file nested 100,000 deep answers UNKNOWN (3) and does not crash; on a
  schema other than 1 or a field of the wrong type, UNKNOWN as well, never OK;
- `maintenance on --wait` never says drained on a file that claims it when the daemon named in it
  is dead, or when its heartbeat is dated an hour ahead (a clock stepped back): exit 2 at its
  timeout, like `status` calls that file CRITICAL.

Negative control, run once by hand on the previous build (commit f336485): the deep file makes
`status` die with SIGSEGV (-11), schema 99 is "OK" (0), and `--wait` returns 0 ("drained") at
once on both lying files."""
import json
import os
import subprocess
import time

import e2e
from e2e import sidecar_bin


class StatusHostileFiles(e2e.TestCase):

    def status(self, doc_text):
        path = self.workdir / "status.json"
        path.write_text(doc_text)
        return subprocess.run([sidecar_bin(), "status", "--status-file", str(path)],
                              capture_output=True, text=True, timeout=30)

    def healthy(self, **changes):
        doc = {"schema": 1, "version": "0.1.0", "pid": os.getpid(), "started_unix": time.time(),
               "updated_unix": time.time(), "seq": 1,
               "exabgp": {"state": "ok", "pending_acks": 0, "detail": "", "neighbors": []},
               "services": [{"name": "resolver", "state": "up", "desired": "announce",
                             "announced": True, "maintenance": None, "checks": [],
                             "routes": [{"prefix": "192.0.2.53/32", "desired": "announce",
                                         "confirmed": True}]}]}
        doc.update(changes)
        return doc

    def test_status_deep_and_wrong_types_are_unknown(self):
        deep = '{"schema": 1, "services": ' + "[" * 100_000 + "]" * 100_000 + "}"
        self.assertGreater(len(deep), 200_000)
        r = self.status(deep)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("nested deeper than", r.stdout)

        self.assertEqual(self.status(json.dumps(self.healthy())).returncode, 0)
        for what, doc in [
                ("schema 99", self.healthy(schema=99)),
                ("schema \"1\"", self.healthy(schema="1")),
                ("schema null", self.healthy(schema=None)),
                ("a numeric prefix", self.healthy(services=[dict(self.healthy()["services"][0],
                                                                 routes=[{"prefix": 5}])])),
                ("a string maintenance", self.healthy(services=[dict(
                    self.healthy()["services"][0], maintenance="yes")]))]:
            r = self.status(json.dumps(doc))
            with self.subTest(what=what):
                self.assertEqual(r.returncode, 3, r.stdout)
                self.assertTrue(r.stdout.startswith("UNKNOWN"), r.stdout)
        missing = self.healthy()
        del missing["schema"]
        self.assertEqual(self.status(json.dumps(missing)).returncode, 3)

    def test_wait_believes_only_a_live_daemon_and_a_fresh_heartbeat(self):
        from labkit import sidecar as sc
        config = sc.write_config(self.workdir, [sc.service(checks=[sc.dns_check(9)])])
        dead = subprocess.Popen(["true"])
        dead.wait()  # a pid that was a process and is no more
        drained = self.healthy()
        drained["services"][0].update(state="disabled", desired="withdraw")
        drained["services"][0]["routes"][0].update(desired="withdraw")
        for what, doc in [("a dead daemon", dict(drained, pid=dead.pid,
                                                 updated_unix=time.time() + 1)),
                          ("an hour ahead", dict(drained, updated_unix=time.time() + 3600))]:
            (self.workdir / "status.json").write_text(json.dumps(doc))
            t0 = time.monotonic()
            r = sc.maintenance_cmd(config, "on", "--wait", "--timeout", "1", timeout=20)
            with self.subTest(what=what):
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertNotIn("drained:", r.stdout)
                self.assertGreaterEqual(time.monotonic() - t0, 1.0)
            sc.maintenance_cmd(config, "off")


if __name__ == "__main__":
    e2e.main()
