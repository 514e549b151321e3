"""What an entry keeps: payloads cut and marked, binary as size and hex, metadata only when
asked, texts as sent (the views escape), and never an auth token."""

from __future__ import annotations

import inspect

import orjson
import pytest

from server.inspector import Journal, Kind, Target
from server.inspector.entry import ENTRY_OVERHEAD, TEXT_LIMIT, Entry, render_payload

SID = "sid-a"


def api_shape(journal: Journal) -> list[dict[str, object]]:
    events: list[dict[str, object]] = orjson.loads(journal.page().to_json())["events"]
    return events


def test_a_payload_over_the_limit_is_cut_marked_and_still_valid_json() -> None:
    journal = Journal(max_payload=101)
    journal.record_event_in(SID, "big", ("é" * 500,))  # two bytes each, after '["'
    (event,) = api_shape(journal)
    full = orjson.dumps(("é" * 500,))
    assert event["truncated"] is True and event["size"] == len(full)
    assert isinstance(event["args"], str)
    assert full.decode().startswith(event["args"])  # cut between characters, not inside one
    assert len(event["args"].encode()) == 100


def test_a_payload_within_the_limit_is_whole_and_not_marked() -> None:
    journal = Journal(max_payload=100)
    journal.record_event_in(SID, "small", ("x" * 80,))
    (event,) = api_shape(journal)
    assert event["args"] == ["x" * 80]
    assert "truncated" not in event and "size" not in event


def test_binary_attachments_appear_as_size_and_first_32_bytes_in_hex(journal: Journal) -> None:
    blob = bytes(range(100))
    journal.record_event_in(SID, "image", ({"name": "cam", "jpeg": blob}, b"\x01\x02"))
    (event,) = api_shape(journal)
    assert event["args"] == [
        {"name": "cam", "jpeg": {"bytes": 100, "hex": blob[:32].hex()}},
        {"bytes": 2, "hex": "0102"},
    ]


@pytest.mark.parametrize("args", [
    (2**70, {"n": -(2**80)}),  # past 64 bits: orjson refuses, the fallback writes it
    (float("nan"), float("inf"), 2**65, b"\xff"),  # no NaN in JSON: null, as orjson does
    ({1: "non-string key"}, 2**64),
    (object(),),
])
def test_what_orjson_refuses_is_still_kept_as_valid_json(args: tuple[object, ...]) -> None:
    text, truncated, size = render_payload(args, 4096)
    assert not truncated and size == len(text)
    assert isinstance(orjson.loads(text), list)
    # The page embeds the text as it is: it must be valid JSON for the whole page to parse.
    journal = Journal()
    journal.record_event_in(SID, "odd", args)
    assert isinstance(orjson.loads(journal.page().to_json())["events"][0]["args"], list)


def test_big_integers_survive_the_fallback_whole() -> None:
    text, _, _ = render_payload((2**70,), 4096)
    assert text == "[1180591620717411303424]"


def test_metadata_only_keeps_no_args() -> None:
    journal = Journal(payloads=False)
    entry = journal.record_event_in(SID, "message", ({"secret": "payload"},), ack=True,
                                    client="kitchen", ip="10.0.0.5")
    assert entry is not None and entry.payload is None
    (event,) = api_shape(journal)
    assert event["args"] is None
    assert (event["event"], event["client"], event["ack"]) == ("message", "kitchen", True)
    assert b"secret" not in journal.page().to_json()


def test_disabled_records_nothing_and_uses_no_seq() -> None:
    journal = Journal(enabled=False)
    assert journal.record_event_in(SID, "message", (1,)) is None
    assert journal.record_event_out("message", (1,), recipients=3) is None
    assert journal.record_connect(SID, client=None, ip="10.0.0.1", transport="polling") is None
    assert journal.record_refusal_once("10.0.0.1", "wrong token") is None
    assert journal.record_disconnect(SID, "client close") is None
    assert (len(journal), journal.last_seq, journal.stored_bytes) == (0, 0, 0)
    assert journal.event_counts() == []
    journal.enabled = True
    assert journal.record_event_in(SID, "message", (1,)) is not None
    assert journal.last_seq == 1


def test_connect_cannot_be_given_an_auth_object(journal: Journal) -> None:
    assert "auth" not in inspect.signature(journal.record_connect).parameters
    entry = journal.record_connect(SID, client="kitchen", ip="10.0.0.5", transport="websocket")
    assert entry is not None
    assert (entry.kind, entry.client, entry.ip, entry.transport) == (
        Kind.CONNECT, "kitchen", "10.0.0.5", "websocket")
    assert entry.payload is None


def test_one_entry_per_emit_with_its_target_and_recipient_count(journal: Journal) -> None:
    journal.record_event_out("message", ({"from": SID, "data": 1},), recipients=40,
                             skip_sid=SID)
    journal.record_event_out("message", ({"data": 2},), recipients=3, room="kitchen")
    journal.record_event_out("ping", (), recipients=1, sid="sid-b", ack=True)
    relay, to_room, to_sid = journal.page().events
    assert (relay.target, relay.skip_sid, relay.recipients, relay.sid) == (
        Target.ALL, SID, 40, None)
    assert (to_room.target, to_room.room, to_room.recipients) == (Target.ROOM, "kitchen", 3)
    assert (to_sid.target, to_sid.sid, to_sid.ack) == (Target.SID, "sid-b", True)
    assert len(journal) == 3
    assert api_shape(journal)[0]["target"] == "all"


@pytest.mark.parametrize("record", ["refused", "disconnect", "dropped", "join", "leave"])
def test_session_kinds_carry_their_reason_or_room(journal: Journal, record: str) -> None:
    entry = {
        "refused": lambda: journal.record_refused("authentication failed: wrong token",
                                                  ip="10.0.0.9", namespace="/"),
        "disconnect": lambda: journal.record_disconnect(SID, "ping timeout", client="k"),
        "dropped": lambda: journal.record_dropped(SID, "malformed packet"),
        "join": lambda: journal.record_join(SID, "kitchen"),
        "leave": lambda: journal.record_leave(SID, "kitchen"),
    }[record]()
    assert entry is not None and entry.kind == record
    assert (entry.reason or entry.room) in {
        "authentication failed: wrong token", "ping timeout", "malformed packet", "kitchen"}


HOSTILE = '<img src=x onerror=alert(1)>"\'</script>\u202e\x00&amp;'


def test_hostile_strings_are_stored_as_data_not_escaped(journal: Journal) -> None:
    journal.record_connect(SID, client=HOSTILE, ip="10.0.0.5", transport="polling")
    journal.record_event_in(SID, HOSTILE, (HOSTILE, {HOSTILE: HOSTILE}), client=HOSTILE)
    journal.record_join(SID, HOSTILE)
    connect, event_in, join = journal.page().events
    assert connect.client == event_in.event == join.room == HOSTILE
    assert orjson.loads(event_in.payload or "") == [HOSTILE, {HOSTILE: HOSTILE}]
    shown = api_shape(journal)[1]
    assert shown["event"] == shown["client"] == HOSTILE
    assert shown["args"] == [HOSTILE, {HOSTILE: HOSTILE}]


def test_client_chosen_texts_are_cut_to_a_bounded_length(journal: Journal) -> None:
    long = "n" * 100_000
    event = journal.record_event_in(SID, long, ())
    room = journal.record_join(SID, long, client=long)
    assert event is not None and room is not None
    assert len(event.event or "") == len(room.room or "") == len(room.client or "") == TEXT_LIMIT
    assert journal.stored_bytes < 4 * 1024


def test_to_dict_parses_args_for_python_readers(journal: Journal) -> None:
    entry = journal.record_event_in(SID, "message", ({"a": [1, 2]},))
    assert entry is not None
    assert entry.to_dict()["args"] == [{"a": [1, 2]}]
    assert orjson.loads(entry.to_json())["seq"] == 1


def test_event_entries_hold_each_field_in_its_place(journal: Journal, clock) -> None:
    """The journal builds event entries as bare tuples (the hot path): each value must
    land in the field of its name."""
    incoming = journal.record_event_in(SID, "set", ({"on": True},), ack=True, client="lamp",
                                       ip="10.0.0.9", namespace="/home", refused="no")
    outgoing = journal.record_event_out("set", ["x"], recipients=3, room="hall",
                                        skip_sid=SID, namespace="/home")
    time_ms = int(clock() * 1000)
    assert incoming is not None and outgoing is not None
    assert incoming._asdict() == Entry(
        seq=1, time=time_ms, kind=Kind.EVENT_IN, sid=SID, client="lamp", ip="10.0.0.9",
        namespace="/home", event="set", payload='[{"on":true}]', ack=True, reason="no",
        size=13, cost=ENTRY_OVERHEAD + len("set" '[{"on":true}]' "no"))._asdict()
    assert outgoing._asdict() == Entry(
        seq=2, time=time_ms, kind=Kind.EVENT_OUT, namespace="/home", event="set",
        room="hall", recipients=3, payload='["x"]', target=Target.ROOM, skip_sid=SID,
        size=5, cost=ENTRY_OVERHEAD + len("set" '["x"]' "hall"))._asdict()
