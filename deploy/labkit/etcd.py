"""A real etcd 3.4 cluster (1 or 3 members) on loopback, for the fleet's tests and the lab.

Each member listens on free ports of 127.0.0.1 (client and peer), keeps its data under the given
scratch folder and is stopped by pid. A member can be killed and restarted with its data (it
rejoins the cluster as itself). The v3 JSON gateway is what the sidecar speaks; `put`, `get` and
`call` here use it too (urllib, standard library), so a test reads exactly what the sidecar wrote.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

from .common import OwnsProc, Proc, free_port, wait_until, which


def b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.b64encode(raw).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def prefix_end(prefix: str) -> str:
    """The range_end that selects every key starting with prefix (etcd's convention: the prefix
    with its last byte incremented)."""
    raw = bytearray(prefix.encode())
    while raw and raw[-1] == 0xFF:
        raw.pop()
    if not raw:
        return b64(b"\0")
    raw[-1] += 1
    return b64(bytes(raw))


class EtcdMember(OwnsProc):
    def __init__(self, workdir: Path, name: str, index: int):
        self.workdir = Path(workdir)
        self.name = name
        self.index = index
        self.client_port = free_port()
        self.peer_port = free_port()
        self.data_dir = self.workdir / f"{name}.data"
        self.proc: Optional[Proc] = None

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    def argv(self, initial_cluster: str, token: str) -> list[str]:
        return [
            which("etcd"), "--name", self.name, "--data-dir", str(self.data_dir),
            "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
            "--listen-peer-urls", self.peer_url, "--initial-advertise-peer-urls", self.peer_url,
            "--initial-cluster", initial_cluster, "--initial-cluster-token", token,
            "--initial-cluster-state", "new",
            # Short timings: a lost leader is replaced within about a second.
            "--heartbeat-interval", "100", "--election-timeout", "1000",
            "--logger", "zap", "--log-level", "warn",
        ]

    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None


class EtcdCluster:
    """`EtcdCluster(workdir, members=3).start()`; `.endpoints` for the sidecar's configuration;
    `.kill_member(i)` / `.restart_member(i)`; `.stop()` stops every member by pid."""

    def __init__(self, workdir: Path, members: int = 3, token: str = "acs-fleet"):
        if members not in (1, 3, 5):
            raise ValueError("an etcd cluster here has 1, 3 or 5 members")
        self.workdir = Path(workdir)
        self.token = token
        self.members = [EtcdMember(self.workdir, f"etcd{i}", i) for i in range(members)]
        self.initial_cluster = ",".join(f"{m.name}={m.peer_url}" for m in self.members)

    @property
    def endpoints(self) -> list[str]:
        return [m.client_url for m in self.members]

    def _start_member(self, m: EtcdMember) -> None:
        m.proc = Proc(m.name, m.argv(self.initial_cluster, self.token), self.workdir).start()

    def start(self, timeout: float = 30) -> "EtcdCluster":
        for m in self.members:
            self._start_member(m)
        self.wait_healthy(timeout)
        return self

    def member_healthy(self, m: EtcdMember) -> bool:
        """The member answers a linearizable read (so it is part of a quorum)."""
        try:
            self.call("/v3/kv/range", {"key": b64("/health-probe")}, endpoint=m.client_url,
                      timeout=2)
            return True
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def wait_healthy(self, timeout: float = 30, members: Optional[list[EtcdMember]] = None):
        members = [m for m in (members or self.members) if m.proc and m.proc.running()]
        wait_until(lambda: all(self.member_healthy(m) for m in members), timeout,
                   "etcd members healthy: " + ", ".join(m.name for m in members))

    def kill_member(self, index: int) -> None:
        self.members[index].kill()

    def restart_member(self, index: int, wait: bool = True) -> None:
        m = self.members[index]
        if m.proc and m.proc.running():
            return
        # Its data folder holds its identity: it rejoins as itself.
        m.proc = Proc(m.name, m.argv(self.initial_cluster, self.token), self.workdir).start()
        if wait:
            self.wait_healthy(30, [m])

    def kill_all(self) -> None:
        for m in self.members:
            if m.proc:
                m.kill()

    def restart_all(self, timeout: float = 30) -> None:
        for i in range(len(self.members)):
            self.restart_member(i, wait=False)
        self.wait_healthy(timeout)

    def stop(self) -> None:
        for m in self.members:
            if m.proc:
                m.stop(10)

    def logs(self) -> str:
        return "\n".join(f"--- {m.name}\n{m.log()[-4000:]}" for m in self.members if m.proc)

    # The v3 JSON gateway, for the tests' own reads and writes.
    def call(self, path: str, body: dict, endpoint: Optional[str] = None,
             timeout: float = 5) -> dict:
        urls = [endpoint] if endpoint else [m.client_url for m in self.members
                                            if m.proc and m.proc.running()]
        last: Optional[BaseException] = None
        for url in urls:
            req = urllib.request.Request(url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=timeout) as r:
                    return json.loads(r.read().decode())
            except (OSError, urllib.error.URLError) as exc:
                last = exc
        raise OSError(f"no etcd member answered {path}: {last}")

    def put(self, key: str, value: str | bytes) -> None:
        self.call("/v3/kv/put", {"key": b64(key), "value": b64(value)})

    def get(self, key: str) -> Optional[bytes]:
        kvs = self.call("/v3/kv/range", {"key": b64(key)}).get("kvs") or []
        return unb64(kvs[0].get("value", "")) if kvs else None

    def get_prefix(self, prefix: str) -> dict[str, bytes]:
        answer = self.call("/v3/kv/range", {"key": b64(prefix), "range_end": prefix_end(prefix)})
        return {unb64(kv["key"]).decode(errors="replace"): unb64(kv.get("value", ""))
                for kv in answer.get("kvs") or []}

    def delete(self, key: str) -> None:
        self.call("/v3/kv/deleterange", {"key": b64(key)})
