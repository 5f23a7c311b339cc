"""The building blocks of the sample portfolio: names, purchase histories, events.

`advisor.accounts.sample` tells the stories; this module makes the rest of the
crowd (steady, erratic, seasonal, new and fading accounts, prospects and future
customers) from one seeded random generator.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

SEED = 20261031
FIRST_MONTH = (2024, 11)
MONTHS = 24
LAST_DAY = dt.date(2026, 10, 31)
OWNERS = ("kim.minji", "wang.lei", "lee.junho", "chen.jing", "smith.anna")
BEER_SEASON = dict(
    zip(
        range(1, 13), (0.3, 0.35, 0.55, 0.9, 1.6, 2.4, 2.6, 0.8, 0.35, 0.25, 0.3, 0.45), strict=True
    )
)
PRODUCTS = {
    "beverage": ["lager 500ml case", "draft keg 20L", "craft ale case", "soju case"],
    "retail": ["household goods pallet", "snack assortment", "paper products", "cleaning supplies"],
    "food": ["frozen dumplings", "instant noodles", "cooking oil", "rice 20kg"],
    "electronics": ["LED panels", "power adapters", "cable kits", "sensor modules"],
    "hospitality": ["amenity kits", "linen set", "coffee capsules"],
    "logistics": ["packing material", "pallet wrap", "labels"],
}
REGIONS = tuple(
    [
        "Seoul",
        "Busan",
        "Incheon",
        "Shanghai",
        "Guangzhou",
        "Beijing",
        "Shenzhen",
        "Singapore",
        "Hong Kong",
    ]
)


EN_A = [
    "Pacific",
    "Summit",
    "Harbor",
    "Evergreen",
    "Silverline",
    "Redwood",
    "Bright",
    "Atlas",
    "Crown",
    "Lakeside",
    "Union",
    "Prime",
    "Coastal",
    "Keystone",
    "Northstar",
    "Riverside",
    "Bluewater",
    "Sterling",
    "Oakridge",
    "Pioneer",
]
EN_B = [
    "Trading",
    "Foods",
    "Retail",
    "Supplies",
    "Logistics",
    "Distribution",
    "Mart",
    "Hospitality",
    "Electronics",
    "Beverages",
]
EN_C = ["Co.", "Ltd.", "Inc.", "Group", ""]
KO_A = [
    "대성",
    "동해",
    "서울",
    "미래",
    "푸른",
    "새한",
    "금강",
    "한울",
    "태평",
    "삼진",
    "하나",
    "제일",
    "성원",
    "동방",
    "한결",
    "누리",
    "가온",
    "다온",
    "바다",
    "청솔",
]
KO_B = ["유통", "상사", "식품", "마트", "물산", "주류", "전자", "무역", "산업", "리테일"]
ZH_A = [
    "华北",
    "长江",
    "东方",
    "新世纪",
    "金桥",
    "宏达",
    "恒信",
    "万顺",
    "鑫源",
    "瑞丰",
    "永盛",
    "天和",
    "嘉禾",
    "盛世",
    "安达",
    "隆兴",
    "富源",
    "华信",
    "同创",
    "远航",
]
ZH_B = ["贸易", "商贸", "食品", "电子", "酒业", "物流", "超市", "实业"]
ZH_C = ["有限公司", "集团", "股份有限公司"]


def _month(index: int) -> tuple[int, int]:
    number = FIRST_MONTH[0] * 12 + FIRST_MONTH[1] - 1 + index
    return number // 12, number % 12 + 1


def _days_in(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


class Builder:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.accounts: list[dict[str, object]] = []
        self.transactions: list[tuple[str, dt.date, float, float, str]] = []
        self.events: list[tuple[str, dt.date, str, float | None, str | None]] = []
        self.names: set[str] = set()

    # ---- names ---------------------------------------------------------------

    def name(self, industry: str) -> str:
        rng = self.rng
        while True:
            script = rng.choice(["en", "ko", "zh"], p=[0.45, 0.3, 0.25])
            if script == "en":
                name = f"{rng.choice(EN_A)} {rng.choice(EN_B)} {rng.choice(EN_C)}".strip()
            elif script == "ko":
                name = f"{rng.choice(KO_A)}{rng.choice(KO_B)}"
                if rng.random() < 0.3:
                    name = f"(주){name}"
            else:
                name = f"{rng.choice(ZH_A)}{rng.choice(ZH_B)}{rng.choice(ZH_C)}"
            if name not in self.names:
                self.names.add(name)
                return name

    # ---- transactions --------------------------------------------------------

    def month_orders(self, account: str, index: int, total: float, industry: str) -> None:
        if total <= 0:
            return
        year, month = _month(index)
        last = _days_in(year, month)
        orders = int(min(4, 1 + self.rng.poisson(0.7)))
        parts = self.rng.dirichlet(np.ones(orders)) * total
        for part in parts:
            amount = float(max(10.0, round(part, -1)))
            day = int(self.rng.integers(1, last + 1))
            product = str(self.rng.choice(PRODUCTS[industry]))
            price = {"beverage": 40.0, "electronics": 120.0}.get(industry, 25.0)
            quantity = float(max(1, round(amount / price)))
            self.transactions.append(
                (account, dt.date(year, month, day), amount, quantity, product)
            )

    def history(
        self,
        account: str,
        industry: str,
        monthly: float,
        *,
        active: float,
        noise: float,
        start: int = 0,
        stop: int = MONTHS,
        season: dict[int, float] | None = None,
        factor: dict[int, float] | None = None,
        lumpy: bool = False,
    ) -> None:
        for index in range(start, stop):
            if self.rng.random() > active:
                continue
            year, month = _month(index)
            level = monthly * (season or {}).get(month, 1.0) * (factor or {}).get(index, 1.0)
            if lumpy:
                level *= self.rng.gamma(2.0, 0.5) / max(active, 0.05)
            level *= float(np.exp(self.rng.normal(0.0, noise)))
            self.month_orders(account, index, level, industry)

    def event(
        self,
        account: str,
        date: dt.date,
        kind: str,
        value: float | None = None,
        note: str | None = None,
    ) -> None:
        self.events.append((account, date, kind, value, note))

    def add_account(
        self,
        account_id: str,
        name: str,
        owner: str,
        industry: str,
        region: str,
        stage: str | None = None,
        expected: float | None = None,
        intent: str | None = None,
    ) -> None:
        self.accounts.append(
            {
                "account_id": account_id,
                "name": name,
                "owner": owner,
                "stage": stage,
                "expected_revenue": expected,
                "intent": intent,
                "industry": industry,
                "region": region,
            }
        )


def generic(b: Builder, existing: int = 232, prospects: int = 38, future: int = 20) -> None:
    rng = b.rng
    number = 12
    for _ in range(existing):
        account_id = f"A{number:03d}"
        number += 1
        kind = rng.choice(
            ["steady", "erratic", "beer", "new", "fading"], p=[0.55, 0.27, 0.09, 0.05, 0.04]
        )
        industry = "beverage" if kind == "beer" else str(rng.choice(list(PRODUCTS)))
        owner = str(rng.choice(OWNERS))
        b.add_account(
            account_id,
            b.name(industry),
            owner,
            industry,
            str(rng.choice(REGIONS)),
            None if rng.random() < 0.3 else "existing",
        )
        monthly = float(np.exp(rng.normal(np.log(9_000), 1.05)))
        if kind == "steady":
            b.history(
                account_id, industry, monthly, active=float(rng.uniform(0.82, 1.0)), noise=0.15
            )
        elif kind == "erratic":
            b.history(
                account_id,
                industry,
                monthly,
                active=float(rng.uniform(0.25, 0.62)),
                noise=0.3,
                lumpy=True,
            )
        elif kind == "beer":
            b.history(account_id, industry, monthly, active=0.97, noise=0.12, season=BEER_SEASON)
        elif kind == "new":
            b.history(
                account_id,
                industry,
                monthly,
                active=0.95,
                noise=0.15,
                start=int(rng.integers(17, 22)),
            )
        else:
            b.history(
                account_id,
                industry,
                monthly,
                active=0.9,
                noise=0.15,
                stop=int(rng.integers(14, 21)),
            )
        generic_events(b, account_id)
    for _ in range(prospects):
        account_id = f"A{number:03d}"
        number += 1
        industry = str(rng.choice(list(PRODUCTS)))
        expected = float(round(np.exp(rng.normal(np.log(250_000), 1.0)), -3))
        intent = str(rng.choice(["low", "medium", "high", "0.1", "0.3", "0.6", "0.8", ""]))
        b.add_account(
            account_id,
            b.name(industry),
            str(rng.choice(OWNERS)),
            industry,
            str(rng.choice(REGIONS)),
            "prospect",
            expected,
            intent or None,
        )
        if rng.random() < 0.4:
            b.event(
                account_id,
                dt.date(2026, int(rng.integers(5, 11)), int(rng.integers(1, 28))),
                "visit",
            )
    for _ in range(future):
        account_id = f"A{number:03d}"
        number += 1
        industry = str(rng.choice(list(PRODUCTS)))
        b.add_account(
            account_id,
            b.name(industry),
            str(rng.choice(OWNERS)),
            industry,
            str(rng.choice(REGIONS)),
            "future" if rng.random() < 0.7 else None,
        )


def generic_events(b: Builder, account_id: str) -> None:
    rng = b.rng

    def day() -> dt.date:
        year, month = _month(int(rng.integers(0, MONTHS)))
        return dt.date(year, month, int(rng.integers(1, 29)))

    for _ in range(int(rng.poisson(2.0))):
        b.event(account_id, day(), "visit")
    if rng.random() < 0.45:
        score = int(rng.choice([1, 2, 3, 4, 5], p=[0.03, 0.07, 0.25, 0.4, 0.25]))
        b.event(account_id, day(), "satisfaction", score)
    if rng.random() < 0.15:
        when = day()
        b.event(
            account_id,
            when,
            "complaint",
            note=str(rng.choice(["late delivery", "wrong items", "price dispute"])),
        )
        if rng.random() < 0.8:
            b.event(account_id, when + dt.timedelta(days=int(rng.integers(3, 30))), "resolved")
    if rng.random() < 0.04:
        b.event(account_id, day(), "overdue", float(round(rng.uniform(5_000, 60_000), -2)))
    if rng.random() < 0.04:
        b.event(account_id, day(), "competitor_offer")
