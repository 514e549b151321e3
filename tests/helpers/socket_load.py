"""Keeps sockets busy from another process: ping-pong over many loopback connections.

    python socket_load.py PORT CLIENTS SECONDS

Each of CLIENTS connections to 127.0.0.1:PORT sends a byte and sends another whenever the
echo comes back, until SECONDS have passed.  A separate process, so the load never waits
for the loop under test (or for its GIL).
"""

from __future__ import annotations

import selectors
import socket
import sys
import time


def main() -> None:
    port, clients, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    selector = selectors.DefaultSelector()
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(clients)]
    for connection in connections:
        connection.setblocking(False)
        connection.send(b"x")
        selector.register(connection, selectors.EVENT_READ)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for key, _ in selector.select(0.1):
            if key.fileobj.recv(100):  # type: ignore[union-attr]
                key.fileobj.send(b"x")  # type: ignore[union-attr]
    for connection in connections:
        connection.close()


if __name__ == "__main__":
    main()
