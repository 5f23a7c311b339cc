"""Pure formatting for Telegram: escaping, Markdown to HTML, splitting, keyboards."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.chat.core import Button, TextFormat
from bot.app import api_urls
from bot.formatting import (
    MESSAGE_LIMIT,
    caption,
    keyboard,
    split_message,
    telegram_length,
    to_html,
    to_plain,
)
from tests.fakes.telegram_api import parse_html


def _words(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_plain_text_is_escaped() -> None:
    assert to_html('a < b & "c" > d <b>') == 'a &lt; b &amp; "c" &gt; d &lt;b&gt;'


def test_markdown_headings_and_bold_become_bold_tags_and_nothing_else() -> None:
    markdown = "# Brief: A & B <x>\n- **sharp decline** (high): 46% < 50%"
    assert to_html(markdown, TextFormat.MARKDOWN) == (
        "<b>Brief: A &amp; B &lt;x&gt;</b>\n- <b>sharp decline</b> (high): 46% &lt; 50%"
    )
    assert to_plain(markdown, TextFormat.MARKDOWN) == (
        "Brief: A & B <x>\n- sharp decline (high): 46% < 50%"
    )


def test_a_short_reply_is_one_message() -> None:
    [chunk] = split_message(["one", "two"])
    assert chunk.plain == "one\n\ntwo"


def test_long_text_is_split_at_paragraphs_first() -> None:
    parts = ["x" * 3000, "y" * 3000, "z" * 10]
    chunks = split_message(parts)
    assert [c.plain for c in chunks] == ["x" * 3000, "y" * 3000 + "\n\n" + "z" * 10]


def test_emoji_count_twice_towards_the_limit() -> None:
    assert telegram_length("👍") == 2
    chunks = split_message(["👍" * 3000])
    assert all(telegram_length(c.html) <= MESSAGE_LIMIT for c in chunks)
    assert "".join(c.plain for c in chunks) == "👍" * 3000


paragraph = st.text(
    alphabet=st.sampled_from(list("ab <>&\"'.。！中한👍\n*#-") + [" "] * 4),
    min_size=1,
    max_size=3000,
)


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(paragraph, min_size=1, max_size=8),
    fmt=st.sampled_from([TextFormat.PLAIN, TextFormat.MARKDOWN]),
    limit=st.sampled_from([64, 500, MESSAGE_LIMIT]),
)
def test_every_chunk_fits_parses_and_nothing_is_dropped(parts, fmt, limit) -> None:
    chunks = split_message(parts, fmt, limit)
    for chunk in chunks:
        assert telegram_length(chunk.html) <= limit
        error, _shown = parse_html(chunk.html)
        assert error is None, chunk.html
    expected = _words(to_plain("\n\n".join(p for p in parts if p.strip()), fmt))
    # Markers cut apart at a boundary stay literal text in the plain twin.
    got = _words("".join(c.plain for c in chunks))
    if fmt is TextFormat.PLAIN:
        assert got == _words("".join(p for p in parts if p.strip()))
    else:
        assert got.replace("*", "").replace("#", "") == expected.replace("*", "").replace("#", "")


def test_keyboards_and_captions() -> None:
    markup = keyboard(((Button("📚 Sources", "src:1"), Button("👍", "up:1")),))
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["src:1", "up:1"]]
    assert keyboard(()) is None
    assert caption(None) is None and len(caption("x" * 5000)) <= 1024


def test_api_urls_accept_a_server_root_or_its_bot_path() -> None:
    assert api_urls("http://127.0.0.1:8081") == (
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
    )
    assert api_urls("http://127.0.0.1:8081/bot/") == api_urls("http://127.0.0.1:8081")


def test_a_bold_span_cut_between_two_messages_stays_bold_in_both() -> None:
    words = " ".join(f"word{n}" for n in range(30))
    span = " ".join(f"bold{n}" for n in range(70))  # longer than one message
    line = f"{words} **{span}** and ends."
    chunks = split_message([line], TextFormat.MARKDOWN, limit=400)
    assert len(chunks) >= 2
    shown = [parse_html(c.html)[1] for c in chunks]
    assert all("**" not in s for s in shown), shown
    bold = [re.findall(r"<b>(.*?)</b>", c.html) for c in chunks]
    assert sum(len(b) for b in bold) >= 2  # a bold piece on each side of the cut
    assert _words(" ".join(bold_text for b in bold for bold_text in b)) == _words(span)
    assert all(telegram_length(c.html) <= 400 for c in chunks)
    assert _words(" ".join(c.plain for c in chunks)) == _words(to_plain(line, TextFormat.MARKDOWN))
