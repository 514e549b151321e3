"""Client actions carried to the node a client is connected to, and their answers.

The inspector's composer and client actions (emit to a sid, with or without an ack;
disconnect; join or leave a room) must run where the client is: there its node applies
its own rules and bookkeeping and answers exactly as its API would.  An action travels on
the registry channel as ``act`` (to a node, with an id) and comes back as ``reply`` (the
HTTP status and JSON body).  Both ways are bounded: ``MAX_WAITING`` actions awaited and
``MAX_RUNNING`` run for other nodes at once; over that, a clear 503.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard

import orjson
from redis.exceptions import RedisError

from .registry_wire import MAX_MESSAGE_BYTES, MAX_NODE_NAME, Refused

logger = logging.getLogger(__name__)

MAX_WAITING = 100
MAX_RUNNING = 100
MAX_BODY_BYTES = MAX_MESSAGE_BYTES // 2
"""An answer's body: room for the rest of the message, JSON escaping included."""
ACTIONS = ("emit", "disconnect", "join", "leave")

Answer = tuple[int, bytes]
"""An HTTP status and a JSON body."""
Handler = Callable[[dict[str, Any]], Awaitable[Answer]]
Publish = Callable[..., Awaitable[None]]
"""``publish(kind, **body)``: one message on the registry channel."""


def failure(status: int, error: str) -> Answer:
    return status, orjson.dumps({"ok": False, "error": error})


class RemoteActions:
    """This node's side: ``ask`` other nodes, and answer theirs with ``handler``."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self.handler: Handler | None = None
        """Runs an action on a client of this node (the inspector sets it)."""
        self._waiting: dict[str, asyncio.Future[Answer]] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def ask(self, node: str, action: dict[str, Any], within: float) -> Answer:
        """Run ``action`` on ``node`` and return its answer, or why there is none."""
        if len(self._waiting) >= MAX_WAITING:
            return failure(503, "too many actions on other nodes under way; try again")
        ident = uuid.uuid4().hex
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = answer
        try:
            await self._publish("act", to=node, id=ident, action=action)
            async with asyncio.timeout(within):
                return await answer
        except TimeoutError:
            return failure(504, f"node {node[:64]!r} did not answer within {within:g} s")
        except (RedisError, OSError):
            return failure(503, "cluster: Redis unreachable, the client's node cannot be asked")
        finally:
            self._waiting.pop(ident, None)

    def heard_act(self, sender: str, body: dict[str, Any]) -> None:
        """Run another node's action here and send the answer back (a task of its own)."""
        ident, action = body.get("id"), body.get("action")
        if not _is_id(ident) or not isinstance(action, dict) or action.get("do") not in ACTIONS:
            raise Refused("bad action")
        if len(self._running) >= MAX_RUNNING:
            job = self._reply(sender, ident, failure(503, "the client's node is busy; try again"))
        else:
            job = self._run(sender, ident, action)
        task = asyncio.create_task(job)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    def heard_reply(self, body: dict[str, Any]) -> None:
        ident, status, answer = body.get("id"), body.get("status"), body.get("body")
        if not _is_id(ident) or not isinstance(status, int) or not 200 <= status <= 599 \
                or not isinstance(answer, str) or len(answer) > MAX_BODY_BYTES:
            raise Refused("bad reply")
        waiting = self._waiting.get(ident)
        if waiting is None or waiting.done():
            return  # an answer too late, or to another node
        try:
            if not isinstance(orjson.loads(answer), dict):
                raise Refused("bad reply body")
        except orjson.JSONDecodeError:
            raise Refused("bad reply body") from None
        waiting.set_result((status, answer.encode()))

    async def _run(self, sender: str, ident: str, action: dict[str, Any]) -> None:
        if self.handler is None:
            answer = failure(503, "the client's node takes no actions from the cluster")
        else:
            answer = await self.handler(action)
        if len(answer[1]) > MAX_BODY_BYTES:
            answer = failure(502, "the answer is too large to carry across the cluster")
        await self._reply(sender, ident, answer)

    async def _reply(self, sender: str, ident: str, answer: Answer) -> None:
        try:
            await self._publish("reply", to=sender, id=ident, status=answer[0],
                                body=answer[1].decode())
        except (RedisError, OSError) as exc:
            logger.warning("cluster: could not answer node %r's action (%s)", sender, exc)

    async def close(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)


def _is_id(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and 1 <= len(value) <= 64 and value.isalnum()


def addressed_to(body: dict[str, Any]) -> str:
    to = body.get("to")
    if not isinstance(to, str) or not 1 <= len(to) <= MAX_NODE_NAME:
        raise Refused("bad addressee")
    return to
