"""Bad input never takes the node's ExaBGP down. Under a real ExaBGP 4.2, a maintenance
file holding invalid UTF-8 (a Latin-1 byte, then a 10 KB reason of accented letters cut in the
middle of a character) and then a reload to an invalid configuration: the sidecar is never
restarted (same pid, one child of ExaBGP), ExaBGP keeps running, the status file stays valid
UTF-8 JSON, and the node announces again once the file is gone.

Negative control (run once by hand): with maintenance_file.cpp keeping the raw reason
(`text.substr(0, kMaxReason)`) and status_json.cpp without valid_utf8_strings, the child dies on
the first status write in maintenance (type_error.316) and the test fails waiting for the state
"disabled", which no status file ever shows."""
import json
import os
import signal

import e2e
from e2e import wait_until


class HostileMaintenance(e2e.NodeTestCase):

    def test_invalid_utf8_reason_and_invalid_reload_never_restart(self):
        self.start_node()
        self.wait_route(True, timeout=15)
        pid = self.sidecar_pid()
        children = self.exabgp.children()
        maintenance = self.workdir / "resolver.maintenance"

        # A Latin-1 reason typed on an old terminal, then a 10 KB one cut mid-character.
        accents = "é".encode() * 5000
        for reason in (b"d\xe9pannage\n", accents[:10001] + b"\n"):
            maintenance.write_bytes(reason)
            svc = self.wait_state("disabled", timeout=10)
            self.wait_route(False, timeout=10)
            raw = self.status_path.read_bytes()
            raw.decode("utf-8")  # strict: raises on invalid UTF-8
            self.assertLessEqual(len(svc["maintenance"]["reason"].encode()), 515)
            self.assertEqual(self.sidecar_pid(), pid)
            maintenance.unlink()
            self.wait_state("up", timeout=15)
            self.wait_route(True, timeout=10)

        # An invalid configuration on SIGHUP is refused; the process and its routes stay.
        self.config.write_text('{"services": [{"name": "r\\u00e9", "checks": 3}], "services": []}')
        os.kill(pid, signal.SIGHUP)
        wait_until(lambda: "reload_rejected" in self.exabgp.child_stderr(), 5, "reload rejected")
        self.assertIn("key appears twice", self.exabgp.child_stderr())
        self.assertTrue(self.paths())

        self.assertEqual(self.sidecar_pid(), pid)
        self.assertTrue(self.exabgp.running(), "ExaBGP must keep running")
        self.assertEqual(self.exabgp.children(), children, "the sidecar was respawned")
        json.loads(self.status_path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    e2e.main()
