"""Account views for tests that need an account without a portfolio behind it."""

from __future__ import annotations

from advisor.accounts.view import AccountMetrics, AccountView, RiskView


def risk_view(code: str, severity: str, title: str = "", evidence: str = "…") -> RiskView:
    return RiskView(code, severity, title or code, evidence, {})


def account_view(
    account_id: str = "A1",
    name: str = "Acme",
    segment: str = "EII",
    risks: tuple[RiskView, ...] = (),
) -> AccountView:
    return AccountView(
        account_id=account_id,
        name=name,
        owner=None,
        segment=segment,
        segment_label=segment,
        previous_segment=None,
        movement="same",
        alarm=False,
        kind="existing",
        reasons=(),
        risks=risks,
        metrics=AccountMetrics(),
    )
