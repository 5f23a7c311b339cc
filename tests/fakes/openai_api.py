"""A loopback fake of an OpenAI-compatible chat endpoint, for the real client over real HTTP."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer


@dataclass
class Scripted:
    """One reply: text, or an HTTP error status, after an optional delay."""

    content: str = ""
    status: int = 200
    delay: float = 0.0


@dataclass
class FakeOpenAI:
    replies: deque[Scripted] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def enqueue(self, *replies: Scripted) -> None:
        self.replies.extend(replies)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        reply = self.replies.popleft() if self.replies else Scripted("no reply scripted")
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.status != 200:
            return web.json_response(
                {"error": {"message": "scripted failure"}}, status=reply.status
            )
        return web.json_response(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    def prompt_of(self, index: int = -1) -> str:
        return json.dumps(self.requests[index]["messages"], ensure_ascii=False)


class ServerThread(LoopbackServer):
    """Runs the fake in its own event-loop thread until stopped."""

    def __init__(self, fake: FakeOpenAI) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", fake._chat)
        super().__init__(app)
        self.fake = fake

    def start(self) -> int:
        self.fake.port = super().start()
        return self.fake.port
