"""The words of alerts and digests (advisor/data/messages/alerts.yaml) and the alert message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from advisor.accounts.reasons import label, render
from advisor.alerts.config import SEGMENT_DROP
from advisor.alerts.rules import Alert
from advisor.answering.composer import segment_label
from advisor.i18n.catalogue import ALERTS


def alert_title(alert: Alert, lang: str) -> str:
    if alert.reason == SEGMENT_DROP:
        return ALERTS.say(
            "alert.segment_drop_title", lang, before=alert.params["from"], after=alert.params["to"]
        )
    if alert.reason == "unresolved_complaint":
        return ALERTS.say("alert.complaint_title", lang, days=alert.params.get("days", "?"))
    return label(f"risk_title.{alert.reason}", lang)


def alert_evidence(alert: Alert, lang: str, since: dt.date | None) -> str:
    if alert.reason == SEGMENT_DROP:
        before, after = alert.params["from"], alert.params["to"]
        return ALERTS.say(
            "alert.segment_drop",
            lang,
            before=before,
            after=after,
            before_label=segment_label(before, lang),
            after_label=segment_label(after, lang),
            since=since.isoformat() if since else "—",
        )
    return render(f"risk.{alert.reason}", dict(alert.params), lang)


def alert_message(
    alerts: Sequence[Alert],
    actions: Mapping[str, str | None],
    lang: str,
    as_of: dt.date,
    since: dt.date | None,
) -> str:
    """One message for one rep: each account that moved into risk, why, and the first step
    of the advisor's plan for it (`actions` by account id)."""
    blocks = [
        ALERTS.say(
            "alert.header", lang, count=len({a.account_id for a in alerts}), as_of=as_of.isoformat()
        )
    ]
    by_account: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_account.setdefault(alert.account_id, []).append(alert)
    for account_id, found in by_account.items():
        lines = []
        for alert in found:
            lines.append(
                ALERTS.say(
                    "alert.line",
                    lang,
                    account_id=account_id,
                    name=alert.name,
                    title=alert_title(alert, lang),
                    severity=label(f"severity.{alert.severity}", lang),
                )
            )
            lines.append(alert_evidence(alert, lang, since))
        action = actions.get(account_id)
        if action:
            lines.append(ALERTS.say("alert.first_step", lang, action=action))
        blocks.append("\n".join(lines))
    blocks.append(ALERTS.say("alert.footer", lang))
    return "\n\n".join(blocks)
