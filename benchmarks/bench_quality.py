"""Quality gate cost: GX validation of 10 expectations on 1,000,000 rows vs the same checks
written by hand in pandas, same process; target under 3x, GX import paid once (DESIGN.md §7)."""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from benchmarks.common import measure, table, verdict
from jupyter_promote.expectations import (
    BETWEEN,
    IN_SET,
    MATCHES,
    NOT_NULL,
    ROWS_BETWEEN,
    UNIQUE,
    ExpectationConfig,
)
from jupyter_promote.expectations import gx as quality

LIMIT_RATIO = 3.0
ROWS = 1_000_000
REGEX = r"^user\d+@example\.com$"


def generate(rows: int = ROWS) -> pd.DataFrame:
    """A loans-like frame where every check passes (the common case of a gate)."""
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "loan_id": np.arange(rows),
            "amount": rng.uniform(0, 1_000_000, rows).round(2),
            "term_months": rng.integers(6, 361, rows),
            "rate": rng.uniform(0.01, 0.25, rows),
            "grade": rng.choice(list("ABCDEFG"), rows),
            "country": rng.choice(["US", "FR", "DE", "IN", "BR"], rows),
            "email": [f"user{i}@example.com" for i in range(rows)],
        }
    )


def configs() -> list[ExpectationConfig]:
    """between x3, not null x2, unique x1, in set x2, regex x1, row count x1."""
    countries = ["US", "FR", "DE", "IN", "BR"]
    rows: list[tuple[str, dict[str, object]]] = [
        (BETWEEN, {"column": "amount", "min_value": 0, "max_value": 5_000_000}),
        (BETWEEN, {"column": "term_months", "min_value": 1, "max_value": 480}),
        (BETWEEN, {"column": "rate", "min_value": 0, "max_value": 1}),
        (NOT_NULL, {"column": "loan_id"}),
        (NOT_NULL, {"column": "amount"}),
        (UNIQUE, {"column": "loan_id"}),
        (IN_SET, {"column": "grade", "value_set": list("ABCDEFG")}),
        (IN_SET, {"column": "country", "value_set": countries}),
        (MATCHES, {"column": "email", "regex": REGEX}),
        (ROWS_BETWEEN, {"min_value": 1_000}),
    ]
    return [ExpectationConfig(type=kind, kwargs=kwargs) for kind, kwargs in rows]


def pandas_checks(df: pd.DataFrame) -> list[int]:
    """The same checks by hand: unexpected count per check (nulls ignored, as GX does)."""
    amount, grade, country = df["amount"], df["grade"], df["country"]
    email = df["email"].dropna()
    return [
        int((~amount.between(0, 5_000_000) & amount.notna()).sum()),
        int((~df["term_months"].between(1, 480)).sum()),
        int((~df["rate"].between(0, 1)).sum()),
        int(df["loan_id"].isna().sum()),
        int(amount.isna().sum()),
        int(df["loan_id"].duplicated(keep=False).sum()),
        int((~grade.isin(list("ABCDEFG")) & grade.notna()).sum()),
        int((~country.isin(["US", "FR", "DE", "IN", "BR"]) & country.notna()).sum()),
        int((~email.str.contains(REGEX)).sum()),
        int(len(df) < 1_000),
    ]


def run() -> tuple[str, bool]:
    already = "great_expectations" in sys.modules
    start = time.perf_counter()
    quality.gx_runtime()  # the one-time cost: import great_expectations + ephemeral context
    startup_ms = (time.perf_counter() - start) * 1000
    df, checks = generate(), configs()
    results = quality.check_frame(df, "loans", checks)  # warm-up (and a correctness check)
    assert all(r.success for r in results), quality.render_text(results)
    assert not any(pandas_checks(df)), pandas_checks(df)
    gx = measure(lambda: quality.check_frame(df, "loans", checks), repeat=5)
    hand = measure(lambda: pandas_checks(df), repeat=5)
    ratio = gx["median"] / hand["median"]
    ms = lambda t: [f"{t[k]:.0f}" for k in ("min", "median", "max")]  # noqa: E731
    once = " (GX was imported before)" if already else ""
    rows = [
        ["one-time: import GX + context" + once, f"{startup_ms:.0f}", "", "", "once", ""],
        ["GX gate: check_frame, 10 expectations", *ms(gx), "", ""],
        ["hand-written pandas, same 10 checks", *ms(hand), "", ""],
        ["ratio GX / pandas (median)", "", f"{ratio:.2f}x", "", f"< {LIMIT_RATIO:g}x",
         verdict(ratio, LIMIT_RATIO)],
    ]  # fmt: skip
    title = f"Quality gate on {len(df):,} rows, 10 expectations, ms"
    text = table(title, ["phase", "min", "median", "max", "target", "result"], rows)
    return text, ratio < LIMIT_RATIO


if __name__ == "__main__":
    text, ok = run()
    print(text)
    sys.exit(0 if ok else 1)
