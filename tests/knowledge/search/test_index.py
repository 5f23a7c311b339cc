"""The index: idempotent ingest, replacement of changed sources, one writer, embedder checks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.config import KnowledgeConfig
from knowledge.errors import EmbedderMismatchError, IndexLockedError
from knowledge.ingest.pipeline import ingest
from knowledge.search.index import KnowledgeIndex
from knowledge.search.retrieval import HybridRetriever
from tests.fakes.embedder import FakeEmbedder


def _empty_bundle(root: Path) -> tuple[Path, Path]:
    sources, cards = root / "sources", root / "cards"
    sources.mkdir(parents=True, exist_ok=True)
    cards.mkdir(exist_ok=True)
    (sources / "manifest.yaml").write_text("sources: []\n")
    return sources, cards


def _ingest(config: KnowledgeConfig, paths=(), root: Path | None = None, **kw):
    kwargs = {}
    if root is not None:
        sources, cards = _empty_bundle(root)
        kwargs = {"sources_dir": sources, "cards_dir": cards}
    return ingest(config, FakeEmbedder(), list(paths), **kwargs, **kw)


def test_bundled_ingest_twice_adds_nothing(knowledge_config) -> None:
    first = _ingest(knowledge_config)
    assert first.documents == 5 and first.cards >= 60 and first.added > first.passages
    second = _ingest(knowledge_config)
    assert (second.added, second.removed) == (0, 0)
    assert second.passages == first.passages


paragraph = (
    st.text(
        alphabet=st.sampled_from(list("고객관리전략충성도大客户忠诚度流失abcdef 。.")),
        min_size=3,
        max_size=80,
    )
    .map(str.strip)
    .filter(lambda s: len(s) >= 3)
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(docs=st.lists(st.lists(paragraph, min_size=1, max_size=4), min_size=1, max_size=3))
def test_ingest_twice_equals_ingest_once(tmp_path_factory, docs) -> None:
    root = tmp_path_factory.mktemp("prop")
    for i, paragraphs in enumerate(docs):
        (root / f"doc{i}.md").write_text("\n".join(paragraphs), "utf-8")
    files = sorted(root.glob("*.md"))
    config = KnowledgeConfig(index_dir=root / "index", embedder="fake")
    once = _ingest(config, files, root)
    records_once = sorted(r.id for r in KnowledgeIndex(config).records())
    twice = _ingest(config, files, root)
    assert (twice.added, twice.removed) == (0, 0)
    assert sorted(r.id for r in KnowledgeIndex(config).records()) == records_once
    assert KnowledgeIndex(config).vector_ids() == set(records_once)
    assert once.passages == twice.passages


def test_changed_source_replaces_exactly_its_passages(tmp_path) -> None:
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("1. 첫째 전략입니다. 고객을 방문합니다.\n2. 둘째 전략입니다. 불만을 해결합니다.")
    b.write_text("一、大客户忠诚\n建立客户俱乐部。")
    _ingest(config, [a, b], tmp_path)
    before = {r.id: r for r in KnowledgeIndex(config).records()}
    a.write_text("1. 첫째 전략입니다. 고객을 방문합니다.\n2. 바뀐 전략입니다. 계약을 맺습니다.")
    report = _ingest(config, [], tmp_path)  # remembered paths are re-read
    after = {r.id: r for r in KnowledgeIndex(config).records()}
    assert (report.added, report.removed) == (1, 1)
    assert {r.source for r in after.values()} == {str(a.resolve()), str(b.resolve())}
    assert [r.text for r in after.values() if r.id not in before] == [
        "2. 바뀐 전략입니다. 계약을 맺습니다."
    ]


def test_deleted_source_removes_its_passages(tmp_path) -> None:
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("대형 고객 관리 전략")
    b.write_text("大客户流失的原因")
    _ingest(config, [a, b], tmp_path)
    b.unlink()
    report = _ingest(config, [], tmp_path)
    assert report.removed == 1
    assert {r.source for r in KnowledgeIndex(config).records()} == {str(a.resolve())}
    assert len(KnowledgeIndex(config).vector_ids()) == 1


def test_unreadable_and_empty_files_are_named_and_skipped(tmp_path) -> None:
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    good = tmp_path / "good.md"
    good.write_text("핵심 고객 관리 전담 부서를 설립합니다.")
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9 clients".encode("latin-1"))
    broken_pdf = tmp_path / "broken.pdf"
    broken_pdf.write_bytes(b"%PDF-1.4 this is not really a pdf")
    broken_docx = tmp_path / "broken.docx"
    broken_docx.write_bytes(b"not a zip")
    report = _ingest(config, [tmp_path], tmp_path)
    skipped = "\n".join(report.skipped)
    for bad in (empty, latin1, broken_pdf, broken_docx):
        assert str(bad) in skipped
    assert report.documents == 1 and report.passages == 1


def test_pdf_and_docx_playbooks_are_ingested(tmp_path) -> None:
    import docx
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    document = docx.Document()
    document.add_paragraph("1. Visit the key account every month and review its orders.")
    document.add_paragraph("2. Offer a loyalty rebate tied to annual volume.")
    document.save(tmp_path / "playbook.docx")
    matplotlib.rcParams["pdf.fonttype"] = 42
    fig = plt.figure()
    fig.text(0.1, 0.5, "Escalate overdue payments to the finance team within a week.")
    fig.savefig(tmp_path / "policy.pdf")
    plt.close(fig)
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    report = _ingest(config, [tmp_path], tmp_path)
    texts = " ".join(r.text for r in KnowledgeIndex(config).records())
    assert report.documents == 2, report.skipped
    assert "loyalty rebate" in texts and "overdue payments" in texts


def test_querying_with_another_embedder_is_a_clear_error(tmp_path) -> None:
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    (tmp_path / "a.md").write_text("고객")
    _ingest(config, [tmp_path / "a.md"], tmp_path)
    other = FakeEmbedder(spec="sentence-transformers:/models/other")
    with pytest.raises(EmbedderMismatchError, match="built with embedder 'fake'"):
        HybridRetriever(KnowledgeIndex(config), other)
    with pytest.raises(EmbedderMismatchError):
        ingest(config, other, [], sources_dir=tmp_path / "sources", cards_dir=tmp_path / "cards")
    report = ingest(
        config,
        other,
        [],
        rebuild=True,
        sources_dir=tmp_path / "sources",
        cards_dir=tmp_path / "cards",
    )
    assert report.added == 1
    HybridRetriever(KnowledgeIndex(config), other)  # now built by the other embedder


def test_a_second_writer_fails_fast(tmp_path) -> None:
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    config.index_dir.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from filelock import FileLock
            lock = FileLock({str(config.index_dir / "write.lock")!r})
            lock.acquire()
            print('locked', flush=True)
            sys.stdin.readline()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLockedError, match="being written"):
            _ingest(config, [], tmp_path)
    finally:
        holder.communicate("\n", timeout=10)
