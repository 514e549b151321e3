"""The benchmark: the same Node socket.io-client load against each server, interleaved.

    python tests/benchmarks/run.py [--rounds 3]
        [--servers desktop,headless,headless-off,reference,stock] [--quick] [--churn-only]
        [--scenarios echo,memory,burst,paced,big] [--baseline DIR]
    python tests/benchmarks/run.py --traffic [--traffic-seconds 60]

Each round runs every server in turn, each round starting one server later (A B C, B C A,
C A B, ...), each through sessions with a fresh server process: (1) echo with 100 clients
for 10 s, a ramp to 1,000 clients, memory per idle connection, a broadcast of 200 messages
to those 1,000 clients in a burst and then paced at 10/s, and the time from SIGTERM to the
process's exit with 1,000 clients connected; (2) a ramp to 5,000 clients; (3) in the first
round only, churn: rounds of thousands of clients that connect and leave again, one in
four dropping its TCP connection without a close, with the server's RSS after each round
(it must stay flat: closed sessions must not pile up as garbage).  Every server runs a
16 ms timer (the desktop a QTimer); its largest and p99 gap are taken within each scenario.
Medians over the rounds, with ratios to the reference Node server, are written to
results/<date>.json and results/<date>.md.  127.0.0.1 only; every wait is bounded.

``--traffic`` runs only the traffic view's scenario (``run_traffic``): the desktop app
with its Traffic tab in front, 1,000 clients, 2,000 journal entries a second for a minute;
the 16 ms timer's gaps and how late entries reach the view, in results/<date>-traffic.*.

For an A/B of a change: ``--scenarios`` runs only some of the first session's scenarios
(``memory`` is the ramp to 1,000, ``big`` the ramp to 5,000; ``burst`` and ``paced`` ramp
too), and the server ``baseline`` is the headless hub from another source tree
(``--baseline DIR``, e.g. ``git archive`` of the commit before), run beside ``headless``
in every round; their ratio per round is reported.  ``baseline-desktop`` is the desktop
app from that tree, beside ``desktop``; ``headless-asyncio`` the headless hub on asyncio's
loop (``HubSelectorEventLoop``) instead of uvloop, the loop the desktop's builds on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = HERE / "results"
SERVERS = ("desktop", "headless", "headless-off", "reference", "stock")
SCENARIOS = ("echo", "memory", "burst", "paced", "big")
LABELS = {
    "desktop": "our hub, desktop (shared Qt loop)",
    "headless": "our hub, headless (uvloop)",
    "headless-off": "our hub, headless, inspector off",
    "reference": "Node socket.io 4 (reference)",
    "stock": "stock python-socketio + uvicorn + uvloop",
    "baseline": "our hub, headless, from --baseline",
    "baseline-desktop": "our hub, desktop, from --baseline",
    "headless-asyncio": "our hub, headless on asyncio's loop",
}
READY_TIMEOUT_S = 30
EXIT_TIMEOUT_S = 15
COMMAND_TIMEOUT_S = 180
FULL = {"echo_clients": 100, "echo_s": 10, "ramp": 1000, "big_ramp": 5000, "messages": 200,
        "paced_per_s": 10, "broadcast_timeout_s": 30, "churn_rounds": 3, "churn_connects": 4000}
QUICK = {"echo_clients": 20, "echo_s": 2, "ramp": 100, "big_ramp": 300, "messages": 20,
         "paced_per_s": 10, "broadcast_timeout_s": 10, "churn_rounds": 2, "churn_connects": 300}
CHURN_ABRUPT_EVERY = 4
SETTLE_S = 1  # after a round of churn: the last closes reach the server

def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """The process's user and system CPU time so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def gaps(ticks: list[float], start: float, end: float) -> dict[str, float | None]:
    """Largest and p99 interval (ms) between the timer's ticks within [start, end]."""
    inside = [t for t in ticks if start <= t <= end]
    intervals = sorted(b - a for a, b in itertools.pairwise(inside))
    if not intervals:
        return {"max_ms": None, "p99_ms": None}
    p99 = intervals[min(len(intervals) - 1, int(0.99 * len(intervals)))]
    return {"max_ms": intervals[-1], "p99_ms": p99}


class Session:
    """One server process and one load generator process talking to it."""

    baseline: Path | None = None
    """The source tree the ``baseline`` server runs from (``--baseline``)."""

    def __init__(self, server: str, workdir: Path) -> None:
        self.port = free_port()
        self.ticks_file = workdir / f"ticks-{server}-{self.port}.json"
        python, node = sys.executable, shutil.which("node") or "node"
        args = {
            "desktop": [python, HERE / "servers/hub.py", "desktop"],
            "desktop-traffic": [python, HERE / "servers/hub.py", "desktop-traffic"],
            "headless": [python, HERE / "servers/hub.py", "headless"],
            "baseline": [python, HERE / "servers/hub.py", "headless"],
            "baseline-desktop": [python, HERE / "servers/hub.py", "desktop"],
            "headless-asyncio": [python, HERE / "servers/hub.py", "headless-asyncio"],
            "headless-off": [python, HERE / "servers/hub.py", "headless-off"],
            "reference": [node, HERE / "servers/reference.mjs"],
            "stock": [python, HERE / "servers/stock.py"],
        }[server] + [str(self.port), str(self.ticks_file)]
        tree = self.baseline if server.startswith("baseline") and self.baseline else ROOT
        env = {**os.environ, "PYTHONPATH": str(tree)}
        self.server = subprocess.Popen([str(a) for a in args], cwd=ROOT, env=env, text=True,
                                       stdout=subprocess.PIPE)
        assert self.server.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while self.server.stdout.readline().strip() != "ready":
            if time.monotonic() > deadline or self.server.poll() is not None:
                self.server.kill()
                raise RuntimeError(f"{server} did not start")
        self.load = subprocess.Popen([node, str(HERE / "loadgen.mjs")], cwd=HERE, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.windows: dict[str, tuple[float, float]] = {}

    def command(self, phase: str | None, **command: Any) -> dict[str, Any]:
        assert self.load.stdin and self.load.stdout
        started = time.time() * 1000
        self.load.stdin.write(json.dumps(command) + "\n")
        self.load.stdin.flush()
        line = self.load.stdout.readline()  # the load generator bounds each command
        if phase:
            self.windows[phase] = (started, time.time() * 1000)
        reply = json.loads(line) if line else {"error": "load generator exited"}
        if "error" in reply:
            raise RuntimeError(f"{command['op']}: {reply['error']}")
        return reply

    def stop(self) -> float:
        """SIGTERM the server; seconds until it exited (killed after EXIT_TIMEOUT_S)."""
        # A blocking wait sees the exit at once; Popen.wait(timeout) polls every 50 ms.
        deadline = threading.Timer(EXIT_TIMEOUT_S, self.server.kill)
        deadline.start()
        started = time.monotonic()
        self.server.send_signal(signal.SIGTERM)
        self.server.wait()
        took = time.monotonic() - started
        deadline.cancel()
        assert self.load.stdin
        self.load.stdin.close()
        try:
            self.load.wait(30)
        except subprocess.TimeoutExpired:
            self.load.kill()
        return took

    def timer_gaps(self) -> dict[str, dict[str, float | None]]:
        ticks = json.loads(self.ticks_file.read_text()) if self.ticks_file.exists() else []
        return {phase: gaps(ticks, *window) for phase, window in self.windows.items()}


def run_server(server: str, plan: dict[str, Any], workdir: Path, churn: bool,
               scenarios: tuple[str, ...] = SCENARIOS) -> dict[str, Any]:
    result: dict[str, Any] = {}
    session = Session(server, workdir)
    try:
        url = f"http://127.0.0.1:{session.port}"
        if "echo" in scenarios:
            session.command(None, op="ramp", url=url, n=plan["echo_clients"])
            cpu_before = cpu_seconds(session.server.pid)
            result["echo"] = session.command("echo", op="echo", clients=plan["echo_clients"],
                                             seconds=plan["echo_s"])
            # What a round trip costs the server, whatever else the machine is running.
            result["echo"]["cpu_us"] = ((cpu_seconds(session.server.pid) - cpu_before) * 1e6
                                        / max(1, result["echo"]["roundtrips"]))
            session.command(None, op="close")
        if {"memory", "burst", "paced"} & set(scenarios):
            time.sleep(1)
            before = rss_kib(session.server.pid)
            result["connect"] = session.command("connect", op="ramp", url=url, n=plan["ramp"])
            time.sleep(1)
            result["memory_kib_per_connection"] = (
                (rss_kib(session.server.pid) - before) / plan["ramp"])
        for phase, per_s in (("burst", 0), ("paced", plan["paced_per_s"])):
            if phase in scenarios:
                result[phase] = session.command(
                    phase, op="broadcast", messages=plan["messages"], per_s=per_s,
                    timeout_s=plan["broadcast_timeout_s"])
    finally:
        result["shutdown_s"] = session.stop()
    result["timer"] = session.timer_gaps()
    if "big" in scenarios:
        result["big_connect"], big_gaps = run_big_ramp(server, plan, workdir)
        result["timer"].update(big_gaps)
    if churn:
        result["churn"] = run_churn(server, plan, workdir)
    return result


def run_big_ramp(server: str, plan: dict[str, Any], workdir: Path
                 ) -> tuple[dict[str, Any], dict[str, dict[str, float | None]]]:
    """The ramp to 5,000 clients on a fresh server, and the timer's gaps during it."""
    session = Session(server, workdir)
    try:
        url = f"http://127.0.0.1:{session.port}"
        big_connect = session.command("big_connect", op="ramp", url=url, n=plan["big_ramp"])
    finally:
        session.stop()
    return big_connect, session.timer_gaps()


def run_churn(server: str, plan: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Rounds of clients connecting and leaving; the server's RSS (MiB) before and after each."""
    session = Session(server, workdir)
    try:
        url = f"http://127.0.0.1:{session.port}"
        time.sleep(SETTLE_S)
        rss = [rss_kib(session.server.pid) / 1024]
        failed = 0
        for _ in range(plan["churn_rounds"]):
            reply = session.command(None, op="churn", url=url, n=plan["churn_connects"],
                                    abrupt_every=CHURN_ABRUPT_EVERY)
            failed += reply["failed"]
            time.sleep(SETTLE_S)
            rss.append(rss_kib(session.server.pid) / 1024)
    finally:
        session.stop()
    return {"rss_mib": rss, "first_mib": rss[1], "last_mib": rss[-1],
            "growth_mib": rss[-1] - rss[1], "failed": failed}


TRAFFIC = {"clients": 1000, "entries_per_s": 2000, "seconds": 60}
"""The issue's scenario: each room_message the load sends is two journal entries."""


def run_traffic(plan: dict[str, Any], workdir: Path, server: str) -> dict[str, Any]:
    """The desktop app under a steady flood of journal entries: the 16 ms timer's gaps,
    and with the Traffic tab in front (``desktop-traffic``) the view's lag behind the
    journal (from an entry's record to its row in the view's model)."""
    session = Session(server, workdir)
    try:
        url = f"http://127.0.0.1:{session.port}"
        connected = session.command(None, op="ramp", url=url, n=plan["clients"])
        load = session.command("traffic", op="telemetry", per_s=plan["entries_per_s"] / 2,
                               seconds=plan["seconds"])
    finally:
        session.stop()
    result = {"connected": connected["connected"], "sent_per_s": load["per_s"],
              "timer": session.timer_gaps()["traffic"]}
    lags_file = session.ticks_file.with_suffix(".lags.json")
    if lags_file.exists():
        start, end = session.windows["traffic"]
        lags = sorted(lag for shown, lag in json.loads(lags_file.read_text())
                      if start <= shown <= end)
        if not lags:
            raise RuntimeError("the traffic view showed no entry")
        result["entries_shown_per_s"] = len(lags) / ((end - start) / 1000)
        result["lag_ms"] = {"p50": statistics.median(lags),
                            "p99": lags[min(len(lags) - 1, int(0.99 * len(lags)))],
                            "max": lags[-1]}
    return result


def traffic_markdown(results: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    shown, behind = results["traffic tab"], results["clients tab"]
    plan, lag = meta["plan"], shown["lag_ms"]
    rows = [("16 ms timer: p99 gap (ms)", "p99_ms", "under 33"),
            ("16 ms timer: largest gap (ms)", "max_ms", "under 100")]
    lines = [f"Traffic view of {meta['date']} on {meta['machine']} (load average "
             f"{meta['load']}): {shown['connected']:,} clients, "
             f"{shown['entries_shown_per_s']:,.0f} journal entries/s shown for "
             f"{plan['seconds']:g} s (asked: {plan['entries_per_s']:,}).", "",
             "| | Traffic tab in front | Clients tab in front (baseline) | target |",
             "|---|---|---|---|"]
    lines += [f"| {label} | {shown['timer'][key]:.0f} | {behind['timer'][key]:.0f} | {goal} |"
              for label, key, goal in rows]
    lines += [f"| view behind the journal: median (ms) | {lag['p50']:.0f} | | |",
              f"| view behind the journal: p99 (ms) | {lag['p99']:.0f} | | under 500 |",
              f"| view behind the journal: largest (ms) | {lag['max']:.0f} | | |"]
    return "\n".join(lines) + "\n"


def traffic_main(seconds: float) -> None:
    """The traffic scenario with the Traffic tab in front, then with the Clients tab in
    front (the same load without the view), back to back."""
    meta = {"date": dt.date.today().isoformat(), "machine": machine(),
            "plan": {**TRAFFIC, "seconds": seconds},
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for label, server in (("traffic tab", "desktop-traffic"), ("clients tab", "desktop")):
            print(f"traffic scenario: {label}", file=sys.stderr, flush=True)
            results[label] = run_traffic(meta["plan"], Path(workdir), server)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"{meta['date']}-traffic"
    stem.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    text = traffic_markdown(results, meta)
    stem.with_suffix(".md").write_text(text)
    print(text)


# -- figures ----------------------------------------------------------------------------

ROWS: list[tuple[str, tuple[str, ...], str, bool]] = [
    # (label, path into a result, format, higher is better)
    ("echo, 100 clients: round trips/s", ("echo", "per_s"), "{:,.0f}", True),
    ("echo p50 latency (ms)", ("echo", "p50_ms"), "{:.2f}", False),
    ("echo p99 latency (ms)", ("echo", "p99_ms"), "{:.2f}", False),
    ("echo: server CPU per round trip (µs)", ("echo", "cpu_us"), "{:.0f}", False),
    ("broadcast burst to 1,000: delivered/s", ("burst", "per_s"), "{:,.0f}", True),
    ("broadcast burst: % delivered", ("burst", "percent"), "{:.1f}", True),
    ("broadcast burst: p99 latency (ms)", ("burst", "p99_ms"), "{:,.0f}", False),
    ("paced 10/s to 1,000: p50 latency (ms)", ("paced", "p50_ms"), "{:.1f}", False),
    ("paced 10/s to 1,000: p99 latency (ms)", ("paced", "p99_ms"), "{:.1f}", False),
    ("paced: % delivered", ("paced", "percent"), "{:.1f}", True),
    ("connect 1,000 clients (s)", ("connect", "ms"), "{:.2f}", False),
    ("connect 5,000 clients (s)", ("big_connect", "ms"), "{:.2f}", False),
    ("connect 5,000: failures", ("big_connect", "failed"), "{:.0f}", False),
    ("memory per idle connection (KiB)", ("memory_kib_per_connection",), "{:.1f}", False),
    ("16 ms timer during echo: largest gap (ms)", ("timer", "echo", "max_ms"), "{:.0f}", False),
    ("16 ms timer during echo: p99 gap (ms)", ("timer", "echo", "p99_ms"), "{:.0f}", False),
    ("16 ms timer during paced: largest gap (ms)", ("timer", "paced", "max_ms"), "{:.0f}",
     False),
    ("16 ms timer during paced: p99 gap (ms)", ("timer", "paced", "p99_ms"), "{:.0f}", False),
    ("16 ms timer during burst: largest gap (ms)", ("timer", "burst", "max_ms"), "{:.0f}",
     False),
    ("16 ms timer during 5,000 ramp: largest gap (ms)", ("timer", "big_connect", "max_ms"),
     "{:.0f}", False),
    ("shutdown with 1,000 connected (s)", ("shutdown_s",), "{:.2f}", False),
    ("churn: RSS after the first round (MiB)", ("churn", "first_mib"), "{:.0f}", False),
    ("churn: RSS after the last round (MiB)", ("churn", "last_mib"), "{:.0f}", False),
    ("churn: growth from the first round to the last (MiB)", ("churn", "growth_mib"),
     "{:.0f}", False),
    ("churn: failed connects", ("churn", "failed"), "{:.0f}", False),
]


def pick(result: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if value is None:
        return None
    return float(value) / (1000 if path[-1] == "ms" and path[0] != "timer" else 1)


def medians(rounds: list[dict[str, dict[str, Any]]], servers: list[str]
            ) -> dict[str, dict[str, float | None]]:
    table: dict[str, dict[str, float | None]] = {}
    for label, path, _, _ in ROWS:
        table[label] = {}
        for server in servers:
            values = [v for r in rounds if server in r
                      if (v := pick(r[server], path)) is not None]
            table[label][server] = statistics.median(values) if values else None
    return table


PAIRS = {
    # (numerator, denominator): the rows whose ratio is an issue's target
    ("headless", "reference"): ("echo, 100 clients: round trips/s",
                                "echo: server CPU per round trip (µs)",
                                "broadcast burst to 1,000: delivered/s"),
    ("desktop", "headless"): ("echo, 100 clients: round trips/s",
                              "echo: server CPU per round trip (µs)",
                              "broadcast burst to 1,000: delivered/s",
                              "connect 5,000 clients (s)"),
    ("headless", "headless-off"): ("echo, 100 clients: round trips/s",
                                   "echo: server CPU per round trip (µs)",
                                   "broadcast burst to 1,000: delivered/s"),
    ("headless", "baseline"): ("echo, 100 clients: round trips/s",
                               "echo: server CPU per round trip (µs)",
                               "broadcast burst to 1,000: delivered/s",
                               "memory per idle connection (KiB)",
                               "16 ms timer during 5,000 ramp: largest gap (ms)"),
    ("desktop", "baseline-desktop"): ("echo, 100 clients: round trips/s",
                                      "echo: server CPU per round trip (µs)",
                                      "broadcast burst to 1,000: delivered/s"),
    ("desktop", "headless-asyncio"): ("echo, 100 clients: round trips/s",
                                      "broadcast burst to 1,000: delivered/s"),
    ("headless-asyncio", "headless"): ("echo, 100 clients: round trips/s",
                                       "broadcast burst to 1,000: delivered/s"),
}
"""The headless hub against Node within each round (Node's own speed moved by half between
rounds on a shared machine), the shared loop's cost (desktop ÷ headless), the inspector's
(on ÷ off), a change's (headless ÷ baseline, desktop ÷ baseline-desktop), and what uvloop
buys (the desktop and the headless hub against the headless hub on asyncio's loop, the
desktop's base)."""


def paired_ratios(rounds: list[dict[str, dict[str, Any]]], first: str, second: str,
                  rows: tuple[str, ...]) -> dict[str, list[float]]:
    """``first`` ÷ ``second`` for each round in ``rows``, in round order.

    The two run back to back within a round, so a ratio per round cancels what a round
    shares (the machine's load drifting over minutes); the ratio of two medians taken
    over different rounds does not.
    """
    paths = {label: path for label, path, _, _ in ROWS}
    ratios: dict[str, list[float]] = {}
    for label in rows:
        pairs = [(pick(r[first], paths[label]), pick(r[second], paths[label]))
                 for r in rounds if first in r and second in r]
        ratios[label] = [d / h for d, h in pairs if d is not None and h]
    return ratios


def paired_markdown(ratios: dict[str, list[float]], first: str, second: str) -> str:
    parts = [f"{label} {statistics.median(values):.2f}x "
             f"({', '.join(f'{value:.2f}' for value in values)})"
             for label, values in ratios.items() if values]
    return (f"{LABELS[first]} ÷ {LABELS[second]} within each round, median (each round's): "
            + "; ".join(parts) + ".\n") if parts else ""


def markdown(table: dict[str, dict[str, float | None]], servers: list[str],
             meta: dict[str, Any]) -> str:
    head = "| | " + " | ".join(LABELS[s] for s in servers) + " |"
    lines = [f"Benchmark of {meta['date']} on {meta['machine']}; {meta['rounds']} interleaved "
             f"rounds, medians; in brackets the ratio to the reference.", "",
             head, "|---" * (len(servers) + 1) + "|"]
    for label, _, fmt, _ in ROWS:
        reference = table[label].get("reference")
        cells = []
        for server in servers:
            value = table[label][server]
            if value is None:
                cells.append("n/a")
                continue
            cell = fmt.format(value)
            if server != "reference" and reference:
                cell += f" ({value / reference:.2f}x)"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, Node {node}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the harness")
    parser.add_argument("--churn-only", action="store_true",
                        help="only the churn scenario (memory under connects and closes)")
    parser.add_argument("--traffic", action="store_true",
                        help="only the traffic view's scenario (desktop, 1,000 clients)")
    parser.add_argument("--traffic-seconds", type=float, default=TRAFFIC["seconds"])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="the first session's scenarios to run; churn only with all")
    parser.add_argument("--baseline", type=Path,
                        help="the source tree the 'baseline' server runs from")
    args = parser.parse_args()
    servers = args.servers.split(",")
    scenarios = tuple(args.scenarios.split(","))
    if unknown := set(scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    baselines = {"baseline", "baseline-desktop"} & set(servers)
    if baselines and args.baseline is None:
        parser.error("the baseline servers need --baseline DIR")
    Session.baseline = args.baseline
    partial = set(scenarios) != set(SCENARIOS) or bool(baselines)
    plan = QUICK if args.quick else FULL
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 20_000)), hard))
    if args.traffic:
        traffic_main(args.traffic_seconds)
        return
    meta = {"date": dt.date.today().isoformat(), "machine": machine(), "rounds": args.rounds,
            "plan": plan, "servers": servers}
    rounds: list[dict[str, dict[str, Any]]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        for number in range(1, args.rounds + 1):
            this_round: dict[str, dict[str, Any]] = {}
            # Each round starts one server later: no server always runs first (after the
            # previous round's last) or last, so the order's effect spreads over all.
            turn = (number - 1) % len(servers)
            for server in servers[turn:] + servers[:turn]:
                print(f"round {number}: {server}", file=sys.stderr, flush=True)
                try:
                    this_round[server] = (
                        {"churn": run_churn(server, plan, Path(workdir))} if args.churn_only
                        else run_server(server, plan, Path(workdir),
                                        churn=number == 1 and not partial,
                                        scenarios=scenarios))
                except RuntimeError as exc:  # a failed server leaves a gap in its column
                    print(f"  {server} failed: {exc}", file=sys.stderr)
            rounds.append(this_round)
    meta["minutes"] = round((time.monotonic() - started) / 60, 1)
    table = medians(rounds, servers)
    paired = {pair: paired_ratios(rounds, *pair, rows) for pair, rows in PAIRS.items()}
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / (meta["date"] + ("-quick" if args.quick else "")
                      + ("-churn" if args.churn_only else "") + ("-ab" if partial else ""))
    stem.with_suffix(".json").write_text(json.dumps(
        {"meta": meta, "rounds": rounds, "medians": table,
         "paired": {f"{a} / {b}": ratios for (a, b), ratios in paired.items()}},
        indent=1) + "\n")
    text = markdown(table, servers, meta) + "\n" + "".join(
        paired_markdown(ratios, *pair) for pair, ratios in paired.items())
    stem.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
