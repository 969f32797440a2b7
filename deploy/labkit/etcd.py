"""A real etcd 3.4 cluster (1 or 3 members) on loopback, for the fleet's tests and the lab.

Each member listens on free ports of 127.0.0.1 (client and peer), keeps its data under the given
scratch folder and is stopped by pid. With ns= and hosts= the members run inside that network
namespace instead, one address each, on etcd's usual ports 2379/2380 (the data plane's fleet:
labkit/dataplane.py gives them a namespace of their own behind the router), and the calls below
are made from inside it. A member can be killed and restarted with its data (it
rejoins the cluster as itself). The v3 JSON gateway is what the sidecar speaks; `put`, `get` and
`call` here use it too (urllib, standard library), so a test reads exactly what the sidecar wrote.
"""
from __future__ import annotations

import base64
import json
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional, Sequence

from .common import OwnsProc, Proc, free_port, wait_until, which


class Tls:
    """A throw-away CA with a server certificate for 127.0.0.1 and client certificates, made with
    the openssl command in folder; what etcd's --cert-file/--trusted-ca-file and the sidecar's
    fleet.ca_file/cert_file/key_file take. `Tls(folder, clients=("node1",))`; `.client(name)` ->
    (cert, key); `.rogue_ca` is a second CA that signed nothing etcd trusts."""

    def __init__(self, folder: Path, clients: Sequence[str] = ("node1",)):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ca, self.ca_key = self._ca("acs-test-ca")
        self.rogue_ca, _ = self._ca("acs-rogue-ca")
        self.server_cert, self.server_key = self._leaf(
            "etcd", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n")
        self.clients = {name: self._leaf(name, "extendedKeyUsage=clientAuth\n")
                        for name in clients}

    def client(self, name: str) -> tuple[Path, Path]:
        return self.clients[name]

    def _openssl(self, *args: str) -> None:
        out = subprocess.run([which("openssl"), *args], cwd=self.folder, capture_output=True,
                             text=True, timeout=30)
        if out.returncode != 0:
            raise RuntimeError(f"openssl {' '.join(args)}: {out.stderr.strip()}")

    def _ca(self, cn: str) -> tuple[Path, Path]:
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", f"{cn}.key", "-out", f"{cn}.crt", "-days", "2",
                      "-subj", f"/CN={cn}")
        return self.folder / f"{cn}.crt", self.folder / f"{cn}.key"

    def _leaf(self, cn: str, extensions: str) -> tuple[Path, Path]:
        (self.folder / f"{cn}.ext").write_text(extensions)
        self._openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-keyout", f"{cn}.key", "-out", f"{cn}.csr", "-subj", f"/CN={cn}")
        self._openssl("x509", "-req", "-in", f"{cn}.csr", "-CA", str(self.ca), "-CAkey",
                      str(self.ca_key), "-CAcreateserial", "-out", f"{cn}.crt", "-days", "2",
                      "-extfile", f"{cn}.ext")
        return self.folder / f"{cn}.crt", self.folder / f"{cn}.key"


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
    def __init__(self, workdir: Path, name: str, index: int, tls: Optional[Tls] = None,
                 extra_args: Sequence[str] = (), host: str = "127.0.0.1",
                 ns: Optional[str] = None, ports: Optional[tuple[int, int]] = None):
        self.workdir = Path(workdir)
        self.tls = tls
        self.extra_args = list(extra_args)
        self.name = name
        self.index = index
        self.host = host
        self.ns = ns
        # In a namespace of its own each member has its own address: etcd's usual ports.
        # ports: (client, peer) of a member started earlier (the lab's later commands).
        self.client_port, self.peer_port = ports or ((2379, 2380) if ns else
                                                     (free_port(), free_port()))
        self.data_dir = self.workdir / f"{name}.data"
        self.proc: Optional[Proc] = None

    @property
    def client_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://{self.host}:{self.peer_port}"

    def argv(self, initial_cluster: str, token: str) -> list[str]:
        return (["ip", "netns", "exec", self.ns] if self.ns else []) + [
            which("etcd"), "--name", self.name, "--data-dir", str(self.data_dir),
            "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
            "--listen-peer-urls", self.peer_url, "--initial-advertise-peer-urls", self.peer_url,
            "--initial-cluster", initial_cluster, "--initial-cluster-token", token,
            "--initial-cluster-state", "new",
            # Short timings: a lost leader is replaced within about a second.
            "--heartbeat-interval", "100", "--election-timeout", "1000",
            "--logger", "zap", "--log-level", "warn",
        ] + self.tls_args() + self.extra_args

    def tls_args(self) -> list[str]:
        """Clients must show a certificate our CA signed (peers stay plain http on loopback)."""
        if not self.tls:
            return []
        return ["--cert-file", str(self.tls.server_cert), "--key-file", str(self.tls.server_key),
                "--client-cert-auth", "--trusted-ca-file", str(self.tls.ca)]

    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None


class EtcdCluster:
    """`EtcdCluster(workdir, members=3).start()`; `.endpoints` for the sidecar's configuration;
    `.kill_member(i)` / `.restart_member(i)`; `.stop()` stops every member by pid."""

    def __init__(self, workdir: Path, members: int = 3, token: str = "acs-fleet",
                 tls: Optional[Tls] = None, extra_args: Sequence[str] = (),
                 ns: Optional[str] = None, hosts: Optional[list[str]] = None,
                 ports: Optional[list] = None):
        if members not in (1, 3, 5):
            raise ValueError("an etcd cluster here has 1, 3 or 5 members")
        if ns and len(hosts or []) != members:
            raise ValueError("an etcd cluster in a namespace needs one address per member")
        self.workdir = Path(workdir)
        self.token = token
        self.tls = tls
        self.auth_token: Optional[str] = None  # after enable_auth(), what call() sends
        self.ns = ns
        self.members = [EtcdMember(self.workdir, f"etcd{i}", i, tls, extra_args,
                                   host=(hosts or [])[i] if ns else "127.0.0.1", ns=ns,
                                   ports=tuple(ports[i]) if ports else None)
                        for i in range(members)]
        self.initial_cluster = ",".join(f"{m.name}={m.peer_url}" for m in self.members)

    @property
    def ports(self) -> list[list[int]]:
        """Each member's [client, peer] port: what a later command passes back as ports=."""
        return [[m.client_port, m.peer_port] for m in self.members]

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

    def attach(self) -> "EtcdCluster":
        """For a later command of the lab: the members started earlier, found by their pid files
        (same workdir)."""
        for m in self.members:
            m.proc = Proc(m.name, m.argv(self.initial_cluster, self.token), self.workdir)
        return self

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
    def _call(self, path: str, body: dict, endpoint: Optional[str] = None,
              timeout: float = 5) -> dict:
        urls = [endpoint] if endpoint else [m.client_url for m in self.members
                                            if m.proc and m.proc.running()]
        last: Optional[BaseException] = None
        for url in urls:
            headers = {"Content-Type": "application/json"}
            if self.auth_token:
                headers["Authorization"] = self.auth_token
            req = urllib.request.Request(url + path, data=json.dumps(body).encode(),
                                         headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=timeout, context=self._ssl()) as r:
                    return json.loads(r.read().decode())
            except urllib.error.HTTPError as exc:
                # A restarted etcd forgot every simple token: log in again, once.
                if self.auth_token and path != "/v3/auth/authenticate" and \
                        "invalid auth token" in exc.read().decode(errors="replace"):
                    self.auth_token = None
                    self.auth_token = self._call("/v3/auth/authenticate", {
                        "name": "root", "password": self._root_password}, url, timeout)["token"]
                    return self._call(path, body, url, timeout)
                last = exc
            except (OSError, urllib.error.URLError) as exc:
                last = exc
        raise OSError(f"no etcd member answered {path}: {last}")

    def call(self, path: str, body: dict, endpoint: Optional[str] = None,
             timeout: float = 5) -> dict:
        if not self.ns:
            return self._call(path, body, endpoint, timeout)
        from .dataplane import in_netns  # here, not at the top: dataplane imports this module
        return in_netns(self.ns, lambda: self._call(path, body, endpoint, timeout))

    def _ssl(self) -> Optional[ssl.SSLContext]:
        if not self.tls:
            return None
        ctx = ssl.create_default_context(cafile=str(self.tls.ca))
        ctx.load_cert_chain(str(self.tls.server_cert), str(self.tls.server_key))
        return ctx

    def etcdctl(self, *args: str) -> subprocess.CompletedProcess:
        """etcd's own client, as an operator runs it (as root once auth is on)."""
        argv = [which("etcdctl"), "--endpoints", ",".join(self.endpoints), "--command-timeout=5s"]
        if self.tls:
            argv += ["--cacert", str(self.tls.ca), "--cert", str(self.tls.server_cert),
                     "--key", str(self.tls.server_key)]
        if self.auth_token:
            argv += ["--user", "root:" + self._root_password]
        out = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=30,
                             env={"ETCDCTL_API": "3", "PATH": "/usr/bin:/bin"})
        if out.returncode != 0:
            raise RuntimeError(f"etcdctl {' '.join(args)}: {(out.stderr or out.stdout).strip()}")
        return out

    def enable_auth(self, user: str, password: str, prefix: str,
                    root_password: str = "root-pw") -> None:
        """etcd's role-based access: root, and user with readwrite on prefix only (etcdctl, as an
        operator does it). Afterwards this object's own reads and writes go as root."""
        self.etcdctl("user", "add", f"root:{root_password}")
        self.etcdctl("user", "grant-role", "root", "root")
        self.etcdctl("user", "add", f"{user}:{password}")
        self.etcdctl("role", "add", user)
        self.etcdctl("role", "grant-permission", user, "--prefix=true", "readwrite", prefix)
        self.etcdctl("user", "grant-role", user, user)
        self.etcdctl("auth", "enable")
        self._root_password = root_password
        answer = self.call("/v3/auth/authenticate", {"name": "root", "password": root_password})
        self.auth_token = answer["token"]

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
