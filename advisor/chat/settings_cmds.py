"""The commands about the chat itself, not the advice: /lang, /reset, /alerts."""

from __future__ import annotations

from advisor.chat.access import Asker
from advisor.chat.reply import Reply
from advisor.chat.services import ChatServices
from advisor.chat.text import LANGS, Lang, text
from advisor.users.store import Role


def lang(s: ChatServices, a: Asker, args: str) -> Reply:
    """The answer language: en, ko or zh for every answer, or auto (each question's own)."""
    choice = args.strip().lower()
    if choice == "auto":
        s.users.set_language(a.id, None)
        return Reply((text("lang.auto", a.lang),))
    if choice not in LANGS:
        return Reply((text("lang.usage", a.lang),))
    s.users.set_language(a.id, choice)
    chosen = Lang(choice)
    # Confirmed in the language just chosen.
    return Reply((text("lang.set", chosen, language=text(f"language_name.{choice}", chosen)),))


def reset(s: ChatServices, a: Asker, _args: str) -> Reply:
    """Forget the account and the question being talked about."""
    s.contexts.reset(a.id)
    return Reply((text("reset", a.lang),))


def alerts(s: ChatServices, a: Asker, args: str) -> Reply:
    """Reps get the daily risk alerts, managers the weekly digest; either may opt out."""
    # Who may run /alerts is the command table's business; this only says which alerts.
    what = text("alerts.what_manager" if a.user.role is Role.MANAGER else "alerts.what_rep", a.lang)
    choice = args.strip().lower()
    if choice in ("on", "off"):
        s.users.set_alerts(a.id, choice == "on")
        return Reply((text(f"alerts.{choice}", a.lang, what=what),))
    if choice:
        return Reply((text("alerts.usage", a.lang),))
    on = s.users.alerts_enabled(a.id)
    return Reply((text("alerts.status_on" if on else "alerts.status_off", a.lang, what=what),))
