"""`advisor ingest`, `search`, `eval retrieval`, `knowledge check`."""

from __future__ import annotations

from pathlib import Path

import click

from advisor.cli.common import echo_json, settings

# The knowledge layer (the index, the models, LangChain) is imported by each
# command when it runs, so that `--help` starts at once.


@click.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Drop the index and embed everything again.")
@click.option(
    "--forget",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Stop indexing a file or folder ingested earlier.",
)
@click.option("--json", "as_json", is_flag=True, help="Print counts as one JSON document.")
@click.pass_context
def ingest_cmd(
    ctx: click.Context,
    paths: tuple[Path, ...],
    rebuild: bool,
    forget: tuple[Path, ...],
    as_json: bool,
) -> None:
    """Ingest the bundled guidance and cards, plus your own files or folders.

    PATHS may name .txt, .md, .pdf and .docx files or folders holding them;
    they are remembered, so later runs notice changed or deleted files.
    """
    from advisor.cli.progress import progress_bars
    from advisor.wiring import run_ingest

    report = run_ingest(
        settings(ctx),
        list(paths),
        rebuild=rebuild,
        forget=list(forget),
        progress=progress_bars(as_json),
    )
    for problem in report.skipped:
        click.echo(f"skipped: {problem}", err=True)
    if as_json:
        echo_json(report.as_json())
    else:
        click.echo(
            f"{report.documents} documents, {report.passages} passages, {report.cards} cards "
            f"indexed ({report.added} added, {report.removed} removed)"
        )


@click.command("search")
@click.argument("question")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--source", help="Only passages of this source (file name or part of it).")
@click.option(
    "--language",
    type=click.Choice(["ko", "zh", "zh-Hans", "zh-Hant", "en"]),
    help="Only passages in this language.",
)
@click.option("--segment", help="Only passages tagged with this segment (EI…EIV, PI…PIV, F).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search_cmd(
    ctx: click.Context,
    question: str,
    k: int,
    source: str | None,
    language: str | None,
    segment: str | None,
    as_json: bool,
) -> None:
    """The source passages that answer QUESTION (English, Korean or Chinese)."""
    from advisor.wiring import open_retriever
    from knowledge.search.retrieval import Filters

    retriever = open_retriever(settings(ctx))
    hits = retriever.search(question, k, Filters(source, language, segment))
    if as_json:
        echo_json([hit.as_json() for hit in hits])
        return
    for rank, hit in enumerate(hits, start=1):
        via = f"  (card {hit.card})" if hit.card else ""
        click.echo(f"{rank}. {hit.passage.source} · {hit.passage.heading or '—'}{via}")
        click.echo(f"   {hit.passage.text.replace(chr(10), chr(10) + '   ')}\n")


@click.group("eval")
def eval_group() -> None:
    """Measure the advisor's quality."""


@eval_group.command("retrieval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def eval_retrieval_cmd(ctx: click.Context, file: Path, k: int, as_json: bool) -> None:
    """Recall@k of search on a question set (one JSON object a line: id, lang, question, gold)."""
    from advisor.wiring import open_retriever
    from knowledge.evaluation import evaluate, load_questions

    retriever = open_retriever(settings(ctx))
    result = evaluate(load_questions(file), lambda q, n: retriever.search(q, n), k)
    if as_json:
        echo_json(result.as_json())
        return
    click.echo(f"recall@{k}: {result.recall:.3f} over {result.n} questions")
    cutoffs = sorted(result.recall_at)
    click.echo("          " + "".join(f"   @{c:<4}" for c in cutoffs))
    click.echo("all       " + "".join(f"  {result.recall_at[c]:.3f}" for c in cutoffs))
    for lang, values in result.by_language.items():
        click.echo(f"{lang:<10}" + "".join(f"  {values[c]:.3f}" for c in cutoffs))
    if result.misses:
        click.echo(f"missed at {k}: {', '.join(result.misses)}")


@click.group("knowledge")
def knowledge_group() -> None:
    """Maintain the knowledge base."""


@knowledge_group.command("check")
def knowledge_check_cmd() -> None:
    """Validate every card: languages, anchors, tags, ids."""
    from knowledge.cards import check_cards, load_cards
    from knowledge.ingest.pipeline import bundled_source_texts

    cards = load_cards()
    problems = check_cards(cards, bundled_source_texts())
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.ClickException(f"{len(problems)} problems in {len(cards)} cards")
    click.echo(f"{len(cards)} cards: all checks passed")


COMMANDS: list[click.Command] = [
    ingest_cmd,
    search_cmd,
    eval_group,
    knowledge_group,
]
