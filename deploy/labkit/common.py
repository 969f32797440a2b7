"""Process, port and polling helpers shared by every labkit component."""
from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]


def sidecar_bin() -> str:
    """The anycast-sidecar binary under test: $ANYCAST_SIDECAR_BIN or build/sidecar/anycast-sidecar."""
    path = os.environ.get("ANYCAST_SIDECAR_BIN") or str(REPO / "build/sidecar/anycast-sidecar")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"anycast-sidecar binary not found at {path}: build first "
                           "(cmake -B build && cmake --build build) or set ANYCAST_SIDECAR_BIN")
    return path


def which(program: str) -> str:
    """Finds a program on PATH or in the sbin folders (named, unbound live in /usr/sbin)."""
    found = shutil.which(program, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if not found:
        raise RuntimeError(f"{program} not found: run ./deploy/install-deps")
    return found


def _port_free(addr: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(family, kind)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


_handed_out: set[int] = set()


def _ephemeral_low(default: int = 32768) -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return default


def free_port(addr: str = "127.0.0.1", lo: int = 20000, hi: int = 40000) -> int:
    """A port free for both TCP and UDP on addr, never handed out twice by this process.

    Ports are drawn from a range that depends on the pid, so parallel test processes rarely
    collide; a bind check confirms each one. The range stops below the kernel's ephemeral ports:
    a port free now could otherwise be taken as the source port of an outgoing connection before
    its daemon binds it (seen: etcd's peers dialling each other took a member's client port).
    """
    hi = min(hi, _ephemeral_low())
    if hi - lo < 1000:
        lo = max(1024, hi - 8000)
    span = hi - lo
    start = lo + (os.getpid() * 97) % span
    for i in range(span):
        port = lo + (start - lo + i * 7) % span
        if port in _handed_out:
            continue
        if _port_free(addr, port):
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port on {addr}")


def wait_until(predicate: Callable[[], object], timeout: float, what: str = "condition",
               interval: float = 0.05):
    """Polls predicate until it returns a truthy value (returned) or the deadline passes (raises)."""
    deadline = time.monotonic() + timeout
    last_exc: Optional[BaseException] = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # a predicate may fail while a daemon is starting
            last_exc = exc
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_exc})" if last_exc else ""
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}{extra}")
        time.sleep(interval)


def make_workdir(prefix: str = "acs-") -> Path:
    """A fresh folder under $ACS_TMPDIR or /tmp, readable by every user (ExaBGP may drop privileges)."""
    base = os.environ.get("ACS_TMPDIR") or tempfile.gettempdir()
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    os.chmod(path, 0o755)
    return path


class Proc:
    """A child process with its own process group, log file and pid file.

    detached=True (the lab) starts it in its own session so it outlives the starting command; the
    pid file lets a later command stop it.
    """

    def __init__(self, name: str, argv: Sequence[str], workdir: Path, env: Optional[dict] = None,
                 detached: bool = False, stdin=subprocess.DEVNULL):
        self.name = name
        self.argv = list(argv)
        self.workdir = Path(workdir)
        self.env = env
        self.detached = detached
        self.stdin = stdin
        self.log_path = self.workdir / f"{name}.log"
        self.pid_path = self.workdir / f"{name}.pid"
        self.popen: Optional[subprocess.Popen] = None

    @property
    def pid(self) -> Optional[int]:
        if self.popen is not None:
            return self.popen.pid
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def start(self) -> "Proc":
        log = open(self.log_path, "ab")
        full_env = dict(os.environ)
        if self.env:
            full_env.update(self.env)
        self.popen = subprocess.Popen(self.argv, cwd=self.workdir, env=full_env, stdin=self.stdin,
                                      stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        log.close()
        self.pid_path.write_text(f"{self.popen.pid}\n")
        return self

    def running(self) -> bool:
        pid = self.pid
        if pid is None:
            return False
        if self.popen is not None:
            return self.popen.poll() is None
        try:
            os.kill(pid, 0)
        except OSError as exc:
            return exc.errno == errno.EPERM
        return True

    def signal(self, sig: int) -> None:
        pid = self.pid
        if pid is not None:
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                pass

    def sigstop(self) -> None:
        self.signal(signal.SIGSTOP)

    def sigcont(self) -> None:
        self.signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL the whole process group and reap it."""
        self.signal(signal.SIGKILL)
        self._reap(5)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM (after SIGCONT, in case it was stopped), then SIGKILL after timeout."""
        if not self.running():
            self._reap(0.1)
            return
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        if not self._reap(timeout):
            self.kill()

    def _reap(self, timeout: float) -> bool:
        if self.popen is not None:
            try:
                self.popen.wait(timeout=timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + timeout
        while self.running():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def wait(self, timeout: float) -> Optional[int]:
        """Waits for exit; returns the exit code (None when still running at the deadline)."""
        if self.popen is None:
            raise RuntimeError("wait() needs a process started by this object")
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


class OwnsProc:
    """Delegates process control to `self.proc` (a Proc): shared by every labkit daemon."""

    proc: Proc

    def running(self) -> bool:
        return self.proc.running()

    def stop(self, timeout: float = 10) -> None:
        self.proc.stop(timeout)

    def kill(self) -> None:
        self.proc.kill()

    def sigstop(self) -> None:
        self.proc.sigstop()

    def sigcont(self) -> None:
        self.proc.sigcont()

    def log(self) -> str:
        return self.proc.log()

    def wait_started(self, program: str, answers: Callable[[], bool], timeout: float,
                       what: str) -> None:
        """Polls answers() until it is true; a process that has exited meanwhile is named, with
        the tail of its log, in the error at the deadline."""
        def ready():
            if not self.proc.running():
                raise RuntimeError(f"{program} exited at start; see {self.proc.log_path}:\n"
                                   + self.proc.log()[-2000:])
            return answers()
        wait_until(ready, timeout, what)


def pid_alive(pid: int) -> bool:
    """Whether the process runs (a zombie, exited but not reaped, does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _ancestors() -> set[int]:
    found, pid = set(), os.getpid()
    while pid > 1:
        found.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return found


def processes_mentioning(text: str) -> list[tuple[int, str]]:
    """Processes whose command line contains text (a test's or the lab's folder), this process
    and its ancestors aside: what must not outlive a test or `lab down`."""
    found, mine = [], _ancestors()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) in mine:
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append((int(pid), cmd.strip()))
    return found


def rss_kib(pid: int) -> int:
    """Resident set size of pid in KiB (from /proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run(argv: Sequence[str], timeout: float = 30, check: bool = False, env: Optional[dict] = None,
        input: Optional[str] = None) -> subprocess.CompletedProcess:
    """Runs a short command and captures its output as text."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=check,
                          env=full_env, input=input)
