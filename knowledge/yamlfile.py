"""Reading the project's YAML data: with libyaml's C parser where PyYAML has it.

The cards alone are some 20,000 lines; the pure-Python parser takes most of a
second over them, the C one a few hundredths.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The document in `text`, safe-loaded (plain data only: no Python objects)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python


def load_yaml_file(path: Path, cache_dir: Path | None = None) -> Any:
    """The document in the file at `path`; with `cache_dir`, kept there as JSON too.

    Even libyaml spends a few tenths of a second on the cards, on every start of
    `advisor ask`; JSON loads several times faster. The copy is named by the
    file's content hash, so an edited file is parsed again, and any trouble with
    the cache (a folder that cannot be written, data JSON cannot hold) only means
    parsing the YAML.
    """
    data = path.read_bytes()
    if cache_dir is None:
        return load_yaml(data.decode("utf-8"))
    digest = hashlib.sha256(data).hexdigest()[:20]
    cached = cache_dir / f"{path.stem}-{digest}.json"
    try:
        return json.loads(cached.read_text("utf-8"))
    except (OSError, ValueError):
        pass
    document = load_yaml(data.decode("utf-8"))
    with contextlib.suppress(OSError, TypeError, ValueError):
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(document, out, ensure_ascii=False)
            os.replace(tmp, cached)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for old in cache_dir.glob(f"{path.stem}-*.json"):
            if old != cached:
                old.unlink()
    return document
