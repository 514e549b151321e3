"""New journal entries for Qt, in batches: one signal per batch, never one per entry.

The hub records on the loop the GUI shares with it, so whatever the GUI does per entry as
it is recorded slows the hub down.  The GUI does nothing then: it asks the journal to
wake it at the next entry (``Journal.wake_on_next``), arms a single-shot Qt timer when
woken, and ``COALESCE_MS`` later reads everything recorded since its last read
(``Journal.entries_after``) as one batch.  No wake-ups while the hub is quiet; a
batch held back (a modal dialog, a long stall) loses only what the journal itself evicted.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from server.inspector import Journal

COALESCE_MS = 50
"""Entries recorded within this long reach the GUI together: faster than the eye follows."""


class EntryBatches(QObject):
    """Follows one journal at a time (a restart makes a new one) and emits ``batch``."""

    batch = Signal(list)
    """A list of ``Entry``, oldest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._journal: Journal | None = None
        self._handed_out = 0
        self._waiting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self.flush)

    @property
    def handed_out(self) -> int:
        """The seq of the last entry emitted (0 before the first batch of a journal)."""
        return self._handed_out

    def follow(self, journal: Journal) -> None:
        """From now on, ``journal``'s entries: those it holds, then each new one."""
        self.stop_following()
        self._journal = journal
        self._handed_out = 0
        self._waiting = False
        self._timer.start()

    def stop_following(self) -> None:
        """Stop reading, after handing over what is new (the last disconnects)."""
        self._timer.stop()
        self.flush()
        self._journal = None

    def flush(self) -> None:
        """Emit what was recorded since the last batch, and wait for more."""
        journal = self._journal
        if journal is None:
            return
        entries = journal.entries_after(self._handed_out)
        if entries:
            self._handed_out = entries[-1].seq
        if not self._waiting:  # before emitting: a receiver may record entries itself
            self._waiting = True
            journal.wake_on_next(lambda: self._woken(journal))
        if entries:
            self.batch.emit(entries)

    def _woken(self, journal: Journal) -> None:
        if journal is self._journal:  # not a journal followed before a restart
            self._waiting = False
            self._timer.start()
