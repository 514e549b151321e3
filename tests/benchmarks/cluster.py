"""The cluster benchmark: what the Redis path costs, on one machine.

    python tests/benchmarks/cluster.py [--rounds 3] [--quick]

Each round starts a redis-server, two headless hubs that are nodes of one cluster on it
and one single hub without Redis, then runs, each with a fresh load generator
(loadgen.mjs):

- relay: pairs of clients sharing a room; one sends ``room_message``, the other sends
  it back, round trips and their p50/p99 latency, with both ends on the single hub, on
  one node of the cluster, and on two nodes;
- broadcast: 1,000 clients, one sends ``message`` to all others (a burst, then paced
  10/s), on the single hub and split 500/500 over the two nodes.

For each scenario, the CPU seconds and the RSS of each node, of the single hub and of
Redis.  On a 2-core machine three processes share the cores: no speed-up can show, the
figures are the cost of the Redis path.  127.0.0.1 only; every wait is bounded.
Results go to results/<date>-cluster.json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from run import COMMAND_TIMEOUT_S, HERE, READY_TIMEOUT_S, RESULTS, ROOT, free_port, machine

sys.path.insert(0, str(HERE.parent))
from helpers.redis_server import RedisServer

FULL = {"pairs": 50, "relay_s": 10, "clients": 1000, "messages": 200, "paced_per_s": 10,
        "broadcast_timeout_s": 30}
QUICK = {"pairs": 10, "relay_s": 2, "clients": 100, "messages": 20, "paced_per_s": 10,
         "broadcast_timeout_s": 10}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def usage(pid: int) -> tuple[float, float]:
    """CPU seconds so far and RSS (MiB) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return cpu, rss


class Hub:
    """servers/hub.py headless, a node of the cluster when given a Redis URL."""

    def __init__(self, workdir: Path, redis_url: str | None) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if redis_url:
            env.update(SOCKETIO_REDIS_URL=redis_url, SOCKETIO_CLUSTER_NAME="benchmark")
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "servers/hub.py"), "headless", str(self.port),
             str(workdir / f"ticks-{self.port}.json")], cwd=ROOT, env=env, text=True,
            stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while self.process.stdout.readline().strip() != "ready":
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.process.kill()
                raise RuntimeError("a hub did not start")
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Load:
    """One loadgen.mjs process; ``command`` sends one command and returns its reply."""

    def __init__(self) -> None:
        node = shutil.which("node") or "node"
        self.process = subprocess.Popen([node, str(HERE / "loadgen.mjs")], cwd=HERE,
                                        text=True, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)

    def command(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        reply: dict[str, Any] = json.loads(line) if line else {"error": "loadgen exited"}
        if "error" in reply:
            raise RuntimeError(f"{command['op']}: {reply['error']}")
        return reply

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def measured(pids: dict[str, int], run: Any) -> dict[str, Any]:
    """``run()``'s reply, with each process's CPU seconds during it and RSS after, and the
    CPU time of all of them per round trip (relay) or per delivery (broadcast)."""
    before = {name: usage(pid)[0] for name, pid in pids.items()}
    reply: dict[str, Any] = run()
    for name, pid in pids.items():
        cpu, rss = usage(pid)
        reply[f"{name}_cpu_s"] = cpu - before[name]
        reply[f"{name}_rss_mib"] = rss
    messages = reply.get("roundtrips", reply.get("delivered"))
    if messages:
        reply["cpu_ms_per_message"] = 1000 * sum(reply[f"{name}_cpu_s"] for name in pids) \
            / messages
    return reply


def scenario(pids: dict[str, int], urls: list[str], clients: int,
             commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``clients`` clients spread evenly over ``urls`` (in that order), then ``commands``,
    each measured."""
    load = Load()
    try:
        for url in urls:
            load.command(op="ramp", url=url, n=clients // len(urls))
        return [measured(pids, lambda c=c: load.command(**c)) for c in commands]
    finally:
        load.close()


def run_round(plan: dict[str, Any], workdir: Path) -> dict[str, Any]:
    redis = RedisServer()
    redis.start()
    hubs: list[Hub] = []
    try:
        hubs = [Hub(workdir, redis.url), Hub(workdir, redis.url), Hub(workdir, None)]
        first, second, single = hubs
        pids = {"node1": first.process.pid, "node2": second.process.pid,
                "single": single.process.pid, "redis": redis.pid}
        relay = {"op": "relay", "pairs": plan["pairs"], "seconds": plan["relay_s"]}
        broadcasts = [{"op": "broadcast", "messages": plan["messages"], "per_s": per_s,
                       "timeout_s": plan["broadcast_timeout_s"]}
                      for per_s in (0, plan["paced_per_s"])]
        result: dict[str, Any] = {}
        for name, urls in (("single hub", [single.url]), ("one node", [first.url]),
                           ("two nodes", [first.url, second.url])):
            [result[f"relay, {name}"]] = scenario(pids, urls, 2 * plan["pairs"], [relay])
        for name, urls in (("single hub", [single.url]), ("two nodes", [first.url, second.url])):
            burst, paced = scenario(pids, urls, plan["clients"], broadcasts)
            result[f"broadcast burst, {name}"] = burst
            result[f"broadcast paced, {name}"] = paced
        return result
    finally:
        for hub in hubs:
            hub.stop()
        redis.close()


def markdown(rounds: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """Medians over the rounds: one row a scenario."""
    columns = [("round trips/s", "per_s"), ("p50 ms", "p50_ms"), ("p99 ms", "p99_ms"),
               ("% delivered", "percent"), ("CPU ms per message", "cpu_ms_per_message"),
               ("node1 CPU s", "node1_cpu_s"),
               ("node2 CPU s", "node2_cpu_s"), ("single hub CPU s", "single_cpu_s"),
               ("Redis CPU s", "redis_cpu_s"), ("node1 RSS MiB", "node1_rss_mib"),
               ("node2 RSS MiB", "node2_rss_mib"), ("single hub RSS MiB", "single_rss_mib"),
               ("Redis RSS MiB", "redis_rss_mib")]
    lines = [f"Cluster benchmark of {meta['date']} on {meta['machine']}; {meta['rounds']} "
             "rounds, medians. Relays: round trips/s; broadcasts: deliveries/s. CPU ms per "
             "message: all four processes' CPU time per round trip or delivery.", "",
             "| scenario | " + " | ".join(title for title, _ in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    for name in rounds[0]:
        cells = []
        for _, key in columns:
            values = [r[name][key] for r in rounds if r[name].get(key) is not None]
            cells.append(f"{statistics.median(values):,.2f}" if values else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the harness")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    meta = {"date": dt.date.today().isoformat(), "machine": machine(), "rounds": args.rounds,
            "plan": plan}
    rounds = []
    with tempfile.TemporaryDirectory() as workdir:
        for number in range(1, args.rounds + 1):
            print(f"cluster round {number}", file=sys.stderr, flush=True)
            rounds.append(run_round(plan, Path(workdir)))
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / (meta["date"] + "-cluster" + ("-quick" if args.quick else ""))
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "rounds": rounds},
                                                    indent=1) + "\n")
    text = markdown(rounds, meta)
    stem.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
