"""Instructions per echo round trip, counted by valgrind's cachegrind: the benchmark's
ratios without the machine's noise.

    scripts/benchmark instructions [--servers headless,headless-off] [--round-trips 8000]
        [--baseline DIR]

On a shared 2-core machine the benchmark's round trips per second move by a third from
one round to the next (an A/A run of two identical trees read 0.70x to 1.59x), so a
change that costs or saves a few per cent cannot be seen there.  Instructions can: each
server (as ``servers/hub.py`` runs it; ``baseline`` is ``headless`` from ``--baseline``)
runs twice under cachegrind while 4 python-socketio websocket clients, each alone in its
room, send ``room_message`` with an ack one after another, as the benchmark's echo does
(the hub relays to the room and acknowledges).  The second run makes ``--round-trips``
more round trips than the first; the difference of their instruction counts, divided by
that number, is the cost of one round trip, with start-up and shutdown cancelled out.
Repeated, it agrees within a fraction of a per cent.

Instructions are not time (a cache miss costs more than an add, and valgrind runs the
servers 50 times slower, so they batch less than at full speed), so this complements the
benchmark; it does not replace it.  The table goes to results/<date>-instructions.md.
127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import socketio
from run import HERE, RESULTS, ROOT, free_port

CLIENTS = 4
WARM_ROUND_TRIPS = 200  # per client, in both runs: connections made, caches and journal warm
READY_TIMEOUT_S = 300  # Python and Qt start 50 times slower under valgrind
CALL_TIMEOUT_S = 120
EXIT_TIMEOUT_S = 300
MODES = {"headless": "headless", "headless-off": "headless-off",
         "headless-asyncio": "headless-asyncio", "desktop": "desktop",
         "baseline": "headless"}


async def echo(port: int, per_client: int) -> None:
    """``per_client`` acknowledged ``room_message`` round trips from each client in turn."""
    clients = [socketio.AsyncClient() for _ in range(CLIENTS)]
    for number, client in enumerate(clients):
        await client.connect(f"http://127.0.0.1:{port}", transports=["websocket"],
                             wait_timeout=CALL_TIMEOUT_S)
        await client.call("join", f"echo-{number}", timeout=CALL_TIMEOUT_S)

    async def send(number: int, client: socketio.AsyncClient) -> None:
        for _ in range(per_client):
            await client.call("room_message", {"room": f"echo-{number}", "data": "ping"},
                              timeout=CALL_TIMEOUT_S)

    await asyncio.gather(*(send(number, client) for number, client in enumerate(clients)))
    for client in clients:
        await client.disconnect()


def instructions(server: str, tree: Path, per_client: int, workdir: Path) -> int:
    """The instructions the server ran, start to exit, serving ``per_client`` round trips
    from each client."""
    port = free_port()
    counts = workdir / f"cachegrind-{server}-{per_client}"
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
               f"--cachegrind-out-file={counts}", sys.executable,
               os.fspath(HERE / "servers/hub.py"), MODES[server], str(port),
               os.fspath(workdir / f"ticks-{port}.json")]
    env = {**os.environ, "PYTHONPATH": os.fspath(tree)}
    hub = subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
    try:
        assert hub.stdout is not None
        timer = threading.Timer(READY_TIMEOUT_S, hub.kill)
        timer.start()
        ready = hub.stdout.readline().strip() == "ready"
        timer.cancel()
        if not ready:
            raise RuntimeError(f"{server} did not start under valgrind")
        asyncio.run(echo(port, per_client))
    finally:
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            hub.kill()
            raise
    for line in counts.read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise RuntimeError(f"no summary in {counts}")


def per_round_trip(server: str, tree: Path, round_trips: int, workdir: Path) -> float:
    """Instructions per round trip: two runs side by side (one per core), differenced."""
    extra = round_trips // CLIENTS
    with ThreadPoolExecutor(2) as pool:
        short = pool.submit(instructions, server, tree, WARM_ROUND_TRIPS, workdir)
        long = pool.submit(instructions, server, tree, WARM_ROUND_TRIPS + extra, workdir)
        return (long.result() - short.result()) / (extra * CLIENTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="headless,headless-off",
                        help=f"from {', '.join(MODES)}")
    parser.add_argument("--round-trips", type=int, default=8000)
    parser.add_argument("--baseline", type=Path,
                        help="the source tree the 'baseline' server runs from")
    args = parser.parse_args()
    servers = args.servers.split(",")
    if unknown := set(servers) - set(MODES):
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    if "baseline" in servers and args.baseline is None:
        parser.error("the baseline server needs --baseline DIR")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (scripts/benchmark instructions installs it)")
    with tempfile.TemporaryDirectory(prefix="instructions-") as workdir:
        costs = {server: per_round_trip(server, args.baseline if server == "baseline" else ROOT,
                                        args.round_trips, Path(workdir))
                 for server in servers}
    first = servers[0]
    lines = [f"Instructions per echo round trip of {dt.date.today().isoformat()} "
             f"({args.round_trips:,} round trips from {CLIENTS} websocket clients, "
             f"cachegrind); ratio to {first}:", "",
             "| server | instructions per round trip | ratio |", "|---|---|---|",
             *(f"| {server} | {cost:,.0f} | {cost / costs[first]:.3f}x |"
               for server, cost in costs.items())]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{dt.date.today().isoformat()}-instructions.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
