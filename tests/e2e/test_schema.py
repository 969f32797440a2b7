"""Deploy/schema/*.schema.json stay true. Validated with Debian's python3-jsonschema
(the test re-runs itself under /usr/bin/python3 when another interpreter started it):

- every example configuration in deploy/examples/, and the ones labkit writes for the tests, is
  valid for config.schema.json, and check-config agrees; a typo'd key is rejected by both;
- real status files, written by the daemon under a real ExaBGP with a real Unbound, in the states
  up, down (resolver stopped: connection_refused) and disabled (maintenance), are valid for
  status.schema.json; a status file with an unknown state is not (negative control)."""
import json
import os
import sys

DEBIAN_PYTHON = "/usr/bin/python3"
if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and os.access(
        DEBIAN_PYTHON, os.X_OK) and not os.environ.get("ACS_SCHEMA_ANY_PYTHON"):
    os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])

import jsonschema  # noqa: E402  (python3-jsonschema)

import e2e  # noqa: E402
from e2e import run, sidecar_bin, wait_until  # noqa: E402

REPO = e2e.common.REPO
SCHEMA_DIR = REPO / "deploy/schema"


def strip_comments(text):
    """The configuration's // and /* */ comments (outside strings) removed, as nlohmann reads it."""
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            i = text.index("*/", i + 2) + 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def validator(name):
    schema = json.loads((SCHEMA_DIR / name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def errors(v, doc):
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in v.iter_errors(doc)]


class Schema(e2e.NodeTestCase):

    def test_schemas_match_configs_and_real_status_files(self):
        print(f"jsonschema {jsonschema.__file__}")
        config_v = validator("config.schema.json")
        status_v = validator("status.schema.json")

        examples = sorted((REPO / "deploy/examples").glob("*.json"))
        self.assertGreaterEqual(len(examples), 2)
        for path in examples:
            doc = json.loads(strip_comments(path.read_text()))
            self.assertEqual(errors(config_v, doc), [], path.name)
            # check-config also checks the machine (the files' folders exist); on a node the
            # unit's RuntimeDirectory=/StateDirectory= create them: here they move to the workdir.
            local = json.loads(json.dumps(doc))
            local["status_file"] = str(self.workdir / "status.json")
            if "metrics_file" in local:
                local["metrics_file"] = str(self.workdir / "metrics.prom")
            for i, svc in enumerate(local.get("services", [])):
                if "maintenance_file" in svc:
                    svc["maintenance_file"] = str(self.workdir / f"{i}.maintenance")
            local_path = self.workdir / path.name
            local_path.write_text(json.dumps(local))
            checked = run([sidecar_bin(), "check-config", "--config", str(local_path)])
            self.assertEqual(checked.returncode, 0, f"{path.name}: {checked.stdout}")

        # Negative control: a typo both the schema and check-config must reject.
        bad = json.loads(strip_comments(examples[0].read_text()))
        bad["services"][0]["intervall_ms"] = 1000
        self.assertTrue(errors(config_v, bad), "the schema accepted an unknown key")
        bad_path = self.workdir / "typo.json"
        bad_path.write_text(json.dumps(bad))
        self.assertEqual(run([sidecar_bin(), "check-config", "--config", str(bad_path)]).returncode, 1)

        # A real node; its configuration (labkit's) is checked too.
        config = self.start_node()
        self.assertEqual(errors(config_v, json.loads(strip_comments(config.read_text()))), [])
        seen = {}

        def collect(state):
            st = self.status()
            svc = st and st["services"][0]
            if svc and svc["state"] == state and (state != "up" or svc["announced"]):
                seen[state] = st
                return True
            return False
        wait_until(lambda: collect("up"), 20, "service up and announced")
        self.resolver.stop()
        wait_until(lambda: collect("down"), 20, "service down after the resolver stopped")
        self.assertEqual(seen["down"]["services"][0]["checks"][0]["reason"], "connection_refused")
        self.resolver.start()
        m = run([sidecar_bin(), "maintenance", "on", "--config", str(config), "--reason", "schema test"])
        self.assertEqual(m.returncode, 0, m.stdout + m.stderr)
        wait_until(lambda: collect("disabled"), 20, "service disabled in maintenance")

        for state, doc in seen.items():
            self.assertEqual(errors(status_v, doc), [], f"status file in state {state}")
            print(f"status file in state {state}: valid ({len(json.dumps(doc))} bytes)")
        broken = json.loads(json.dumps(seen["up"]))
        broken["services"][0]["state"] = "sideways"
        self.assertTrue(errors(status_v, broken), "the schema accepted an unknown state")


if __name__ == "__main__":
    e2e.main()
