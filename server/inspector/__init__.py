"""The traffic inspector's core: a bounded journal of what the hub's clients and the hub
said and did, with its queries and live subscriptions.  Qt-free and I/O-free: the hub
records into a ``Journal``; the JSON API and the desktop window read from it.
"""

from .entry import Entry, Kind, Target
from .journal import Journal
from .query import Filter, Page, QueryError, page_params
from .subscription import Feed, Skipped

__all__ = ["Entry", "Feed", "Filter", "Journal", "Kind", "Page", "QueryError", "Skipped",
           "Target", "page_params"]
