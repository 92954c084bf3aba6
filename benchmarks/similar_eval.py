"""How well `csgraph similar` ranks: nDCG@5 and hit@3 on a hand-made set, for each part and together.

The set (similar/fiches.txt beside the sample): a paraphrase with no title word in common, the same project
in another département, and a different project with the same keywords (a decoy, relevance 0). Each query
lists the actions expected, by (title, département), with a graded relevance in the expected order.

    python benchmarks/similar_eval.py   # builds the sample and the set in a temporary folder
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from csgraph.build import build
from csgraph.similar import SimilarIndex, index_graph

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
METHODS = {"BM25 alone": 1.0, "graph alone": 0.0, "hybrid": None}


def number_of(index: SimilarIndex, title: str, departement: str) -> int:
    for number, line in enumerate(index.lines):
        _, found, code, _, _ = json.loads(line)
        if found == title and code == departement:
            return number
    raise LookupError(f"{title} ({departement}) is not in the set")


def ndcg(ranked: list[tuple[str, str]], relevance: dict[tuple[str, str], int], depth: int = 5) -> float:
    gain = sum(relevance.get(item, 0) / math.log2(rank + 2) for rank, item in enumerate(ranked[:depth]))
    ideal = sorted(relevance.values(), reverse=True)[:depth]
    return gain / sum(grade / math.log2(rank + 2) for rank, grade in enumerate(ideal))


def evaluate(index: SimilarIndex) -> dict[str, tuple[float, float]]:
    scores = {}
    for method, weight in METHODS.items():
        ndcgs, hits = [], []
        for (title, departement), relevance in EXPECTED.items():
            asked = number_of(index, title, departement)
            found = index.similar(asked, limit=5, **({} if weight is None else {"text_weight": weight}))
            ranked = [(one.title, one.departement) for one in found]
            ndcgs.append(ndcg(ranked, relevance))
            best = max(relevance, key=lambda item: relevance[item])
            hits.append(float(best in ranked[:3]))
        scores[method] = (sum(ndcgs) / len(ndcgs), sum(hits) / len(hits))
    return scores


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        report = build([ROOT / "data", HERE / "similar" / "fiches.txt"], Path(folder))
        index = index_graph(report.graph)
        print("| method | nDCG@5 | hit@3 |\n|---|---|---|")
        for method, (gain, hit) in evaluate(index).items():
            print(f"| {method} | {gain:.3f} | {hit:.3f} |")


if __name__ == "__main__":
    main()
