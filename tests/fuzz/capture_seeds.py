#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (tests/fuzz/corpus/<target>/) from real sources.

fuzz_classify: replies captured from a real Unbound and a real BIND 9.18 started on loopback by
labkit (every reason the classifier knows how to give: ok, nodata, nxdomain, servfail, refused,
several record types, a TCP reply), each behind the two option bytes fuzz_classify.cpp reads.
fuzz_api_line: the ExaBGP 4.2.21 output captured in tests/unit/bridge/api_message_test.cpp.
fuzz_config: the configurations of deploy/examples and the contract's example.
fuzz_probe_args: probe command lines, one argument per line.

Run it again after changing the option-byte layout of fuzz_classify.cpp. Loopback only.
"""
import re
import socket
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

from labkit.common import make_workdir  # noqa: E402
from labkit.resolvers import Bind, Unbound  # noqa: E402

CORPUS = HERE / "corpus"
# Must match kNames and kTypes in fuzz_classify.cpp.
NAMES = ["probe.health.test.", "txt.health.test.", "health.test.", "www.example.test.",
         "nx.health.test.", "x1.example.test.", "probe.health.test", "."]
TYPES = [1, 28, 16, 6, 2, 15, 5, 255]
RCODES = {"NOERROR": 0, "SERVFAIL": 2, "NXDOMAIN": 3, "REFUSED": 5}


def query_packet(qid, name, qtype):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".") if p)
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack(
        ">HH", qtype, 1)


def ask(port, name, qtype, tcp=False, qid=0x4a4b):
    q = query_packet(qid, name, qtype)
    if tcp:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(struct.pack(">H", len(q)) + q)
            n = struct.unpack(">H", s.recv(2))[0]
            data = b""
            while len(data) < n:
                data += s.recv(n - len(data))
            return data
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(q, ("127.0.0.1", port))
        return s.recvfrom(4096)[0]


def save_reply(tag, reply, name, qtype, rcode="NOERROR", answers=0):
    o0 = NAMES.index(name) | TYPES.index(qtype) << 3 | 0x40  # check the ID
    o1 = RCODES[rcode] | answers << 4
    path = CORPUS / "fuzz_classify" / f"{tag}.bin"
    path.write_bytes(bytes([o0, o1]) + reply)
    print(f"{path.relative_to(ROOT)}: {len(reply)} bytes, rcode {reply[3] & 15}")


def capture_replies():
    (CORPUS / "fuzz_classify").mkdir(parents=True, exist_ok=True)
    work = make_workdir("acs-seeds-")
    auth = Bind(work, role="authoritative").start()
    unbound = Unbound(work, stub_port=auth.port).start()
    bind = Bind(work, role="resolver", upstream_port=auth.port).start()
    refusing = Unbound(work, refuse=True, name="unbound-refuse").start()
    try:
        for server, port in (("unbound", unbound.port), ("bind", bind.port)):
            save_reply(f"{server}-a-ok", ask(port, NAMES[0], 1), NAMES[0], 1, answers=1)
            save_reply(f"{server}-aaaa-nodata", ask(port, NAMES[0], 28), NAMES[0], 28)
            save_reply(f"{server}-txt", ask(port, NAMES[1], 16), NAMES[1], 16, answers=4)
            save_reply(f"{server}-soa", ask(port, NAMES[2], 6), NAMES[2], 6)
            save_reply(f"{server}-ns", ask(port, NAMES[2], 2), NAMES[2], 2)
            save_reply(f"{server}-nxdomain", ask(port, NAMES[4], 1), NAMES[4], 1, "NXDOMAIN")
            save_reply(f"{server}-recursion", ask(port, NAMES[3], 1), NAMES[3], 1)
            save_reply(f"{server}-mx-nodata", ask(port, NAMES[0], 15), NAMES[0], 15)
            save_reply(f"{server}-a-tcp", ask(port, NAMES[0], 1, tcp=True), NAMES[0], 1,
                       answers=1)
        save_reply("unbound-refused", ask(refusing.port, NAMES[0], 1), NAMES[0], 1)
        auth.stop()
        for server, port in (("unbound", unbound.port), ("bind", bind.port)):
            save_reply(f"{server}-servfail", ask(port, NAMES[5], 1), NAMES[5], 1)
    finally:
        for proc in (refusing, bind, unbound, auth):
            proc.stop()


def api_lines():
    out = CORPUS / "fuzz_api_line"
    out.mkdir(parents=True, exist_ok=True)
    test = (ROOT / "tests/unit/bridge/api_message_test.cpp").read_text()
    consts = dict(re.findall(r'const std::string (k\w+) =\s*R"(?:json)?\((.*?)\)(?:json)?";', test,
                             re.S))
    consts.update(re.findall(r'const std::string (kText\w+|kVersion) =\s*"(.*?)";', test))
    consts["kTextDown"] = ("neighbor 127.0.0.3 down - peer reset, message [notification received"
                           " (6,3)] error[Cease / Peer De-configured]")
    for name, line in consts.items():
        (out / f"{name}.txt").write_text(line + "\n")
    session = [consts[k] for k in ("kConnected", "kUp", "kVersion")] + [
        "done", "done", "error", consts["kVersion"], "done", "done",
        consts["kDownShuttingDown"], consts["kNotificationShutdown"]]
    (out / "session-json.txt").write_text("\n".join(session) + "\n")
    text = [consts[k] for k in ("kTextConnected", "kTextUp", "kVersion", "kTextDown",
                                "kTextShutdown")]
    (out / "session-text.txt").write_text("\r\n\r\n".join(text) + "\r\n")
    (out / "acks.txt").write_text("done\n" * 40 + "error\ndone\n")
    print(f"{out.relative_to(ROOT)}: {len(consts) + 3} files")


def configs():
    out = CORPUS / "fuzz_config"
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for path in sorted((ROOT / "deploy/examples").glob("*.json")):
        (out / path.name).write_bytes(path.read_bytes())
        n += 1
    print(f"{out.relative_to(ROOT)}: {n} files")


PROBE_ARGS = {
    "adhoc": ["@127.0.0.1", "probe.health.test"],
    "adhoc-all": ["@127.0.0.1:5301", "probe.health.test.", "AAAA", "--tcp", "--count", "5",
                  "--interval-ms=20", "--timeout-ms", "300", "--expect-rcode", "NXDOMAIN",
                  "--expect-answer", "192.0.2.1", "--expect-answer", "2001:db8::1", "--json"],
    "adhoc-v6": ["@[::1]:5353", "txt.health.test", "TXT", "--expect-answer=healthy"],
    "config": ["--config", "/etc/anycast-sidecar/sidecar.json", "--service", "resolver",
               "--json"],
    "help": ["--help"],
    "bad-port": ["@127.0.0.1:0", "x"],
}


def probe_args():
    out = CORPUS / "fuzz_probe_args"
    out.mkdir(parents=True, exist_ok=True)
    for name, argv in PROBE_ARGS.items():
        (out / f"{name}.txt").write_text("\n".join(argv))
    print(f"{out.relative_to(ROOT)}: {len(PROBE_ARGS)} files")


if __name__ == "__main__":
    api_lines()
    configs()
    probe_args()
    capture_replies()
