"""The fields of the SENACS action form, declared once: how the parser finds them, what the mapper writes.

Each field says how its values are written (`kind`), the labels that open it in each layout, its French
heading for people (pages, tables), the RDF property it becomes on the action and, for closed
vocabularies, the concept scheme of its values. The parser, the mapper and the tests read this table, so a
new field is one line here, one property in `ontology/csgraph.ttl` and, for a list, one attribute of `Fiche`.

Plain strings only (Turtle prefixed names for properties): parsing must not import the RDF libraries.
The order within each group (lists of concepts, free texts, plain literals) is the order in which the
mapper writes an action's triples, so graph.ttl stays the same when fields are added at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields

from csgraph.model import Fiche


@dataclass(frozen=True)
class Field:
    """A field of the fiche form, from its labels to its RDF property."""

    name: str  # attribute of Fiche, or key of Fiche.texts for free texts
    kind: str  # "list": one value per line; "single": one value; "text": free text
    heading: str  # French, for people
    labels: tuple[str, ...] = ()  # written `- LABEL` (detailed and listing layouts)
    bare: tuple[str, ...] = ()  # written alone on a line (questionnaire layout)
    questions: tuple[str, ...] = ()  # question labels, matched on their beginning
    property: str | None = None  # on the action; None when the mapper makes a node of it (structure)
    scheme: str | None = None  # concept scheme of the values (ontology/concepts/SCHEME.ttl)
    language: str | None = "fr"  # of the literal, for fields that are neither concepts nor nodes


FIELDS = (
    Field("status", "single", "Statut", ("Statut de l'action",), property="csg:status", scheme="status"),
    Field(
        "end_reason",
        "text",
        "Raisons de la fin",
        ("Raisons pour lesquelles l'action est terminée",),
        property="csg:endReason",
    ),
    Field("dimension", "single", "Dimension", ("Dimension",), property="csg:dimension", scheme="dimension"),
    Field(
        "keywords",
        "list",
        "Mots clés",
        ("Mots clés associés à l'action", "Mots clés associés à l'actions"),
        bare=("Mots clés associés à l'actions", "Mots clés associés à l'action"),
        property="csg:keyword",
        scheme="keyword",
    ),
    Field("summary", "text", "Résumé", ("Résumé",), property="dcterms:abstract"),
    Field(
        "description",
        "text",
        "Description générale",
        ("Description générale",),
        bare=("Description générale",),
        property="dcterms:description",
    ),
    Field(
        "experience",
        "text",
        "Description de l'expérience",
        ("Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.",),
        bare=("Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.",),
        property="csg:experience",
    ),
    Field(
        "initiative_detail",
        "text",
        "Précision sur l'initiative",
        ("Précision ( si autre )",),
        property="csg:initiativeDetail",
    ),
    Field(
        "structure",
        "single",
        "Structure organisatrice",
        ("Structure organisatrice",),
        ("Structure organisatrice",),
    ),
    Field(
        "published_by", "single", "Publié par", ("Publié par",), ("Publié par",), property="csg:publishedBy"
    ),
    Field(
        "initiatives",
        "list",
        "À l'initiative de",
        ("Qui est à l'initiative de l'action ?",),
        property="csg:initiative",
        scheme="initiative",
    ),
    Field("publics", "list", "Publics", ("Public",), property="csg:public", scheme="public"),
    Field(
        "territories",
        "list",
        "Territoires concernés",
        ("Territoire concerné",),
        property="csg:territoryScale",
        scheme="territory",
    ),
    Field(
        "partners",
        "list",
        "Partenaires",
        ("Avec qui cette action a-t-elle été menée ?",),
        property="csg:partnerType",
        scheme="partner",
    ),
    Field("themes", "list", "Thèmes", ("Thèmes",), ("Thèmes",), property="csg:theme", scheme="theme"),
    Field(
        "resources",
        "text",
        "Ressources financières",
        ("Ressources financières mobilisées pour cette action",),
        property="csg:resourcesText",
    ),
    Field(
        "people",
        "text",
        "Personnes mobilisées",
        ("Nombre de personnes mobilisés pour cette action",),
        property="csg:peopleText",
    ),
    Field(
        "result_territory",
        "text",
        "Résultat sur le territoire",
        ("Résultat sur le territoire",),
        property="csg:resultTerritory",
    ),
    Field(
        "result_centre",
        "text",
        "Résultat pour le centre social",
        ("Résultat pour le centre social",),
        property="csg:resultCentre",
    ),
    Field(
        "result_inhabitants",
        "text",
        "Résultat pour les habitants",
        ("Résultat pour les habitants",),
        property="csg:resultInhabitants",
    ),
    Field(
        "limits",
        "text",
        "Limites",
        ("Suite de l'action : Limites",),
        questions=("Quelles sont les limites de cette expérience",),
        property="csg:limits",
    ),
    Field(
        "perspectives",
        "text",
        "Perspectives",
        ("Suite de l'action : Perspectives",),
        property="csg:perspectives",
    ),
    Field(
        "diagnosis",
        "text",
        "Diagnostic",
        questions=("Quels furent les éléments de diagnostic à l'origine de l'expérience",),
        property="csg:diagnosis",
    ),
    Field(
        "impacts",
        "text",
        "Impacts",
        questions=("Quels sont les impacts ou effets positifs produits",),
        property="csg:impacts",
    ),
    Field(
        "success_factors",
        "text",
        "Facteurs de réussite",
        questions=("Quels furent les facteurs de réussite de cette expérience",),
        property="csg:successFactors",
    ),
    Field(
        "files",
        "list",
        "Fichiers associés",
        ("Fichier(s) associé(s)",),
        ("Fichier(s) associé(s)",),
        property="csg:associatedFile",
        language=None,
    ),
)
REPEATABLE = {"territories"}  # the form prints `Territoire concerné` twice

FICHE_ATTRIBUTES = {item.name for item in dataclass_fields(Fiche)}
LIST_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind == "list")
SINGLE_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind == "single")
CONCEPT_FIELDS = tuple(spec for spec in FIELDS if spec.scheme)
"""Values of closed vocabularies, mapped to SKOS concepts."""
TEXT_FIELDS = tuple(spec for spec in FIELDS if spec.kind == "text" and spec.name not in FICHE_ATTRIBUTES)
"""Free texts, kept in `Fiche.texts` under their name and mapped to language-tagged literals."""
LITERAL_FIELDS = tuple(
    spec for spec in FIELDS if spec.property and not spec.scheme and spec.name in FICHE_ATTRIBUTES
)
"""Attributes of the fiche written as they are (`published_by`, `end_reason`, the file names)."""
