"""Where python-engineio and python-socketio depart from the Engine.IO v4 / Socket.IO v5
specifications and from the reference (Node) server, corrected by subclassing.

Every correction is a method override with a comment saying what the reference server
does; nothing edits the installed packages.  The modules follow the libraries' seams:
``engineio_packets`` and ``socketio_packets`` parse (no I/O), ``asgi_request`` turns an
ASGI request into python-engineio's environ, ``engine_socket`` is the Engine.IO session
(``checked_websocket`` checks each of its websocket frames), ``engine_server`` the
Engine.IO server and its request gate, ``socketio_server`` the Socket.IO server
(``handler_arity`` checks an event against its handler), ``room_index`` and ``fanout``
its client manager.
"""
