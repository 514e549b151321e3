"""parse_socketio_packet reads JSON as the reference does, through orjson or the stdlib."""

from __future__ import annotations

import pytest

from server.wire.socketio_packets import ProtocolError, parse_socketio_packet


@pytest.mark.parametrize(("encoded", "data"), [
    ('2["news",{"n":1.5,"s":"\\u00e9"}]', ["news", {"n": 1.5, "s": "é"}]),
    # Past 64 bits, a float, as JSON.parse reads it (and FastJson, python-socketio's).
    ('2["big",123456789012345678901234567890]', ["big", 1.2345678901234568e29]),
    ('2["lone","\\ud800"]', ["lone", "\ud800"]),  # orjson refuses; the stdlib reads it
])
def test_payloads_orjson_or_the_stdlib_can_read(encoded, data):
    assert parse_socketio_packet(encoded)[4] == data


@pytest.mark.parametrize("encoded", ['2["x",NaN]', '2["x",Infinity]', '2["x",-Infinity]',
                                     '2["x",', '2' + "[" * 100_000 + "]" * 100_000])
def test_payloads_the_reference_refuses_are_refused(encoded):
    with pytest.raises(ProtocolError):
        parse_socketio_packet(encoded)


def test_an_event_to_a_namespace_with_a_query_is_parsed_once():
    assert parse_socketio_packet('2/chat?x=1,7["hi"]') == (2, 0, "/chat?x=1", 7, ["hi"])
