#!/usr/bin/env python3
"""STAND-IN, not product code: the April 2021 health checker (README.md, "Why it exists").

An ExaBGP `process` child that writes --count commands as fast as it can and NEVER reads its
stdin, so ExaBGP's acknowledgements pile up in the pipe until ExaBGP blocks
writing to it. Used by the negative-control tests to prove their assertions can fail.

--mode announce (default) re-announces the same route every time, as a health checker does on
every passing check: the route stays at the router until the wedge takes the session down.
--mode alternate flips between announce and withdraw (ends on a withdraw when --count is even).

Progress goes to stderr (ExaBGP's log file in labkit) every --report commands and at the end, as
`deaf_child: N commands written`. After the last command it stays alive, still not reading, until
its parent (ExaBGP) goes away, so ExaBGP does not respawn it with a fresh pipe.
"""
import argparse
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000, help="commands to write")
    parser.add_argument("--prefix", default="192.0.2.53/32")
    parser.add_argument("--next-hop", default="192.0.2.254",
                        help="GoBGP drops 127/8 next-hops: keep a documentation address")
    parser.add_argument("--mode", choices=("announce", "alternate"), default="announce")
    parser.add_argument("--report", type=int, default=1000, help="progress line every N commands")
    args = parser.parse_args()

    parent = os.getppid()
    out = sys.stdout
    written = 0
    try:
        for i in range(args.count):
            verb = "withdraw" if args.mode == "alternate" and i % 2 else "announce"
            # Unbuffered per line on purpose: each command reaches ExaBGP as soon as it is written.
            out.write(f"{verb} route {args.prefix} next-hop {args.next_hop}\n")
            out.flush()
            written += 1
            if written % args.report == 0:
                print(f"deaf_child: {written} commands written", file=sys.stderr, flush=True)
    except BrokenPipeError:  # ExaBGP is gone
        # Keeps the interpreter's final flush of stdout from reporting the broken pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"deaf_child: {written} commands written, then ExaBGP went away", file=sys.stderr,
              flush=True)
        return 0
    print(f"deaf_child: {written} commands written (all)", file=sys.stderr, flush=True)
    while os.getppid() == parent:
        time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
