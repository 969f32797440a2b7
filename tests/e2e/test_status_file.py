"""The status file is never torn, its seq strictly increases, and `anycast-sidecar status`
gives monitoring the right exit code for every situation, with real Unbound, ExaBGP and GoBGP."""
import json
import os
import signal
import time

import e2e
from e2e import wait_until
from labkit import sidecar as sc


class StatusFile(e2e.NodeTestCase):

    def setUp(self):
        super().setUp()
        self.start_resolver()
        services = [sc.service(checks=[sc.dns_check(self.resolver.port)],
                               routes=[sc.route(self.PREFIX)], interval_ms=200, timeout_ms=150,
                               fast_interval_ms=100, rise=2, fall=2, hold_down_ms=0)]
        # Short ack timeout and ping interval so a frozen ExaBGP is noticed within ~2 s.
        self.start_node(services, exabgp={"ack_timeout_ms": 1000, "ping_interval_ms": 500})
        self.wait_route(True, timeout=15)

    def status_code(self, *args):
        return sc.status_cmd(self.config, *args).returncode

    def wait_status_code(self, code, timeout, *args):
        last = {}

        def check():
            r = sc.status_cmd(self.config, *args)
            last["out"] = r.stdout + r.stderr
            return r.returncode == code

        try:
            wait_until(check, timeout, f"status exit code {code}", interval=0.1)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}; last output:\n{last.get('out')}")
        return last["out"]

    def test_reader_never_sees_a_torn_file_and_seq_increases(self):
        reads, last_seq, last_updated, changes = 0, -1, 0.0, 0
        toggles = 0
        deadline = time.monotonic() + 120
        while reads < 10000:
            self.assertLess(time.monotonic(), deadline, "10,000 reads took too long")
            # Transitions while reading: maintenance on and off, every 500 reads.
            if reads % 500 == 0:
                (sc.maintenance_cmd(self.config, "on" if toggles % 2 == 0 else "off"))
                toggles += 1
            text = self.status_path.read_text()
            doc = json.loads(text)  # raises on a torn or invalid file
            reads += 1
            self.assertGreaterEqual(doc["seq"], last_seq, "seq went backwards")
            if doc["seq"] == last_seq:
                self.assertEqual(doc["updated_unix"], last_updated, "same seq, other content")
            elif last_seq >= 0:
                changes += 1
            last_seq, last_updated = doc["seq"], doc["updated_unix"]
            time.sleep(0.001)  # pacing: spread the reads over many writes (~10 s)
        print(f"{reads} reads, {changes} distinct writes seen, {toggles} maintenance toggles")
        self.assertGreater(changes, 30)
        transitions = self.service()["transitions_total"]
        self.assertGreater(transitions, 4)

    def test_exit_codes(self):
        out = self.wait_status_code(0, 5)
        self.assertIn("OK", out)

        sc.maintenance_cmd(self.config, "on", "--reason", "test")
        out = self.wait_status_code(1, 5)
        self.assertIn("maintenance", out.lower())
        sc.maintenance_cmd(self.config, "off")
        self.wait_status_code(0, 5)

        self.resolver.kill()
        out = self.wait_status_code(2, 5)
        self.assertIn("connection_refused", out)
        self.resolver.start()
        self.wait_status_code(0, 5)

        # ExaBGP frozen: the bridge is stalled (no ack within ack_timeout_ms).
        self.exabgp.sigstop()
        try:
            t0 = time.monotonic()
            out = self.wait_status_code(2, 4)
            print(f"stalled reported {time.monotonic() - t0:.2f} s after SIGSTOP of ExaBGP")
            self.assertIn("stalled", out)
        finally:
            self.exabgp.sigcont()
        self.wait_status_code(0, 8)

        # The daemon itself frozen: the file goes stale past --max-age.
        pid = self.sidecar_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            out = self.wait_status_code(2, 5, "--max-age", "1")
            self.assertIn("not updated", out)
        finally:
            os.kill(pid, signal.SIGCONT)
        self.wait_status_code(0, 5, "--max-age", "1")

        r = sc.status_cmd(self.config, "--json")
        doc = json.loads(r.stdout)
        self.assertEqual(doc["exit_code"], r.returncode)

    def test_missing_status_file_is_unknown(self):
        r = e2e.run([e2e.sidecar_bin(), "status", "--status-file", str(self.workdir / "nope.json")])
        self.assertEqual(r.returncode, 3)
        self.assertIn("nope.json", r.stdout + r.stderr)


if __name__ == "__main__":
    e2e.main()
