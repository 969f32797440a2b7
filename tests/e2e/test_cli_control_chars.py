"""Every command of the CLI, with escape sequences (ESC/CSI, OSC, BEL, C1 CSI) in each argument in
turn and in the values of a configuration file: nothing but printable text reaches the terminal.
The operator's own arguments, file names and configuration values are shown through one printable
function (controls become '?').

Negative control, run once by hand: with main.cpp's "unknown command" message printing the name
raw (cmd.c_str() instead of text::printable), the case ['<ESC>'] fails with the ESC byte found in
stderr."""
import json
import shutil
import subprocess

import e2e
from e2e import sidecar_bin

HOSTILE = "\x1b[31mX\x1b]0;pwned\x07\u009b2J"
FORBIDDEN = [b"\x1b", b"\x07", "\u009b".encode()]


class CliControlChars(e2e.TestCase):

    def write_config(self, name, service_name="resolver", status_file=None):
        path = self.workdir / name
        cfg = {
            "status_file": status_file or str(self.workdir / "status.json"),
            "services": [{
                "name": service_name,
                "interval_ms": 1000, "timeout_ms": 200,
                "checks": [{"server": "127.0.0.1", "port": 9, "qname": "probe.health.test."}],
                "routes": [{"prefix": "192.0.2.53/32", "next_hop": "192.0.2.254"}],
            }],
        }
        path.write_text(json.dumps(cfg))
        return str(path)

    def check_clean(self, argv):
        proc = subprocess.run([sidecar_bin()] + argv, capture_output=True, timeout=30,
                              stdin=subprocess.DEVNULL if argv[:1] != ["run"] else None)
        for stream, data in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            for bad in FORBIDDEN:
                self.assertNotIn(bad, data, f"{argv!r}: {bad!r} in {stream}: {data[:400]!r}")
        return proc

    def test_every_command_with_escapes_in_each_argument(self):
        good = self.write_config("good.json")
        # Values a file brings: a service name and a status file path with escapes (invalid:
        # check-config and friends quote them back in their problems).
        bad_values = self.write_config("bad-values.json", service_name=HOSTILE,
                                       status_file=str(self.workdir / f"st{HOSTILE}.json"))
        hostile_file = str(self.workdir / f"cfg{HOSTILE}.json")
        shutil.copy(good, hostile_file)
        (self.workdir / "status.json").write_text(json.dumps({
            "schema": 1, "updated_unix": 1, "pid": 1, "exabgp": {"state": HOSTILE},
            "services": [{"name": HOSTILE, "state": HOSTILE, "checks": [
                {"name": HOSTILE, "ok": False, "reason": HOSTILE, "detail": HOSTILE}]}]}))
        X = HOSTILE
        commands = [
            [X], [X, "--help"], ["help", X], ["--version", X],
            ["run", X], ["run", "--config"], ["run", f"--{X}"],
            ["probe", X], ["probe", f"@{X}", "name"], ["probe", "@127.0.0.1:9", X, "--timeout-ms", "100"],
            ["probe", "@127.0.0.1:9", "name", X], ["probe", "--config", X],
            ["probe", "--config", hostile_file, "--service", X], ["probe", "--config", bad_values],
            ["probe", "--config", good, "--service", X], ["probe", f"--{X}"],
            ["probe", "@127.0.0.1:9", "name", "--timeout-ms", X],
            ["status", X], ["status", "--config", X], ["status", "--status-file", X],
            ["status", "--config", good], ["status", "--config", bad_values],
            ["status", "--config", good, "--json"], ["status", "--max-age", X], ["status", f"--{X}"],
            ["check-config", X], ["check-config", "--config", X], ["check-config", "--config", bad_values],
            ["check-config", "--config", hostile_file], ["check-config", f"--{X}"],
            ["maintenance", X], ["maintenance", "on", X], ["maintenance", "on", "--config", X],
            ["maintenance", "show", "--config", hostile_file],
            ["maintenance", "on", "--config", bad_values],
            ["maintenance", "on", "--config", good, "--service", X],
            ["maintenance", "on", "--config", hostile_file, "--reason", X],
            ["maintenance", "show", "--config", good],
            ["maintenance", "on", "--config", good, "--wait", "--timeout", "1"],
            ["maintenance", "off", "--config", good],
            ["maintenance", "on", "--config", good, "--timeout", X],
        ]
        for argv in commands:
            with self.subTest(argv=argv):
                self.check_clean(argv)


if __name__ == "__main__":
    e2e.main()
