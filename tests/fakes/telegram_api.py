"""A loopback fake of the Telegram Bot API, for the real bot over real HTTP.

An aiohttp server on 127.0.0.1 (a free port) answering the methods the bot
uses with the JSON Telegram returns: getMe, getUpdates (long polling with
offset and timeout, from a queue of scripted updates), sendMessage, sendPhoto,
sendChatAction, answerCallbackQuery, editMessageText, editMessageReplyMarkup,
setWebhook, deleteWebhook, setMyCommands. Every call is recorded. Like
Telegram, it rejects HTML it cannot parse and messages over 4,096 characters;
failures can be scripted per method call: any HTTP status (429 with `retry_after`,
400 "message is too long", 500, 502) or a dropped connection (`DROP`), once or
several times in a row.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer

TOKEN = "123456:TEST-token_for_the_fake"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Advisor",
    "username": "advisor_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = {
    "reply_markup",
    "link_preview_options",
    "allowed_updates",
    "commands",
    "entities",
    "scope",
}
DROP = 0  # the "status" of a failure that closes the connection without an answer
HOLD_CAP = 1.0  # seconds an empty getUpdates is held at most, whatever its timeout
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Failure:
    """A scripted error for the next matching call of a method."""

    method: str
    status: int
    description: str
    retry_after: float | None = None
    when: Callable[[dict[str, Any]], bool] | None = None


class _TelegramHTML(HTMLParser):
    """Telegram's rules, roughly: known tags only, properly nested, entities escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Can\'t find end tag corresponding to start tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(markup: str) -> tuple[str | None, str]:
    """(error or None, the text as Telegram would show it)."""
    stray = next((m for m in re.finditer(r"<(?!/?[A-Za-z][A-Za-z-]*(?:\s[^<>]*)?>)", markup)), None)
    if stray is not None:
        return f"Unsupported start tag at byte offset {stray.start()}", markup
    parser = _TelegramHTML()
    parser.feed(markup)
    parser.close()
    if parser.error is None and parser.stack:
        parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
    bad_amp = any(
        part and not part.split(";", 1)[0].lstrip("#").isalnum() for part in markup.split("&")[1:]
    )
    if parser.error is None and bad_amp:
        parser.error = "Unsupported entity"
    return parser.error, html.unescape("".join(parser.text))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.port = 0
        self._updates: list[dict[str, Any]] = []
        self._failures: list[Failure] = []
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self.webhook: dict[str, Any] | None = None

    # ---- scripting ---------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _user(self, user_id: int, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    def _next_message_id(self, chat_id: int) -> int:
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

    def message_update(
        self, user_id: int, text: str, *, language_code: str | None = "en", group: int | None = None
    ) -> dict[str, Any]:
        """A private message, or with `group` (a negative id) a message in a group chat."""
        chat = group or user_id
        where = (
            {"id": group, "type": "supergroup", "title": "Sales team"}
            if group
            else {"id": user_id, "type": "private", "first_name": f"User{user_id}"}
        )
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat),
            "date": int(time.time()),
            "chat": where,
            "from": self._user(user_id, language_code),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0]) if text.split() else len(text)
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def send_text(self, user_id: int, text: str, **kwargs: Any) -> int:
        """Script a message from a user; returns its update id."""
        update = self.message_update(user_id, text, **kwargs)
        self.enqueue(update)
        return int(update["update_id"])

    def send_photo_from(self, user_id: int) -> None:
        update = self.message_update(user_id, "")
        message = update["message"]
        del message["text"]
        message["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]
        self.enqueue(update)

    def press(
        self,
        user_id: int,
        data: str,
        message: dict[str, Any] | None = None,
        language_code: str | None = "en",
    ) -> None:
        """Script a button press on a message the bot sent."""
        message = message or {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": BOT_USER,
            "text": "…",
        }
        self.enqueue(
            {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": str(next(self._callback_ids)),
                    "from": self._user(user_id, language_code),
                    "chat_instance": str(user_id),
                    "data": data,
                    "message": message,
                },
            }
        )

    def enqueue(self, *updates: dict[str, Any]) -> None:
        with self._lock:
            self._updates.extend(updates)

    def fail_next(
        self,
        method: str,
        status: int,
        description: str = "",
        *,
        retry_after: float | None = None,
        when: Callable[[dict[str, Any]], bool] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` matching calls of `method` fail: with HTTP `status` and the
        description (and `retry_after`, in seconds, for a 429), or with `status=DROP`
        by closing the connection unanswered."""
        with self._lock:
            self._failures.extend(
                Failure(method, status, description, retry_after, when) for _ in range(times)
            )

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._updates)

    # ---- reading what the bot did ----------------------------------------------

    def calls_of(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in list(self.calls) if c.method == method and (c.ok or not ok_only)]

    def sent(self, chat_id: int) -> list[Call]:
        """Messages and photos that reached a chat, in order."""
        return [
            c
            for c in list(self.calls)
            if c.ok
            and c.method in ("sendMessage", "sendPhoto")
            and int(c.params["chat_id"]) == chat_id
        ]

    def texts(self, chat_id: int) -> list[str]:
        """What the user sees in each message (HTML parsed like Telegram does)."""
        return [c.params["shown"] for c in self.sent(chat_id) if c.method == "sendMessage"]

    def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 30.0, what: str = "the bot"
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        recent = [(c.method, c.status, str(c.params.get("text", ""))[:60]) for c in self.calls[-8:]]
        raise AssertionError(f"timed out waiting for {what}; last calls: {recent}")

    def wait_sent(self, chat_id: int, count: int, timeout: float = 30.0) -> list[str]:
        self.wait_for(
            lambda: len(self.sent(chat_id)) >= count, timeout, f"{count} messages to chat {chat_id}"
        )
        return self.texts(chat_id)

    # ---- the server ----------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        return app

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.method == "POST":
            form = await request.post()
            for key, value in form.items():
                if hasattr(value, "file"):
                    files[key] = value.file.read()
                    continue
                params[key] = json.loads(value) if key in JSON_FIELDS else value
        params.update({k: v for k, v in request.query.items() if k not in params})
        return params, files

    def _failure_for(self, method: str, params: dict[str, Any]) -> Failure | None:
        with self._lock:
            for failure in self._failures:
                if failure.method == method and (failure.when is None or failure.when(params)):
                    self._failures.remove(failure)
                    return failure
        return None

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await self._params(request)
        call = Call(method, params, files=files)
        if request.match_info["token"] != self.token:
            call.status = 401
            self.calls.append(call)
            return _error(401, "Unauthorized")
        failure = self._failure_for(method, params)
        if failure is not None:
            call.status = failure.status
            self.calls.append(call)
            if failure.status == DROP:
                assert request.transport is not None
                request.transport.abort()  # the client sees the connection go
                return web.Response(status=500)
            extra = {"retry_after": failure.retry_after} if failure.retry_after else None
            return _error(failure.status, failure.description, extra)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.status = 404
            self.calls.append(call)
            return _error(404, "Not Found")
        try:
            result = await handler(params, files)
        except _ApiError as exc:
            call.status = 400
            self.calls.append(call)
            return _error(400, exc.description)
        self.calls.append(call)
        return web.json_response({"ok": True, "result": result})

    # ---- methods -----------------------------------------------------------------

    async def _m_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return BOT_USER

    async def _m_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, HOLD_CAP)
        while True:
            with self._lock:
                # Updates below the offset are confirmed: Telegram forgets them.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.01)

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            **content,
        }

    async def _m_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        text = str(params.get("text", ""))
        shown = text
        if params.get("parse_mode") == "HTML":
            error, shown = parse_html(text)
            if error:
                raise _ApiError(f"Bad Request: can't parse entities: {error}")
        if not shown.strip():
            raise _ApiError("Bad Request: message text is empty")
        if utf16_len(shown) > 4096:
            raise _ApiError("Bad Request: message is too long")
        params["shown"] = shown
        content: dict[str, Any] = {"text": shown}
        if "reply_markup" in params:
            content["reply_markup"] = params["reply_markup"]
        return self._message(int(params["chat_id"]), **content)

    async def _m_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        photo = files.get("photo", b"")
        if not photo.startswith(b"\x89PNG") and not photo.startswith(b"\xff\xd8"):
            raise _ApiError("Bad Request: IMAGE_PROCESS_FAILED")
        if utf16_len(str(params.get("caption", ""))) > 1024:
            raise _ApiError("Bad Request: message caption is too long")
        size = {
            "file_id": "photo-1",
            "file_unique_id": "uphoto-1",
            "width": 1280,
            "height": 960,
            "file_size": len(photo),
        }
        return self._message(
            int(params["chat_id"]),
            photo=[size],
            **({"caption": params["caption"]} if params.get("caption") else {}),
        )

    async def _m_sendChatAction(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def _m_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        text = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            error, text = parse_html(text)
            if error:
                raise _ApiError(f"Bad Request: can't parse entities: {error}")
        return self._edited(params, text=text)

    async def _m_editMessageReplyMarkup(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        return self._edited(params)

    def _edited(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {
            "message_id": int(params.get("message_id", 0)),
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
            "from": BOT_USER,
            "text": content.get("text", "…"),
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = dict(params)
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = None
        return True

    async def _m_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True


class _ApiError(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


class FakeTelegramServer(LoopbackServer):
    """Runs the fake in its own event-loop thread until stopped."""

    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__(fake.app())
        self.fake = fake

    def start(self) -> int:
        self.fake.port = super().start()
        return self.fake.port
