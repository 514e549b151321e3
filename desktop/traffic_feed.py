"""New journal entries for Qt, in batches: one signal per batch, never one per entry.

The journal calls its listeners synchronously as it records, on the loop the GUI shares
with the hub.  The listener here only appends to a bounded deque and arms a single-shot
Qt timer, which hands what has piled up to the GUI ``COALESCE_MS`` later: one signal per
batch, and no wake-ups while the hub is quiet.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from server.inspector import Entry, Journal

COALESCE_MS = 50
"""Entries recorded within this long reach the GUI together: faster than the eye follows."""

CAPACITY = 10_000
"""Entries held between two batches at most.  The GUI and the hub share one loop, so this
many pile up only while a batch is held back (a modal dialog, a long stall); older ones
are dropped: the traffic view would trim them anyway."""


class EntryBatches(QObject):
    """Follows one journal at a time (a restart makes a new one) and emits ``batch``."""

    batch = Signal(list)
    """A list of ``Entry``, oldest first."""

    def __init__(self, parent: QObject | None = None, capacity: int = CAPACITY) -> None:
        super().__init__(parent)
        self._pending: deque[Entry] = deque(maxlen=capacity)
        self._unsubscribe: Callable[[], None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self.flush)

    def follow(self, journal: Journal) -> None:
        """From now on, ``journal``'s entries: those it holds, then each new one.  Both in
        one synchronous step, so that none is missed or seen twice."""
        self.stop_following()
        self._pending.extend(journal.export())
        self._unsubscribe = journal.subscribe(self._push)
        if self._pending:
            self._timer.start()

    def _push(self, entry: Entry) -> None:
        self._pending.append(entry)
        if not self._timer.isActive():
            self._timer.start()

    def stop_following(self) -> None:
        """Stop listening, and hand over what is pending (the last disconnects)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._timer.stop()
        self.flush()

    def flush(self) -> None:
        if self._pending:
            entries = list(self._pending)
            self._pending.clear()
            self.batch.emit(entries)
