"""Where the memory of an idle connection goes: tracemalloc by allocation site.

    python tests/benchmarks/memory_sites.py [--clients 1000] [--top 25] [--inspector-off]

The headless hub (as ``servers/hub.py headless`` runs it, on the same loop) serves in
this process with tracemalloc on; the benchmark's load generator connects ``--clients``
socket.io-client websocket clients that then stay idle.  The Python heap that is still
allocated a second later, against a snapshot taken before, is divided by the clients:
first by the package of the line that allocated it, then the largest lines.  (The RSS
per connection is the benchmark's: with tracemalloc on, the process's RSS grows by far
more than the heap it traces.)  127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import shutil
import sys
import tracemalloc
from collections import defaultdict
from pathlib import Path
from types import ModuleType

from run import HERE, ROOT, free_port

from server.runtime.event_loop import new_event_loop
from server.runtime.runner import HubServer, tune_gc

SETTLE_S = 1
RAMP_TIMEOUT_S = 120
FRAMES = 1  # the allocating line only: the table says which line holds the memory

def load_hub_module() -> ModuleType:
    """``servers/hub.py``, for its benchmark settings (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("bench_hub", HERE / "servers" / "hub.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def package_of(filename: str) -> str:
    """The package a source file belongs to, as the table groups it."""
    path = Path(filename)
    parts = path.parts
    if ROOT in path.parents:
        return "/".join(path.relative_to(ROOT).parts[:2])
    if "site-packages" in parts:  # the distribution's top-level package
        return Path(parts[parts.index("site-packages") + 1]).stem
    return "asyncio" if "asyncio" in parts else f"stdlib {path.stem}"


def short_site(filename: str, lineno: int) -> str:
    path = Path(filename)
    if ROOT in path.parents:
        return f"{path.relative_to(ROOT)}:{lineno}"
    parts = path.parts
    tail = parts[parts.index("site-packages") + 1:] if "site-packages" in parts else parts[-2:]
    return f"{'/'.join(tail)}:{lineno}"


async def connect_idle_clients(port: int, clients: int) -> asyncio.subprocess.Process:
    """The benchmark's load generator, ``clients`` connected; it keeps them open."""
    node = shutil.which("node") or "node"
    load = await asyncio.create_subprocess_exec(
        node, str(HERE / "loadgen.mjs"), cwd=HERE,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert load.stdin is not None and load.stdout is not None
    command = {"op": "ramp", "url": f"http://127.0.0.1:{port}", "n": clients}
    load.stdin.write((json.dumps(command) + "\n").encode())
    reply = json.loads(await asyncio.wait_for(load.stdout.readline(), RAMP_TIMEOUT_S))
    if reply.get("connected") != clients:
        raise RuntimeError(f"the ramp did not connect every client: {reply}")
    return load


async def measure(clients: int, inspector: bool) -> tuple[tracemalloc.Snapshot,
                                                          tracemalloc.Snapshot]:
    """Snapshots before and after ``clients`` idle connections."""
    port = free_port()
    hub = HubServer(load_hub_module().bench_settings(port, inspector))
    await hub.start()
    tune_gc()
    tracemalloc.start(FRAMES)
    await asyncio.sleep(SETTLE_S)
    gc.collect()
    before = tracemalloc.take_snapshot()
    load = await connect_idle_clients(port, clients)
    try:
        await asyncio.sleep(SETTLE_S)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        assert load.stdin is not None
        load.stdin.close()
        await asyncio.wait_for(load.wait(), RAMP_TIMEOUT_S)
        tracemalloc.stop()
        await hub.stop()
    return before, after


def table(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, clients: int,
          top: int) -> str:
    """The markdown tables: KiB and blocks per connection by package, then by line."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diffs = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "lineno")
    by_package: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for diff in diffs:
        frame = diff.traceback[0]
        totals = by_package[package_of(frame.filename)]
        totals[0] += diff.size_diff
        totals[1] += diff.count_diff
    total = sum(size for size, _ in by_package.values())
    lines = [f"{clients} idle websocket connections: {total / 1024 / clients:.1f} KiB of "
             "Python heap each (tracemalloc).", "",
             "| allocated in | KiB per connection | blocks per connection |",
             "|---|---|---|"]
    for package, (size, count) in sorted(by_package.items(), key=lambda kv: -kv[1][0]):
        if abs(size) / 1024 / clients >= 0.05:
            lines.append(f"| {package} | {size / 1024 / clients:.2f} | {count / clients:.1f} |")
    lines += ["", "| line | KiB per connection | blocks per connection |", "|---|---|---|"]
    for diff in diffs[:top]:
        frame = diff.traceback[0]
        lines.append(f"| {short_site(frame.filename, frame.lineno)} | "
                     f"{diff.size_diff / 1024 / clients:.2f} | {diff.count_diff / clients:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--inspector-off", action="store_true")
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        before, after = runner.run(measure(args.clients, not args.inspector_off))
    sys.stdout.write(table(before, after, args.clients, args.top))


if __name__ == "__main__":
    main()
