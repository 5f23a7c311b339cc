"""The bundled sources: where they are and what their manifest names.

Apart from the ingest pipeline so that a search can tell a bundled source from
a user's document without loading the pipeline's splitters and loaders.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.yamlfile import load_yaml

SOURCES_DIR = Path(__file__).parents[1] / "sources"


def bundled_source_names(sources_dir: Path = SOURCES_DIR) -> list[str]:
    """The file names of the bundled sources (as their passages cite them)."""
    manifest = load_yaml((sources_dir / "manifest.yaml").read_text("utf-8"))
    return [str(entry["file"]) for entry in manifest["sources"]]
