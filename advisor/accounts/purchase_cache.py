"""A columnar copy of the purchases (account, date, amount) kept beside the store.

Reading ten million transactions back through a database driver takes many times
longer than analysing them; an Arrow IPC file of the three columns the analysis
needs loads in a fraction of a second. The file is named by the store's identity
and data revision, so it is used only when it matches the store exactly:

- every import that changes data brings the file up to date in the same step as
  it moves the revision (`advance`: the rows it added, less the old values of the
  rows it changed: the file is the multiset of purchases, which row of a
  duplicate goes does not matter);
- a file that matches no revision (another process wrote the store, an import
  was interrupted) is ignored and rebuilt from the database on the next read.

The cache is an optimisation only: a folder that cannot be written, a file that
cannot be read or a race with another process falls back to the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

import polars as pl

PURCHASE_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "date": pl.Date(),
    "amount": pl.Float64(),
}
PURCHASE_COLUMNS = tuple(PURCHASE_SCHEMA)
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class PurchaseCache:
    """Purchase files `<prefix>-<token>.arrow` in one folder; one token is current."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = _SAFE.sub("_", prefix)

    @classmethod
    def for_store(
        cls, database: Path | None, url: str, folder: Path | None
    ) -> PurchaseCache | None:
        """Beside a SQLite file, or in `folder` (named after the URL) for a server."""
        if database is not None:
            return cls(database.parent, f"{database.name}.purchases")
        if folder is None:
            return None
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
        return cls(folder, f"purchases-{digest}")

    def path(self, token: str) -> Path:
        return self.folder / f"{self.prefix}-{_SAFE.sub('_', token)}.arrow"

    def load(self, token: str) -> pl.DataFrame | None:
        """The purchases as of `token`, or None when no file matches it."""
        path = self.path(token)
        try:
            frame = pl.read_ipc(path)
        except (OSError, pl.exceptions.PolarsError):
            return None
        if dict(frame.schema) != PURCHASE_SCHEMA:
            return None
        return frame

    def save(self, frame: pl.DataFrame, token: str) -> None:
        """Write the purchases for `token` and drop the files of older tokens."""
        target = self.path(token)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{self.prefix}-", suffix=".tmp")
            os.close(fd)
            try:
                frame.select(PURCHASE_COLUMNS).write_ipc(tmp, compression="uncompressed")
                os.replace(tmp, target)  # readers see the whole file or none
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        except (OSError, pl.exceptions.PolarsError):
            return
        self._drop_others(keep=target)

    def advance(
        self,
        before: str,
        after: str,
        added: pl.DataFrame,
        removed: pl.DataFrame,
        *,
        was_empty: bool = False,
    ) -> None:
        """Bring the file for `before` to `after`: plus `added`, minus `removed`.

        Without a file for `before`, a store that had no purchases starts one from
        `added`; otherwise the next read rebuilds it from the database.
        """
        if before == after:
            return
        current = self.load(before)
        if current is None:
            if was_empty and removed.height == 0:
                self.save(added, after)
            else:
                self._drop_others(keep=None)
            return
        self.save(apply_delta(current, added, removed), after)

    def _drop_others(self, keep: Path | None) -> None:
        for old in self.folder.glob(f"{self.prefix}-*.arrow"):
            if old != keep:
                with contextlib.suppress(OSError):
                    old.unlink()


def _with_occurrence(frame: pl.DataFrame) -> pl.DataFrame:
    """Number equal rows 0, 1, 2…: a multiset difference becomes an anti-join."""
    return frame.with_columns(pl.int_range(pl.len()).over(PURCHASE_COLUMNS).alias("__occurrence"))


def apply_delta(current: pl.DataFrame, added: pl.DataFrame, removed: pl.DataFrame) -> pl.DataFrame:
    """`current` plus the rows of `added`, less one row equal to each row of `removed`."""
    columns = list(PURCHASE_COLUMNS)
    kept = current.select(columns)
    if removed.height:
        gone = _with_occurrence(removed.select(columns).cast(PURCHASE_SCHEMA))
        kept = (
            _with_occurrence(kept)
            .join(gone, on=[*columns, "__occurrence"], how="anti", nulls_equal=True)
            .drop("__occurrence")
        )
    if added.height:
        kept = pl.concat([kept, added.select(columns).cast(PURCHASE_SCHEMA)])
    return kept
