"""Reading the project's YAML data: with libyaml's C parser where PyYAML has it.

The cards alone are some 20,000 lines; the pure-Python parser takes most of a
second over them, the C one a few hundredths.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The document in `text`, safe-loaded (plain data only: no Python objects)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
