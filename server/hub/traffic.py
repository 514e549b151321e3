"""How many messages each client sent and received, at O(1) per message.

A relay to everyone or to a room reaches many clients; counting it in each of them would
cost a loop per message.  Instead the hub counts its relays (``RelayTally``), and each
client keeps where those counts stood when it connected or joined a room: what it received
is the difference, worked out only when someone looks.  The counts are mutable and outside
the ``Connection``'s equality, so a message is no change of the registry (no notification
storm: the window and the dashboard read them when they show a client's details).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


class RelayTally:
    """The hub's relays so far: to everyone, and to each room by name."""

    __slots__ = ("to_all", "to_room")

    def __init__(self) -> None:
        self.to_all = 0
        self.to_room: dict[str, int] = {}


@dataclass(eq=False, slots=True)
class ClientTraffic:
    """One client's messages: those it sent, those relayed to it, when it was last heard."""

    tally: RelayTally = field(default_factory=RelayTally)
    sent: int = 0
    last_seen: float = field(default_factory=time.time)
    _all_mark: int = field(init=False)
    _room_marks: dict[str, int] = field(init=False, default_factory=dict)
    _from_left_rooms: int = field(init=False, default=0)
    _own_relays: int = field(init=False, default=0)  # the sender is skipped: not received

    def __post_init__(self) -> None:
        self._all_mark = self.tally.to_all

    def seen(self) -> None:
        self.last_seen = time.time()

    def joined(self, room: str) -> None:
        self._room_marks.setdefault(room, self.tally.to_room.get(room, 0))

    def left(self, room: str) -> None:
        mark = self._room_marks.pop(room, None)
        if mark is not None:
            self._from_left_rooms += self.tally.to_room.get(room, 0) - mark

    def relayed(self, room: str | None = None) -> None:
        """This client's message went to everyone (``room`` None) or to ``room``."""
        self.sent += 1
        self._own_relays += 1
        self.seen()
        if room is None:
            self.tally.to_all += 1
        else:
            self.tally.to_room[room] = self.tally.to_room.get(room, 0) + 1

    @property
    def received(self) -> int:
        in_rooms = sum(self.tally.to_room.get(room, 0) - mark
                       for room, mark in self._room_marks.items())
        return (self.tally.to_all - self._all_mark + self._from_left_rooms + in_rooms
                - self._own_relays)
