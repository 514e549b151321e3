"""Micro-benchmark of the inspector's record path: microseconds per entry.

    python tests/benchmarks/journal_record.py [--count 200000]

Records a typical small relay (one event in, one event out) into a journal at its default
bounds, long enough to fill it so that eviction is part of every record, then the same
with payloads off and with the journal disabled.  For scale, in the same run: encoding
the relayed packet as python-socketio does for every emit (with the hub's JSON).  The best
of five rounds is shown, as other processes only ever add time.  No server, no I/O.
"""

from __future__ import annotations

import argparse
import time

from socketio import packet

from server.app import FastJson
from server.inspector import Journal
from server.inspector.entry import EVENT_IN, EVENT_OUT, TO_ALL

SID = "Ab3dEf6hIj9kLm2nOp5q"
DATA = {"temperature": 21.5, "humidity": 40, "device": "esp32-kitchen"}


def per_record_us(journal: Journal, count: int) -> float:
    args = (DATA,)
    relayed = ({"from": SID, "data": DATA},)
    started = time.perf_counter()
    for _ in range(count // 2):  # as the hub's recorder calls it
        journal.add_event(EVENT_IN, "message", args, "/", False, SID, "kitchen",
                          "192.168.1.20", None, None, None, None, None)
        journal.add_event(EVENT_OUT, "message", relayed, "/", False, None, None, None, None, 12,
                          TO_ALL, SID, None)
    return (time.perf_counter() - started) / count * 1e6


def packet_encode_us(count: int) -> float:
    packet.Packet.json = FastJson  # what the hub's server sets (its ``json`` option)
    started = time.perf_counter()
    for _ in range(count):
        packet.Packet(packet.EVENT, data=["message", {"from": SID, "data": DATA}]).encode()
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
    for label, journal in (("payloads", Journal()), ("metadata only", Journal(payloads=False)),
                           ("disabled", Journal(enabled=False))):
        best = min(per_record_us(journal, count) for _ in range(5))
        print(f"{label:>14}: {best:.2f} us per record")
    best = min(packet_encode_us(count // 4) for _ in range(5))
    print(f"for scale, one emit's packet encoding: {best:.2f} us")


if __name__ == "__main__":
    main()
