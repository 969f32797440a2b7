"""tests/bench/run fleet: what the fleet costs a node (issue: "<= 2 MB more RSS, no measurable
change in CPU per check; a granted `maintenance on` returns within one round trip to etcd plus
the drain").

Three sidecars side by side on loopback, each under its own ExaBGP, the same Unbound, the same
one service at 10 checks/s, the same GoBGP router: two without a `fleet` block (their difference
is the run's noise floor), one with it on a real 3-member etcd (labkit/etcd.py) at the package's
defaults. After a warm-up, over the same window: RSS (after warm-up and the max of 1 s samples),
CPU per check (/proc: the process's own run time, benchkit.cpu_seconds), status file writes.
Then the latency of `anycast-sidecar maintenance on` without --wait (process start included),
with the fleet (a slot granted in etcd) and without, interleaved, beside etcd's own round trips
measured on one kept-alive HTTP connection: a linearizable read and a write (a put, through the
leader and a quorum, as the slot's transaction goes).
"""
from __future__ import annotations

import http.client
import json
import os
import time
from pathlib import Path

import benchkit
from labkit import sidecar as sc
from labkit.common import rss_kib, run, wait_until
from labkit.etcd import EtcdCluster, b64

TRIALS = 30


def etcd_rtts(endpoint: str, n: int) -> dict:
    """Seconds per round trip on one kept-alive connection: linearizable range, put."""
    host, port = endpoint.split("//", 1)[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    out = {"range": [], "put": []}
    bodies = {"range": {"key": b64("/bench/rtt")},
              "put": {"key": b64("/bench/rtt"), "value": b64("x")}}
    for _ in range(n + 2):  # the first two warm the connection
        for kind, path in (("range", "/v3/kv/range"), ("put", "/v3/kv/put")):
            t0 = time.monotonic()
            conn.request("POST", path, json.dumps(bodies[kind]),
                         {"Content-Type": "application/json"})
            conn.getresponse().read()
            out[kind].append(time.monotonic() - t0)
    conn.close()
    return {k: v[2:] for k, v in out.items()}


def fleet_json(config: Path) -> dict:
    r = run([sc.sidecar_bin(), "fleet", "--json", "--config", str(config)], timeout=10)
    try:
        return dict(json.loads(r.stdout), exit_code=r.returncode)
    except ValueError:
        return {"exit_code": r.returncode}


def wait_in_service(node: dict) -> None:
    if node["fleet"]:
        wait_until(lambda: fleet_json(node["config"]).get("exit_code") == 0, 20,
                   "every node in service before the next `maintenance on`")
    else:
        wait_until(lambda: all(s.get("state") == "up" for s in
                               (sc.read_status(node["status"]) or {}).get("services", [])), 20,
                   "the service up before the next `maintenance on`")


def maintenance_once(node: dict) -> float:
    """Wall seconds of one granted `maintenance on` (no --wait), from a node in service; then
    `maintenance off`."""
    wait_in_service(node)
    t0 = time.monotonic()
    r = sc.maintenance_cmd(node["config"], "on", "--reason", "bench")
    took = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError(f"maintenance on: exit {r.returncode}: {r.stderr}")
    off = sc.maintenance_cmd(node["config"], "off")
    if off.returncode != 0:
        raise RuntimeError(f"maintenance off: exit {off.returncode}: {off.stderr}")
    return took


def maintenance_latency(on: dict, off: dict, n: int) -> dict:
    """Interleaved trials (on, off, on, off...), so the machine's drift touches both alike;
    "diff": each on trial minus the off trial next to it."""
    out = {"on": [], "off": [], "diff": []}
    for _ in range(n):
        out["on"].append(maintenance_once(on))
        out["off"].append(maintenance_once(off))
        out["diff"].append(out["on"][-1] - out["off"][-1])
    return out


def bench_fleet(opts, table, save, scratch_dir):
    from labkit.bgp import GoBGP
    from labkit.resolvers import Unbound
    seconds = opts.seconds
    workdir = scratch_dir("acs-bench-fleet-")
    procs = []
    try:
        unbound = Unbound(workdir)
        unbound.start()
        procs.append(unbound)
        (workdir / "etcd").mkdir()
        etcd = EtcdCluster(workdir / "etcd", 3).start()
        procs.append(etcd)
        router = GoBGP(workdir, peers=[("127.0.0.11", 65001), ("127.0.0.12", 65001),
                                       ("127.0.0.13", 65001)])
        router.start()
        procs.append(router)
        nodes = {}
        # "off2": a second sidecar without the fleet, the noise floor of the same run (what two
        # identical daemons differ by on this machine).
        for key, addr in (("off", "127.0.0.11"), ("on", "127.0.0.12"), ("off2", "127.0.0.13")):
            d = workdir / key
            d.mkdir()
            os.chmod(d, 0o755)
            svc = sc.service(checks=[sc.dns_check(unbound.port)],
                             routes=[sc.route(benchkit.PREFIX)], interval_ms=100,
                             fast_interval_ms=100, timeout_ms=80, rise=3, fall=3)
            # The package's defaults (lease TTL 5 s, kept alive every 1.7 s), not the tests'
            # short TTL: what a node pays in production.
            extra = {"fleet": {"endpoints": etcd.endpoints, "prefix": "/acs-bench/fleet",
                               "node": "bench-node"}} if key == "on" else {}
            config = sc.write_config(d, [svc], **extra)
            exabgp = benchkit.start_exabgp(d, router, sc.run_argv(config), addr)
            procs.append(exabgp)
            nodes[key] = {"dir": d, "config": config, "pid": benchkit.child_pid(exabgp),
                          "status": d / "status.json", "fleet": key == "on"}
        for n in nodes.values():
            wait_until(lambda n=n: all(s.get("rounds", 0) >= 50 for s in
                                       (sc.read_status(n["status"]) or {}).get("services", [{}])),
                       60, "50 rounds of warm-up")
        wait_until(lambda: ((sc.read_status(nodes["on"]["status"]) or {}).get("fleet") or {})
                   .get("state") == "ok", 20, "the fleet ok")

        def checks(n):
            return sum(s["rounds"] * len(s["checks"])
                       for s in sc.read_status(n["status"])["services"])
        c0 = {k: checks(n) for k, n in nodes.items()}
        cpu0 = {k: benchkit.cpu_seconds(n["pid"]) for k, n in nodes.items()}
        rss0 = {k: rss_kib(n["pid"]) for k, n in nodes.items()}
        seq0 = {k: sc.read_status(n["status"])["seq"] for k, n in nodes.items()}
        rss = dict(rss0)
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            time.sleep(1.0)  # sampling period for RSS, not synchronisation
            for k, n in nodes.items():
                rss[k] = max(rss[k], rss_kib(n["pid"]))
        wall = time.monotonic() - t0
        c1 = {k: checks(n) for k, n in nodes.items()}
        cpu1 = {k: benchkit.cpu_seconds(n["pid"]) for k, n in nodes.items()}
        rss1 = {k: rss_kib(n["pid"]) for k, n in nodes.items()}
        seq1 = {k: sc.read_status(n["status"])["seq"] for k, n in nodes.items()}

        results, rows = {"seconds": wall}, []
        for key, label in (("off", "no fleet block"), ("off2", "no fleet block (second copy)"),
                           ("on", "fleet on (3-member etcd)")):
            n_checks = c1[key] - c0[key]
            cpu = cpu1[key] - cpu0[key]
            results[key] = {"checks": n_checks, "cpu_s": cpu,
                            "cpu_ms_per_check": 1000 * cpu / max(1, n_checks),
                            "rss_kib_after_warmup": rss0[key], "rss_kib_end": rss1[key],
                            "max_rss_kib": rss[key],
                            "status_writes_per_s": (seq1[key] - seq0[key]) / wall}
            rows.append([label, n_checks, f"{cpu:.2f}", f"{1000 * cpu / max(1, n_checks):.3f}",
                         f"{100 * cpu / wall:.2f}", f"{(seq1[key] - seq0[key]) / wall:.2f}",
                         rss0[key], rss1[key], rss[key]])
        per = {k: results[k]["cpu_ms_per_check"] for k in nodes}
        d_rss = rss["on"] - rss["off"]
        d_cpu = per["on"] - (per["off"] + per["off2"]) / 2
        noise = abs(per["off2"] - per["off"])
        results["delta"] = {"max_rss_kib": d_rss, "cpu_ms_per_check": d_cpu,
                            "cpu_ms_per_check_noise": noise}
        rows.append(["fleet on - mean of the two without", "", "", f"{d_cpu:+.3f}", "", "", "",
                     f"{rss1['on'] - rss1['off']:+d}", f"{d_rss:+d}"])
        rows.append(["the two without, apart (noise)", "", "", f"{noise:.3f}", "", "", "",
                     f"{abs(rss1['off2'] - rss1['off'])}", f"{abs(rss['off2'] - rss['off'])}"])
        table(f"Fleet cost at 10 checks/s for {wall:.0f} s after a 5 s warm-up (all at once, "
              "same Unbound, each under its own ExaBGP)",
              ["sidecar", "checks", "CPU s", "CPU ms / check", "% of a core",
               "status writes/s", "RSS KiB after warm-up", "RSS KiB at end", "max RSS KiB"], rows)

        rtt = etcd_rtts(etcd.endpoints[0], TRIALS)
        lat = maintenance_latency(nodes["on"], nodes["off"], TRIALS)
        p50 = {k: benchkit.pct(v, 50) for k, v in {**lat, **rtt}.items()}
        p95 = {k: benchkit.pct(v, 95) for k, v in {**lat, **rtt}.items()}
        extra_ms = 1000 * p50["diff"]
        results["latency"] = {"trials": TRIALS, "p50_s": p50, "p95_s": p95,
                              "fleet_extra_p50_ms": extra_ms,
                              "extra_in_put_rtts": extra_ms / (1000 * p50["put"])}
        table(f"`maintenance on` (no --wait, granted, process start included; on and off "
              f"interleaved) and etcd's own round trips, {TRIALS} each",
              ["what", "p50 ms", "p95 ms"],
              [["`maintenance on`, fleet on (slot granted in etcd)", benchkit.ms3(p50["on"]),
                benchkit.ms3(p95["on"])],
               ["`maintenance on`, no fleet block", benchkit.ms3(p50["off"]),
                benchkit.ms3(p95["off"])],
               ["the fleet's share (each on trial minus the off trial beside it)",
                f"{extra_ms:.2f}", benchkit.ms3(p95["diff"])],
               ["etcd round trip: linearizable range (kept-alive HTTP)",
                benchkit.ms3(p50["range"]), benchkit.ms3(p95["range"])],
               ["etcd round trip: put through the leader",
                benchkit.ms3(p50["put"]), benchkit.ms3(p95["put"])]])
        fixed_ms_per_s = 1000 * (cpu1["on"] - cpu0["on"] - (cpu1["off"] - cpu0["off"])) / wall
        results["delta"]["cpu_ms_per_s"] = fixed_ms_per_s
        print(f"the fleet node's CPU beyond the first node without it: {fixed_ms_per_s:.2f} ms per "
              f"second of wall (its own work is time-driven: a lease keepalive every TTL/3).")
        print(f"the fleet adds {d_rss} KiB of max RSS (target <= 2048) and {d_cpu:+.3f} ms of CPU "
              f"per check (two identical daemons without it differ by {noise:.3f}); a granted "
              f"`maintenance on` takes {extra_ms:.2f} ms more than without the fleet = "
              f"{results['latency']['extra_in_put_rtts']:.1f} etcd write round trips (target: "
              f"one; by design two after the connect: a read, then the compare-and-swap).")
        save("fleet", results)
    finally:
        for p in reversed(procs):
            p.stop()
