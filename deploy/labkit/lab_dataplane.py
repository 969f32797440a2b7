"""The data-plane mode of ./deploy/lab: up, status, break/fix with client-visible impact, load.

State lives in <lab dir>/lab.json like the loopback lab's, with "mode": "dataplane" and the
namespace prefix; every later command re-attaches to the running processes by their pid files.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from . import dataplane as dpl
from . import lab_fleet
from .common import run, wait_until

LAB_FAULTS = dpl.FAULTS + dpl.MORE_FAULTS + ("router-killed",)
EXIT_WORDS = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
SCHEDULE = dict(interval_ms=1000, fast_interval_ms=200, timeout_ms=500, rise=2, fall=3)


def plane(lab_dir: Path, state: dict) -> dpl.DataPlane:
    return dpl.DataPlane(lab_dir, sidecar_bin=state["sidecar_bin"], prefix=state["prefix"],
                         persistent=True, fleet=state.get("fleet", False),
                         router=state.get("router", "bird"), **SCHEDULE).attach()


ROUTER_NAMES = {"bird": "BIRD 2", "frr": "FRR (zebra + bgpd)"}


def up(lab_dir: Path, binary: str, save, router: str = "bird") -> dict:
    # The fleet: a 3-member etcd in a namespace of its own behind the router (dataplane.py).
    dp = dpl.DataPlane(lab_dir, sidecar_bin=binary, persistent=True, fleet=True, router=router,
                       **SCHEDULE)
    state = {"mode": "dataplane", "prefix": dp.prefix, "sidecar_bin": binary, "faults": [],
             "fleet": True, "router": router}
    save(state)
    t0 = time.monotonic()
    try:
        dp.up()
    except BaseException:
        print(f"!! up failed; stopping what was started (logs stay in {lab_dir})")
        dp.close()
        raise
    print(f"data plane up in {time.monotonic() - t0:.1f} s: namespaces {dp.prefix}*")
    return state


def expected_hops(dp: dpl.DataPlane, state: dict) -> set:
    if any(w == "router-killed" for w, _ in state["faults"]):
        return set()
    bad = {n for w, n in state["faults"] if w not in dpl.ONE_SHOT}
    return {node.addr for node in dp.nodes if node.k not in bad}


def status(lab_dir: Path, state: dict) -> int:
    dp = plane(lab_dir, state)
    hops = dp.router.fib_nexthops() if dp.router.running() else set()
    print(f"--- router ({ROUTER_NAMES[dp.router_kind]} in {dp.router_ns}): `ip -n {dp.router_ns} route show "
          f"{dpl.PREFIX}`")
    out = run(["ip", "-n", dp.router_ns, "route", "show", dpl.PREFIX])
    print("\n".join("    " + line for line in out.stdout.splitlines()) or "    (no route)")
    if dp.router.running():
        # Its RIB too: a degraded node is announced (worse MED) but not in the FIB.
        paths = dp.router.rib_paths()
        print("    RIB: " + (", ".join(f"{name} MED {med}" for name, med in sorted(paths.items()))
                             or "no path"))
    for node in dp.nodes:
        faults = [w for w, n in state["faults"] if n == node.k]
        print(f"--- {node.name} {node.addr} ({node.kind}, ns {node.ns}) faults: "
              f"{', '.join(faults) or 'none'}; in the FIB: {'yes' if node.addr in hops else 'NO'}")
        st = run([state["sidecar_bin"], "status", "--config", str(node.config)], timeout=10)
        print("\n".join("    " + line for line in (st.stdout + st.stderr).splitlines()))
        print(f"    exit {st.returncode} ({EXIT_WORDS.get(st.returncode, '?')})")
    if dp.etcd:
        print(f"--- etcd: 3 members in ns {dp.etcd_ns} ({', '.join(dp.etcd.endpoints)})")
        lab_fleet.show_fleet(fleet_lab(dp))
    print(f"--- a query from the client namespace: `ip netns exec {dp.client_ns} dig @"
          f"{dpl.ANYCAST} {dpl.WHOAMI} TXT +short`")
    return 0 if hops == expected_hops(dp, state) else 1


def fleet_lab(dp: dpl.DataPlane) -> lab_fleet.Lab:
    """The data plane as lab_fleet sees it: every command runs inside its node's namespace."""
    by_name = {n.name: n for n in dp.nodes}

    def run_on(node, argv, stdin="", env=None, timeout=60):
        return dp.node_cmd(by_name[node.name], *argv, stdin=stdin, env=env, timeout=timeout)

    def upgrade(k):
        dpl.break_fault(dp, "bind-upgrade", dp.nodes[k - 1])
        return dp.nodes[k - 1].resolver.proc.running()

    def router_view():
        hops = dp.router.fib_nexthops()
        names = [n.name for n in dp.nodes if n.addr in hops]
        return (f"    router FIB: {dpl.ANYCAST} -> {', '.join(sorted(hops)) or 'nothing'} "
                f"({', '.join(names) or 'no node'})")

    bind = next((n.k for n in dp.nodes if n.kind == "bind"), 2)
    return lab_fleet.Lab(dp.sidecar_bin, [lab_fleet.LabNode(n.name, n.config, n.workdir)
                                          for n in dp.nodes], run_on, upgrade,
                         lambda k: dp.nodes[k - 1].resolver.restart(dnssec_enable=False),
                         router_view, bind)


def replay(lab_dir: Path, state: dict) -> int:
    if not state.get("fleet"):
        raise ValueError("this lab runs without the fleet: ./deploy/lab down, then up")
    return lab_fleet.replay_2024(fleet_lab(plane(lab_dir, state)))


def _load_rows(lab_dir: Path) -> list[dict]:
    try:
        text = (lab_dir / "load.jsonl").read_text()
    except FileNotFoundError:
        return []
    rows = []
    for line in text.splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            pass  # a line being written
    return rows


def _load_running(state: dict) -> bool:
    pid = state.get("load_pid")
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"load.py" in f.read()
    except OSError:
        return False


def print_impact(lab_dir: Path, state: dict, t_fault: float, settle_s: float,
                 verb: str = "break") -> None:
    """The client-visible cost of the fault, from the running load's intervals since t_fault."""
    rows = _load_rows(lab_dir)
    start = next((r["start_monotonic"] for r in rows if "start_monotonic" in r), None)
    if start is None:
        return
    since = t_fault - start
    until = since + settle_s

    def covered():
        rs = [r for r in _load_rows(lab_dir) if "interval" in r]
        return rs and (rs[-1]["t"] + 1 >= until or not _load_running(state))
    try:
        wait_until(covered, settle_s + 5, "the load's intervals after the fault", interval=0.2)
    except TimeoutError:
        pass
    rows = [r for r in _load_rows(lab_dir) if "interval" in r and r["t"] + 1 > since]
    bad = sum(r["failed"] + r["lost"] + r["late"] for r in rows)
    firsts = [r["first_bad"] for r in rows if r["first_bad"] is not None and r["first_bad"] >= since - 0.01]
    lasts = [r["last_bad"] for r in rows if r["last_bad"] is not None and r["last_bad"] >= since - 0.01]
    span = (f"first failure +{min(firsts) - since:.2f} s, last +{max(lasts) - since:.2f} s after "
            f"the {verb}") if firsts else "no failure"
    answered = sum(r["answered"] for r in rows)
    print(f"client-visible impact (running load, {len(rows)} s since the {verb}): {bad} queries "
          f"failed or lost, {answered} answered; {span}")


def break_fix(lab_dir: Path, state: dict, save, what: str, n, breaking: bool) -> int:
    dp = plane(lab_dir, state)
    if what not in LAB_FAULTS:
        raise ValueError(f"{what}: choose one of {', '.join(LAB_FAULTS)}")
    n = None if what in ("router-killed", "router-restarted") else (n or dpl.default_node(what))
    node = dp.nodes[(n or 1) - 1]
    fault = [what, n]
    present = fault in state["faults"]
    verb = "break" if breaking else "fix"
    if what not in dpl.ONE_SHOT and breaking == present:
        print(f"{what}{f' on node {n}' if n else ''} is "
              f"{'already broken' if present else 'not broken'}: nothing to {verb}")
        return 0
    print(f"{verb} {what}{f' on node {n} ({node.addr})' if n else ''}")
    load = _load_running(state)
    t_fault = time.monotonic()
    if what == "router-killed":
        dp.router.stop() if breaking else dp.router.start()
        if not breaking:
            dp.wait_fib(dp.all_nexthops(), 60)
    elif breaking:
        dpl.break_fault(dp, what, node)
    else:
        dpl.fix_fault(dp, what, node)
    if what not in dpl.ONE_SHOT:
        state["faults"].append(fault) if breaking else state["faults"].remove(fault)
        save(state)
    want = expected_hops(dp, state)
    bound = dpl.fault_bound_s(what if what in dpl.FAULTS + dpl.MORE_FAULTS
                              else "router-restarted", **{
        k: v for k, v in SCHEDULE.items() if k != "rise"})
    try:
        took = dp.wait_fib(want, bound + 30) if dp.router.running() or want else 0.0
        print(f"router FIB forwards {dpl.ANYCAST} to {len(want)} node(s) "
              f"{sorted(want)} ({took:.1f} s after the {verb})")
        ok = True
    except TimeoutError as exc:
        print(f"!! {exc}")
        ok = False
    if load:
        print_impact(lab_dir, state, t_fault, bound + 1, verb)
    else:
        print("(no load running: `./deploy/lab load` in another terminal shows what clients see)")
    return 0 if ok else 1


def load(lab_dir: Path, state: dict, save, qps: float, seconds: float, reload=None) -> int:
    """The load, printed per second. `reload` reads the lab's state again at the end: a `break`
    run in another terminal meanwhile recorded its fault there, which saving this command's own
    copy would erase (then `fix` said "not broken")."""
    dp = plane(lab_dir, state)
    out_path = lab_dir / "load.jsonl"
    with open(out_path, "w") as out:
        p = subprocess.Popen(["ip", "netns", "exec", dp.client_ns, sys.executable,
                              str(dpl.LOAD_PY), "--server", dpl.ANYCAST, "--qps", str(qps),
                              "--seconds", str(seconds)], stdout=out)
    state["load_pid"] = p.pid
    save(state)
    names = [n.name for n in dp.nodes]
    print(f"{qps:.0f} queries/s for {seconds:.0f} s from {dpl.CLIENT_ADDR} (ns {dp.client_ns}) "
          f"to {dpl.ANYCAST}, {dpl.WHOAMI} TXT, a fresh source port each; JSON lines in "
          f"{out_path}")
    print(f"{'t (s)':>6} {'sent':>6} {'answered':>9} {'failed':>7} {'lost':>6} {'late':>5}  "
          + " ".join(f"{n:>6}" for n in names))
    shown = 0
    total = None
    try:
        while True:
            rows = _load_rows(lab_dir)
            for r in [r for r in rows if "interval" in r][shown:]:
                shown += 1
                print(f"{r['t']:>6.0f} {r['sent']:>6} {r['answered']:>9} {r['failed']:>7} "
                      f"{r['lost']:>6} {r['late']:>5}  "
                      + " ".join(f"{r['nodes'].get(n, 0):>6}" for n in names), flush=True)
            total = next((r for r in rows if r.get("summary")), None)
            if total or p.poll() is not None:
                break
            time.sleep(0.2)
    except KeyboardInterrupt:
        p.terminate()
    p.wait()
    if reload is not None:
        state = reload()
    state["load_pid"] = None
    save(state)
    if total:
        print(f"total: {total['answered']} of {total['sent']} answered in time, "
              f"{total['bad']} failed/lost/late; per node {total['nodes']}")
        return 0 if total["bad"] == 0 else 1
    return 1


def down(lab_dir: Path, state: dict) -> int:
    dp = plane(lab_dir, state)
    dp.close()
    left = [ns for ns in run(["ip", "netns", "list"]).stdout.split() if ns.startswith(dp.prefix)]
    if left:
        print(f"!! namespaces left: {left}")
        return 1
    return 0
