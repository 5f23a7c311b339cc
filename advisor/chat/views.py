"""Pure renderers of the conversation: advisor results in, paragraphs of plain text out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from advisor.accounts.reasons import money, percent
from advisor.accounts.view import AccountView
from advisor.answering.composer import (
    AccountChoice,
    Answer,
    PlanItem,
    join_steps,
    segment_label,
    situation_label,
)
from advisor.answering.quoting import clipped, where
from advisor.chat.reply import Button, Keyboard, paragraphs
from advisor.chat.text import Lang, text
from advisor.i18n.catalogue import localise
from advisor.users.store import Role

SOURCE_CHARS = 1200  # a passage quoted under the Sources button
AT_RISK_SHOWN = 15


def role_line(role: Role, owner: str | None, lang: Lang) -> str:
    return text(f"role.{role.value}", lang, owner=owner or "—")


def answer_buttons(
    exchange_id: int, answer: Answer, lang: Lang, *, feedback: bool = True, sources: bool = True
) -> Keyboard:
    rows: list[tuple[Button, ...]] = []
    first = []
    if sources and answer.citations:
        first.append(Button(text("button.sources", lang), f"src:{exchange_id}"))
    if answer.tactics or answer.situations:
        first.append(Button(text("button.tactics", lang), f"tac:{exchange_id}"))
    if first:
        rows.append(tuple(first))
    if feedback:
        rows.append(feedback_row(exchange_id, lang))
    return tuple(rows)


PICK_ACTION = "pick"
_LABEL_CHARS = 40


def choice_buttons(exchange_id: int, choices: Sequence[AccountChoice]) -> Keyboard:
    """One button per account a name matched: id, name and owner, so the asker can tell."""
    rows = []
    for choice in choices:
        label = f"{choice.account_id} · {choice.name}"
        if choice.owner:
            label += f" · {choice.owner}"
        if len(label) > _LABEL_CHARS:
            label = label[: _LABEL_CHARS - 1] + "…"
        rows.append((Button(label, f"{PICK_ACTION}:{exchange_id}:{choice.account_id}"),))
    return tuple(rows)


def default_buttons(exchange_id: int, lang: Lang) -> Keyboard:
    """Every button, for an answer no longer at hand."""
    return (
        (
            Button(text("button.sources", lang), f"src:{exchange_id}"),
            Button(text("button.tactics", lang), f"tac:{exchange_id}"),
        ),
        feedback_row(exchange_id, lang),
    )


def feedback_row(exchange_id: int, lang: Lang) -> tuple[Button, ...]:
    return (
        Button(text("button.up", lang), f"up:{exchange_id}"),
        Button(text("button.down", lang), f"dn:{exchange_id}"),
    )


def without_feedback(buttons: Keyboard) -> Keyboard:
    """The keyboard once a vote is in: the 👍/👎 row goes, the rest stays."""
    return tuple(row for row in buttons if not any(b.data.startswith(("up:", "dn:")) for b in row))


def sources_parts(answer: Answer, lang: Lang) -> tuple[str, ...]:
    if not answer.citations:
        return (text("sources.none", lang),)
    parts = [text("sources.header", lang)]
    for c in answer.citations:
        place = where(c.passage.source, c.passage.heading)
        parts.append(f"[{c.number}] {place}\n{clipped(c.passage.text.strip(), SOURCE_CHARS)}")
    return tuple(parts)


def tactic_parts(items: Sequence[PlanItem], lang: Lang) -> list[str]:
    out = []
    for item in items:
        refs = "".join(f"[{n}]" for n in item.citations)
        lines = [f"{item.title} {refs}".rstrip()]
        if item.when:
            lines.append(f"{text('tactics.when', lang)}: {item.when}")
        lines.append(f"{text('tactics.how', lang)}: {join_steps(item.steps, lang.code)}")
        if item.risk:
            lines.append(f"{text('tactics.risk', lang)}: {item.risk}")
        out.append(localise("\n".join(lines), lang.traditional))
    return out


def tactics_reply_parts(
    situation: str, items: Sequence[PlanItem], sources: str, lang: Lang
) -> tuple[str, ...]:
    if not items:
        return (text("tactics.none", lang),)
    header = text("tactics.header", lang, situation=situation_label(situation, lang.code))
    parts = [header, *tactic_parts(items, lang)]
    if sources:
        parts.append(text("sources.header", lang) + "\n" + sources)
    return tuple(parts)


def situations_parts(situations: Sequence[str], lang: Lang) -> tuple[str, ...]:
    lines = [
        f"- {s} — {localise(situation_label(s, lang.code), lang.traditional)}" for s in situations
    ]
    return (text("tactics.choose", lang), "\n".join(lines))


def segment_parts(record: AccountView, lang: Lang) -> tuple[str, ...]:
    head = [
        text(
            "segment.line",
            lang,
            name=record.name,
            account_id=record.account_id,
            owner=record.owner or "—",
            segment=record.segment,
            segment_label=localise(segment_label(record.segment, lang.code), lang.traditional),
        )
    ]
    previous = record.previous_segment
    if previous and previous != record.segment:
        head.append(text("segment.moved", lang, previous=previous))
    parts = ["\n".join(head)]
    if record.reasons:
        reasons = [text("segment.reasons", lang)] + [f"- {r.text}" for r in record.reasons]
        parts.append(localise("\n".join(reasons), lang.traditional))
    risks = [r for r in record.risks if r.severity != "info"]
    if risks:
        lines = [text("segment.risks", lang)]
        lines += [f"- {r.title} ({r.severity}): {r.evidence}" for r in risks]
        parts.append(localise("\n".join(lines), lang.traditional))
    else:
        parts.append(text("segment.no_risks", lang))
    return tuple(parts)


def at_risk_parts(
    records: Sequence[AccountView], total: int, as_of: str, lang: Lang
) -> tuple[str, ...]:
    if not total:
        return (text("atrisk.none", lang),)
    lines = []
    for r in records:
        move = r.segment
        if r.previous_segment and r.previous_segment != r.segment:
            move = f"{r.previous_segment}→{r.segment}"
        serious = [k for k in r.risks if k.severity in ("high", "medium")]
        signals = "; ".join(f"{k.title} ({k.severity})" for k in serious[:2])
        lines.append(f"- {r.account_id} {r.name} · {r.owner or '—'} · {move} — {signals}")
    parts = [
        text("atrisk.header", lang, as_of=as_of, count=total),
        localise("\n".join(lines), lang.traditional),
    ]
    if total > len(records):
        parts.append(text("atrisk.more", lang, count=total - len(records)))
    return tuple(parts)


def portfolio_caption(summary: Mapping[str, Any], lang: Lang) -> str:
    return text(
        "portfolio.caption",
        lang,
        as_of=summary["as_of"],
        accounts=summary["accounts"],
        revenue=money(summary["revenue"], lang.code),
    )


def portfolio_parts(summary: Mapping[str, Any], lang: Lang) -> tuple[str, ...]:
    rows = [
        text(
            "portfolio.segment_row",
            lang,
            segment=s["segment"],
            label=segment_label(s["segment"], lang.code),
            accounts=s["accounts"],
            revenue=money(s["revenue"], lang.code),
        )
        for s in summary["segments"]
        if s["accounts"]
    ]
    risk = summary["at_risk"]
    parts = [
        portfolio_caption(summary, lang),
        localise("\n".join(rows), lang.traditional),
        text(
            "portfolio.at_risk",
            lang,
            accounts=risk["accounts"],
            revenue=money(risk["revenue"], lang.code),
            share=percent(risk["share"]),
        ),
    ]
    if summary.get("alarms"):
        lines = [text("portfolio.alarms", lang)]
        lines += [
            f"- {a['account_id']} {a['name']} ({a['owner']}): {a['from']} → {a['to']}"
            for a in summary["alarms"]
        ]
        parts.append(localise("\n".join(lines), lang.traditional))
    return tuple(parts)


def answer_parts(answer: Answer) -> tuple[str, ...]:
    return paragraphs(answer.text)
