"""Ports for the servers tests start.

Each backend's run has its own range (SQLite 8100-8399, PostgreSQL 8400-8699), and
TEST_PORTS=LOW-HIGH gives a run another (scripts/test runs the browser tests beside the SQLite
suite on 8700-8999), so runs side by side never take each other's port; within a range, a port
something listens on is skipped.
"""

from __future__ import annotations

import os
import random
import socket

from tests.support.backend import backend_name

RANGES = {"sqlite": range(8100, 8400), "postgresql": range(8400, 8700)}


def port_range() -> range:
    given = os.environ.get("TEST_PORTS")
    if given:
        low, high = (int(p) for p in given.split("-"))
        return range(low, high + 1)
    return RANGES[backend_name()]


def free_port() -> int:
    """A port of this run's range that nothing listens on now, starting at a random one."""
    ports = list(port_range())
    start = random.randrange(len(ports))
    for port in ports[start:] + ports[:start]:
        with socket.socket() as s:
            # As the server will: a port left in TIME_WAIT by the last test is free to take.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports[0]}-{ports[-1]}")
