"""The naive baseline the benchmark compares `csgraph build` with: what one writes in an afternoon.

A regex parser, an rdflib in-memory Graph with one `g.add()` per triple, `g.serialize(format="turtle")`,
then one keyword × partner GROUP BY query on rdflib's own store. It does less than csgraph (no
vocabulary lookup, no amounts beyond the first, no notices, no persistent store), so the ratio flatters it.
Kept apart from the package on purpose: a reference, not a code path.

    python benchmarks/naive.py FICHE_DIR OUT.ttl   -> one JSON line of figures on stdout
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

CSG = Namespace("https://w3id.org/csgraph/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
BASE = "https://w3id.org/csgraph/"

# label -> (field, property, scheme): scheme set for closed lists, None for text.
FIELDS = {
    "Statut de l'action": ("status", "status", "status"),
    "Dimension": ("dimension", "dimension", "dimension"),
    "Mots clés associés à l'action": ("keywords", "keyword", "keyword"),
    "Mots clés associés à l'actions": ("keywords", "keyword", "keyword"),
    "Qui est à l'initiative de l'action ?": ("initiatives", "initiative", "initiative"),
    "Territoire concerné": ("territories", "territoryScale", "territory"),
    "Public": ("publics", "public", "public"),
    "Avec qui cette action a-t-elle été menée ?": ("partners", "partnerType", "partner"),
    "Thèmes": ("themes", "theme", "theme"),
    "Structure organisatrice": ("structure", "", None),
    "Résumé": ("summary", "abstract", None),
    "Description générale": ("description", "description", None),
    "Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.": (
        "experience",
        "experience",
        None,
    ),
    "Ressources financières mobilisées pour cette action": ("resources", "resourcesText", None),
    "Nombre de personnes mobilisés pour cette action": ("people", "peopleText", None),
    "Résultat sur le territoire": ("result_territory", "resultTerritory", None),
    "Résultat pour le centre social": ("result_centre", "resultCentre", None),
    "Résultat pour les habitants": ("result_inhabitants", "resultInhabitants", None),
    "Suite de l'action : Limites": ("limits", "limits", None),
    "Suite de l'action : Perspectives": ("perspectives", "perspectives", None),
}
LABEL = re.compile(r"^-?\s*(" + "|".join(re.escape(label) for label in FIELDS) + r")\s*$")
TITLE = re.compile(r'^Actions(?:\s+"+(.*?)"+)?\s*$')
VALUE = re.compile(r"^\s*[-•]\s*(.+?)\s*$")
AMOUNT = re.compile(r"(\d[\d  ]*(?:[.,]\d+)?)\s*(?:€|euros)")

KEYWORD_PARTNER = """
PREFIX csg: <https://w3id.org/csgraph/ontology#>
SELECT ?keyword ?partner (COUNT(DISTINCT ?action) AS ?actions)
WHERE { ?action a csg:Action ; csg:keyword ?keyword ; csg:partnerType ?partner }
GROUP BY ?keyword ?partner
ORDER BY DESC(?actions) ?keyword ?partner
"""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse(path: Path) -> list[dict[str, list[str]]]:
    """Fiches as {field: [lines]}; a fiche starts at an `Actions` line, a known label opens a field."""
    fiches: list[dict[str, list[str]]] = []
    fiche: dict[str, list[str]] | None = None
    current = None
    awaiting_title = False
    for line in read_text(path).splitlines():
        if awaiting_title:
            fiche = {"title": [line.strip()]}
            fiches.append(fiche)
            awaiting_title = False
            continue
        title = TITLE.match(line)
        if title:
            if title.group(1) is None:
                awaiting_title = True
            else:
                fiche = {"title": [title.group(1)]}
                fiches.append(fiche)
            current = None
            continue
        label = LABEL.match(line)
        if label and fiche is not None:
            current = FIELDS[label.group(1)]
            fiche.setdefault(current[0], [])
        elif fiche is not None and current is not None and line.strip():
            fiche[current[0]].append(line)
    return fiches


def add_fiche(graph: Graph, fiche: dict[str, list[str]]) -> None:
    title = fiche["title"][0]
    structure_line = VALUE.match(fiche.get("structure", ["- ?"])[0])
    structure_text = structure_line.group(1) if structure_line else "?"
    name, _, departement = structure_text.rpartition(" - ")
    key = hashlib.md5(f"{title}|{structure_text}".encode()).hexdigest()[:10]
    action = URIRef(f"{BASE}action/{slug(title)[:60]}-{key}")
    structure = URIRef(f"{BASE}structure/{slug(structure_text)[:80]}")
    graph.add((action, RDF.type, CSG.Action))
    graph.add((action, DCTERMS.title, Literal(title, lang="fr")))
    graph.add((action, CSG.organiser, structure))
    graph.add((structure, RDF.type, ORG.Organization))
    graph.add((structure, SKOS.prefLabel, Literal(name or structure_text, lang="fr")))
    graph.add((structure, CSG.departement, Literal(departement)))
    for field, prop, scheme in FIELDS.values():
        lines = fiche.get(field)
        if not lines or field == "structure":
            continue
        if scheme:
            for line in lines:
                value = VALUE.match(line)
                if value and value.group(1) != "Partenaires d'action:":
                    concept = URIRef(f"{BASE}{scheme}/{slug(value.group(1))}")
                    graph.add((action, CSG[prop], concept))
        else:
            target = DCTERMS[prop] if prop in ("abstract", "description") else CSG[prop]
            graph.add((action, target, Literal("\n".join(lines), lang="fr")))
    amount = AMOUNT.search("\n".join(fiche.get("resources", [])))
    if amount:
        digits = re.sub(r"\s", "", amount.group(1)).replace(",", ".")
        graph.add((action, CSG.budgetTotal, Literal(Decimal(digits))))


def main(source: Path, out: Path) -> dict[str, object]:
    started = time.perf_counter()
    graph = Graph()
    fiches = 0
    for path in sorted(source.rglob("*.txt")):
        for fiche in parse(path):
            add_fiche(graph, fiche)
            fiches += 1
    parsed = time.perf_counter()
    graph.serialize(destination=str(out), format="turtle")
    serialised = time.perf_counter()
    rows = list(graph.query(KEYWORD_PARTNER))
    queried = time.perf_counter()
    return {
        "fiches": fiches,
        "triples": len(graph),
        "parse_add_s": parsed - started,
        "serialize_s": serialised - parsed,
        "query_s": queried - serialised,
        "rows": len(rows),
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
