"""CSV tables: actions, structures, partner types and keywords per action, fundings, declared grants.

Each in two forms: `actions.csv`… are RFC 4180 in UTF-8 for programs; `actions-spreadsheet.csv`… hold
the same rows for a French spreadsheet (BOM, `;`, decimal comma). In both, a text cell that a
spreadsheet would run as a formula (`=HYPERLINK(…)`, `- 542 euros : participation des usagers`) starts
with a `'` (csgraph.spreadsheet): most readers of a published CSV open it in a spreadsheet, and the exact
text stays in the RDF files beside it. The columns of numbers are written as numbers, a minus sign
included.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from csgraph.export.nodes import DCTERMS, RDFS, SCHEMA, Nodes, Properties, Sink, classes, first, iris
from csgraph.export.sorting import SortedGraph
from csgraph.fields import CONCEPT_FIELDS
from csgraph.spreadsheet import Cell, machine_cell, number_of, write_spreadsheet_csv
from csgraph.vocabulary import BASE, CSG, PREFIXES, SKOS, concept_namespace, expanded
from csgraph.writing import atomic_write


@dataclass(frozen=True)
class Table:
    """One CSV file: its columns, and how a portal should title it."""

    file_name: str
    header: tuple[str, ...]
    title_fr: str
    title_en: str
    numbers: tuple[str, ...] = ()  # the columns of numbers: never neutralised, a decimal comma for people

    @property
    def spreadsheet_name(self) -> str:
        return self.file_name.removesuffix(".csv") + "-spreadsheet.csv"


LISTED_IN_ACTIONS = tuple(spec for spec in CONCEPT_FIELDS if spec.name not in ("keywords", "partners"))
"""The concept fields the actions table holds, by label, one column each named as the field; keywords and
partner types have tables of their own (one row per action and value)."""

TABLES = (
    Table(
        "actions.csv",
        (
            "action_id",
            "title",
            "structure_id",
            "structure",
            "departement_code",
            *(spec.name for spec in LISTED_IN_ACTIONS),
            "year",
            "budget_total",
            "summary",
            "source_file",
            "source_line",
            "layout",
            "truncated",
        ),
        "Actions (tableau CSV)",
        "Actions (CSV table)",
        ("year", "budget_total", "source_line"),
    ),
    Table(
        "structures.csv",
        (
            "structure_id",
            "name",
            "departement_code",
            "departement",
            "actions",
            # From the structure's SENACS page, empty without one:
            "kind",
            "legal_name",
            "siret",
            "siret_valid",
            "address",
            "postcode",
            "commune",
            "email",
            "website",
            "first_approval",
            "population",
            "management_mode",
            "territory_type",
            "territory_size",
            "priority_area",
            "priority_area_text",
            "federation_member",
            "other_federation",
            "travellers",
            "multi_site",
            "itinerant",
            "project_axes",
            "page_file",
            "page_line",
        ),
        "Structures organisatrices (tableau CSV)",
        "Organising structures (CSV table)",
        ("actions", "population", "page_line"),
    ),
    Table(
        "action-partners.csv",
        ("action_id", "partner_type_id", "partner_type"),
        "Types de partenaires par action (tableau CSV)",
        "Partner types per action (CSV table)",
    ),
    Table(
        "action-keywords.csv",
        ("action_id", "keyword_id", "keyword"),
        "Mots clés par action (tableau CSV)",
        "Keywords per action (CSV table)",
    ),
    Table(
        "fundings.csv",
        (
            "funding_id",
            "action_id",
            "funder",
            "funders",
            "funder_type_id",
            "funder_type",
            "funder_id",
            "amount",
            "currency",
            "source_text",
        ),
        "Financements (tableau CSV)",
        "Fundings (CSV table)",
        ("funders", "amount"),
    ),
    Table(
        "declared-grants.csv",
        (
            "grant_id",
            "funder",
            "funder_siret",
            "beneficiary",
            "beneficiary_siret",
            "structure_id",
            "amount",
            "currency",
            "date",
            "reference",
            "object",
            "nature",
            "source_file",
            "source_line",
        ),
        "Subventions déclarées par les financeurs, format SCDL (tableau CSV)",
        "Grants declared by funders, SCDL format (CSV table)",
        ("amount", "source_line"),
    ),
)
ROV = PREFIXES["rov"]
LOCN = PREFIXES["locn"]


def local(iri: str, namespace: str) -> str:
    """The join key of a node: its IRI without the namespace (`caf` for `…/partner/caf`)."""
    return iri.removeprefix(namespace)


def labels(index: Nodes, properties: Properties, predicate: str) -> str:
    """Several concepts in one cell, by label: ` | ` never occurs in the SENACS lists."""
    return " | ".join(index.label(iri) for iri in iris(properties, predicate))


def action_row(index: Nodes, action: str, properties: Properties) -> list[str]:
    structure = next(iter(iris(properties, CSG + "organiser")), "")
    departement = next(iter(iris(index.of(structure), CSG + "departement")), "")
    return [
        local(action, PREFIXES["action"]),
        first(properties, DCTERMS + "title"),
        local(structure, PREFIXES["structure"]),
        index.label(structure),
        first(index.of(departement), SKOS + "notation"),
        *(labels(index, properties, expanded(str(spec.property))) for spec in LISTED_IN_ACTIONS),
        first(properties, CSG + "year"),
        first(properties, CSG + "budgetTotal"),
        first(properties, DCTERMS + "abstract"),
        first(properties, CSG + "sourceFile"),
        first(properties, CSG + "sourceLine"),
        first(properties, CSG + "layout"),
        first(properties, CSG + "truncated"),
    ]


def structure_row(
    index: Nodes, structure: str, properties: Properties, address: Properties, actions: int
) -> list[str]:
    """What the fiches say of a structure, then what its SENACS page says (empty without one)."""
    departement = next(iter(iris(properties, CSG + "departement")), "")
    return [
        local(structure, PREFIXES["structure"]),
        index.label(structure),
        first(index.of(departement), SKOS + "notation"),
        index.label(departement),
        str(actions),
        first(properties, CSG + "structureKind"),
        first(properties, ROV + "legalName"),
        first(properties, CSG + "siret") or first(properties, CSG + "siretAsWritten"),
        siret_validity(properties),
        first(address, LOCN + "thoroughfare"),
        first(address, LOCN + "postCode"),
        first(address, LOCN + "postName"),
        first(properties, SCHEMA + "email"),
        first(properties, SCHEMA + "url"),
        first(properties, CSG + "firstApproval"),
        first(properties, CSG + "population"),
        labels(index, properties, CSG + "managementMode"),
        labels(index, properties, CSG + "territoryType"),
        first(properties, CSG + "territorySize"),
        first(properties, CSG + "priorityArea"),
        first(properties, CSG + "priorityAreaText"),
        first(properties, CSG + "federationMember"),
        first(properties, CSG + "otherFederation"),
        first(properties, CSG + "travellers"),
        first(properties, CSG + "multiSite"),
        first(properties, CSG + "itinerant"),
        " | ".join(sorted(str(axis.value) for axis in properties.get(CSG + "projectAxis", []))),
        first(properties, CSG + "pageFile"),
        first(properties, CSG + "pageLine"),
    ]


def siret_validity(properties: Properties) -> str:
    """`true` for a SIRET that passed its check, `false` for one kept as written, empty without one."""
    if first(properties, CSG + "siret"):
        return "true"
    return "false" if first(properties, CSG + "siretAsWritten") else ""


def declared_grant_row(index: Nodes, grant: str, properties: Properties) -> list[str]:
    funder = next(iter(iris(properties, SCHEMA + "funder")), "")
    beneficiary = next(iter(iris(properties, CSG + "beneficiary")), "")
    structure = ""
    if beneficiary.startswith(PREFIXES["structure"]):
        structure = local(beneficiary, PREFIXES["structure"])
    return [
        local(grant, PREFIXES["grant"]),
        index.label(funder),
        first(index.of(funder), CSG + "siret"),
        index.label(beneficiary),
        first(index.of(beneficiary), CSG + "siret"),
        structure,
        first(properties, SCHEMA + "amount"),
        first(properties, SCHEMA + "currency"),
        first(properties, DCTERMS + "date"),
        first(properties, DCTERMS + "identifier"),
        first(properties, SCHEMA + "description"),
        labels(index, properties, CSG + "grantNature"),
        first(properties, CSG + "rowFile"),
        first(properties, CSG + "rowLine"),
    ]


def concept_rows(
    index: Nodes, action: str, properties: Properties, predicate: str, scheme: str
) -> list[list[str]]:
    """One row per concept of one field of an action (partner types, keywords)."""
    return [
        [local(action, PREFIXES["action"]), local(concept, concept_namespace(scheme)), index.label(concept)]
        for concept in iris(properties, predicate)
    ]


def locals_of(properties: Properties, predicate: str, namespace: str) -> str:
    """Several join keys in one cell, as `labels` writes their names."""
    return " | ".join(local(iri, namespace) for iri in iris(properties, predicate))


def funding_row(index: Nodes, grant: str, properties: Properties) -> list[str]:
    """One row per contribution, so that the amounts add up: `funders` says how many the fiche names for it
    (0: none, `subvention 7000`; 2: `MSA et CCHPM`, whose types and named funders share the cells)."""
    return [
        local(grant, PREFIXES["funding"]),
        local(next(iter(iris(properties, SCHEMA + "fundedItem")), ""), PREFIXES["action"]),
        first(properties, RDFS + "label"),
        first(properties, CSG + "funderCount"),
        locals_of(properties, CSG + "funderType", BASE),
        labels(index, properties, CSG + "funderType"),
        locals_of(properties, SCHEMA + "funder", PREFIXES["funder"]),
        first(properties, SCHEMA + "amount"),
        first(properties, SCHEMA + "currency"),
        first(properties, CSG + "sourceText"),
    ]


class Rows:
    """The rows of every table, gathered subject by subject.

    Each subject comes with all its properties; the other nodes it names are looked up in `index`.
    """

    def __init__(self, index: Nodes) -> None:
        self.index = index
        self.rows: dict[str, list[list[str]]] = {table.file_name: [] for table in TABLES}
        self.structures: dict[str, Properties] = {}
        self.addresses: dict[str, Properties] = {}  # a structure's address is a node of its own
        self.organised: Counter[str] = Counter()

    def add(self, subject: str, properties: Properties) -> None:
        kinds = classes(properties)
        index = self.index
        if CSG + "Action" in kinds:
            self.organised.update(iris(properties, CSG + "organiser"))
            self.rows["actions.csv"].append(action_row(index, subject, properties))
            self.rows["action-partners.csv"] += concept_rows(
                index, subject, properties, CSG + "partnerType", "partner"
            )
            self.rows["action-keywords.csv"] += concept_rows(
                index, subject, properties, CSG + "keyword", "keyword"
            )
        if CSG + "Structure" in kinds:
            self.structures[subject] = properties
        if LOCN + "Address" in kinds:
            self.addresses[subject] = properties
        if CSG + "DeclaredGrant" in kinds:
            self.rows["declared-grants.csv"].append(declared_grant_row(index, subject, properties))
        elif SCHEMA + "MonetaryGrant" in kinds:
            self.rows["fundings.csv"].append(funding_row(index, subject, properties))

    def of(self, table: Table) -> list[list[str]]:
        """Rows in ID order; a structure's row counts the actions it organised, hence only at the end."""
        if table.file_name == "structures.csv":
            return sorted(
                structure_row(
                    self.index,
                    structure,
                    properties,
                    self.addresses.get(next(iter(iris(properties, LOCN + "address")), ""), {}),
                    self.organised[structure],
                )
                for structure, properties in self.structures.items()
            )
        return sorted(self.rows[table.file_name])


def write_table(path: Path, table: Table, rows: list[list[str]]) -> None:
    """RFC 4180 CSV in UTF-8 with a header row."""
    numbers = [name in table.numbers for name in table.header]
    with atomic_write(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(table.header)
        writer.writerows([machine_cell(*cell) for cell in zip(row, numbers, strict=True)] for row in rows)
        text.detach()


def write_spreadsheet(path: Path, table: Table, rows: list[list[str]]) -> None:
    """The same rows for a French spreadsheet: the columns of numbers as numbers, with a decimal comma."""
    numbers = [name in table.numbers for name in table.header]

    def cell(text: str, numeric: bool) -> Cell:
        amount = number_of(text) if numeric else None
        return text if amount is None else amount

    cells = ([cell(*pair) for pair in zip(row, numbers, strict=True)] for row in rows)
    with atomic_write(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        write_spreadsheet_csv(text, table.header, cells)
        text.detach()


@contextlib.contextmanager
def write(graph: SortedGraph, out_dir: Path, forms: tuple[str, ...] = ("csv",)) -> Iterator[Sink]:
    """Every table, gathered in the pass and written once it is over, in each form asked: `csv` for
    programs, `spreadsheet` for a French spreadsheet. Both forms from one gathering of the rows."""
    rows = Rows(graph.index)
    sink = Sink(rows.add)
    yield sink
    for table in TABLES:
        table_rows = rows.of(table)
        for form in forms:
            if form == "spreadsheet":
                name = table.spreadsheet_name
                write_spreadsheet(out_dir / name, table, table_rows)
            else:
                name = table.file_name
                write_table(out_dir / name, table, table_rows)
            sink.rows[name] = len(table_rows)
