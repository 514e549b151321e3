"""The browser dashboard and its JSON API: every HTTP path that is not Socket.IO.

The seed's names live here: ``dashboard_app``, ``get_dashboard_html()`` and
``get_connections_json()``, thin wrappers over the same code the running hub serves.
"""

from .routes import (
    Dashboard,
    create_dashboard_app,
    dashboard_app,
    get_connections_json,
    get_dashboard_html,
)

__all__ = [
    "Dashboard",
    "create_dashboard_app",
    "dashboard_app",
    "get_connections_json",
    "get_dashboard_html",
]
