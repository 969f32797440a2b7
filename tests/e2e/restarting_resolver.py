"""A stand-in resolver that can restart faster than a real one (test_quick_restart).

Why a stand-in: the target is "a resolver restarted by its supervisor within 20 ms is not
withdrawn", and no real resolver restarts that fast here: a SIGKILLed Unbound answers again
130-280 ms after the kill on this 2-core VM (exec, configuration, sockets). This program
answers the health query (probe.health.test. A 192.0.2.1) over UDP and TCP like the lab's
Unbound, and on a "restart GAP_MS" line on stdin does what a crash and an instant restart do to
the sockets: it closes all of them at once (the kept TCP connections get the kernel's FIN, a UDP
query in the gap gets ICMP port unreachable), binds new ones GAP_MS later, and prints
"gap MEASURED_MS cut N" (close to bind, measured; N kept TCP connections cut). Every other name gets NXDOMAIN.

    python3 restarting_resolver.py PORT      (127.0.0.1:PORT; prints "ready" once listening)
"""
import os
import selectors
import socket
import struct
import sys
import threading
import time

HEALTH = b"\x05probe\x06health\x04test\x00"
HEALTH_ADDR = bytes([192, 0, 2, 1])


def answer(query: bytes):
    """The reply to one DNS query, or None for something that is not one."""
    if len(query) < 12:
        return None
    qid, flags, qdcount = struct.unpack(">HHH", query[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    end = 12
    while end < len(query) and query[end] != 0:
        end += 1 + query[end]
    end += 1 + 4  # the root label, QTYPE and QCLASS
    if end > len(query):
        return None
    question = query[12:end]
    name, qtype = question[:-4], struct.unpack(">H", question[-4:-2])[0]
    hit = name.lower() == HEALTH and qtype == 1
    head = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100) | (0 if hit else 3), 1,
                       1 if hit else 0, 0, 0)
    rr = (b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + HEALTH_ADDR) if hit else b""
    return head + question + rr


class Server:
    def __init__(self, port: int):
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.socks = []
        self.buffers = {}

    def open(self):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        for s in (udp, tcp):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", self.port))
            s.setblocking(False)
        tcp.listen(64)
        self.sel.register(udp, selectors.EVENT_READ, "udp")
        self.sel.register(tcp, selectors.EVENT_READ, "listen")
        self.socks = [udp, tcp]

    def close_all(self):
        for s in list(self.socks) + list(self.buffers):
            try:
                self.sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()
        self.socks, self.buffers = [], {}

    def restart(self, gap_ms: float) -> tuple[float, int]:
        """Closes every socket, binds new ones gap_ms later: (measured gap in ms, how many kept
        TCP connections were cut)."""
        with self.lock:
            t0 = time.monotonic()
            cut = len(self.buffers)
            self.close_all()
            # Busy-waited: time.sleep may overshoot by a scheduler tick on a loaded machine.
            target = t0 + gap_ms / 1000
            while time.monotonic() < target:
                pass
            self.open()
            return (time.monotonic() - t0) * 1000, cut

    def serve(self):
        while True:
            with self.lock:
                events = self.sel.select(timeout=0.001)
                for key, _ in events:
                    self.handle(key.fileobj, key.data)
            time.sleep(0)  # let restart() take the lock

    def handle(self, sock, kind):
        if kind == "udp":
            try:
                query, peer = sock.recvfrom(4096)
            except OSError:
                return
            reply = answer(query)
            if reply:
                sock.sendto(reply, peer)
        elif kind == "listen":
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.setblocking(False)
            self.buffers[conn] = b""
            self.sel.register(conn, selectors.EVENT_READ, "tcp")
        else:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.sel.unregister(sock)
                del self.buffers[sock]
                sock.close()
                return
            buf = self.buffers[sock] + data
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
                n = struct.unpack(">H", buf[:2])[0]
                reply = answer(buf[2:2 + n])
                buf = buf[2 + n:]
                if reply:
                    try:
                        sock.sendall(struct.pack(">H", len(reply)) + reply)
                    except OSError:
                        pass
            self.buffers[sock] = buf


def main() -> int:
    # The gap is the point of this program: a real-time priority keeps a loaded machine from
    # stretching it (root only; elsewhere the test reports the gaps it got).
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except (OSError, AttributeError):
        pass
    server = Server(int(sys.argv[1]))
    server.open()
    threading.Thread(target=server.serve, daemon=True).start()
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == "restart":
            gap, cut = server.restart(float(words[1]))
            print(f"gap {gap:.2f} cut {cut}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
