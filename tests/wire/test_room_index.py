"""The room index agrees with python-socketio's own search of its tables (server/room_index.py)."""

from __future__ import annotations

import socketio
from hypothesis import given, settings
from hypothesis import strategies as st
from socketio.base_manager import BaseManager

from server.wire.room_index import RoomIndexManager

NAMESPACES = ("/", "/other")
ROOMS = ("a", "b", "c")
operations = st.lists(st.tuples(
    st.sampled_from(["connect", "accept", "ack", "enter", "leave", "close_room",
                     "disconnect"]),
    st.integers(0, 4), st.sampled_from(NAMESPACES), st.sampled_from(ROOMS)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_a_clients_rooms_are_those_python_socketio_would_find(ops):
    manager = RoomIndexManager()
    socketio.AsyncServer(client_manager=manager)  # the manager needs its server for ids
    sids: dict[tuple[int, str], str] = {}
    for kind, client, namespace, room in ops:
        sid = sids.get((client, namespace))
        if kind == "connect" and sid is None:
            # AsyncManager.pre_connect only awaits this
            sids[client, namespace] = BaseManager.pre_connect(manager, f"eio{client}", namespace)
        elif sid is None:
            continue
        elif kind == "accept":  # the connect handler said yes, once per connection
            if manager.is_pre_connected(sid, namespace):
                BaseManager.connect(manager, sid, namespace)
        elif kind == "ack":  # an emit waiting for the client's ack
            manager._generate_ack_id(sid, lambda *args: None)
        elif kind == "enter":
            manager.basic_enter_room(sid, namespace, room)
        elif kind == "leave":
            manager.basic_leave_room(sid, namespace, room)
        elif kind == "close_room":
            manager.basic_close_room(room, namespace)
        elif kind == "disconnect":
            manager.basic_disconnect(sid, namespace)
            del sids[client, namespace]
            assert sid not in manager.callbacks
            assert sid not in manager.pending_connect.get(namespace, [])
        for (_, each_namespace), each in sids.items():
            assert sorted(manager.get_rooms(each, each_namespace)) == sorted(
                BaseManager.get_rooms(manager, each, each_namespace))
    for (_, namespace), sid in list(sids.items()):
        manager.basic_disconnect(sid, namespace)
    assert manager.rooms == {} or all(not rooms for rooms in manager.rooms.values())
    assert manager._rooms_of == {}  # nothing kept for clients that are gone
