"""labkit: start the real programs (Unbound, BIND, ExaBGP, GoBGP, the sidecar) on loopback.

Shared by the lab (deploy/lab) and the end-to-end tests (tests/e2e): one place that knows how to
configure, start, break and stop them. Standard library only.
"""
