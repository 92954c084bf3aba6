"""The concept schemes against the sample fiches, label lookup, slugs and the shipped ontology files."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from csgraph import resources
from csgraph.errors import CsgraphError
from csgraph.names import slug
from csgraph.resources import project_file
from csgraph.vocabulary import (
    CSG,
    PREFIXES,
    SCHEME_PREFIXES,
    Concept,
    Vocabulary,
    concept_namespace,
    ontology_files,
    scheme_iri,
)

SCHEMA = Namespace(PREFIXES["schema"])
SAMPLE = Path(__file__).parent.parent / "data" / "pas-de-calais-actions.txt"
KEYWORDS_ONLY_ON_THE_SITE = {
    "Environnement",
    "développement durable",
    "Europe et International",
    "Famille",
    "Habitants",
    "Enfance & jeunesse",
    "alphabétisation & apprentissage du français",
    "Petite Enfance",
    "évènementiel",
}
CLASSES = ["Action", "Structure", "Funder", "Departement", "UnlistedConcept", "DeclaredGrant"]
OBJECT_PROPERTIES = [
    "organiser",
    "status",
    "dimension",
    "keyword",
    "initiative",
    "public",
    "territoryScale",
    "partnerType",
    "theme",
    "funderType",
    "departement",
    "peopleCount",
    "expense",
    # structure pages and grants files
    "managementMode",
    "territoryType",
    "beneficiary",
    "grantNature",
]
DATATYPE_PROPERTIES = [
    "endReason",
    "experience",
    "initiativeDetail",
    "resourcesText",
    "peopleText",
    "resultTerritory",
    "resultCentre",
    "resultInhabitants",
    "limits",
    "perspectives",
    "diagnosis",
    "impacts",
    "successFactors",
    "associatedFile",
    "publishedBy",
    "sourceFile",
    "sourceLine",
    "layout",
    "truncated",
    "year",
    "budgetTotal",
    "funderCount",
    "amountsDisagree",
    "role",
    "count",
    "approximate",
    "sourceText",
    # structure pages and grants files
    "structureKind",
    "pageFile",
    "pageLine",
    "pageTruncated",
    "siret",
    "siretAsWritten",
    "firstApproval",
    "population",
    "history",
    "projectAxis",
    "territorySize",
    "priorityArea",
    "priorityAreaText",
    "federationMember",
    "otherFederation",
    "travellers",
    "multiSite",
    "itinerant",
    "paymentConditions",
    "paymentPeriod",
    "aidScheme",
    "euNotification",
    "fundingShare",
    "rowFile",
    "rowLine",
]


def sample_items(label: str, stops: tuple[str, ...]) -> set[str]:
    """The `- value` items that follow `- label` in the sample, read without the csgraph parser."""
    values: set[str] = set()
    inside = False
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        if line == f"- {label}":
            inside = True
        elif inside and (line in stops or not line.startswith(("- ", "-", "Partenaires d'action:"))):
            inside = False
        elif inside and line.startswith("- "):
            values.add(line[2:].strip())
    return values


SAMPLE_VALUES = {
    "keyword": sample_items("Mots clés associés à l'action", ("- Résumé",)),
    "dimension": sample_items("Dimension", ("- Mots clés associés à l'action",)),
    "status": sample_items(
        "Statut de l'action", ("- Dimension", "- Raisons pour lesquelles l'action est terminée")
    ),
    "public": sample_items("Public", ("- Avec qui cette action a-t-elle été menée ?",)),
    "partner": sample_items("Avec qui cette action a-t-elle été menée ?", ("- Territoire concerné",)),
    "territory": sample_items("Territoire concerné", ("- Description générale",)),
    "initiative": sample_items(
        "Qui est à l'initiative de l'action ?",
        (
            "- Précision ( si autre )",
            "- Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.",
        ),
    ),
}


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.load()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in ontology_files():
        graph.parse(path, format="turtle")
    return graph


def test_sample_reading_finds_what_the_fiches_hold() -> None:
    assert len(SAMPLE_VALUES["keyword"]) == 17
    assert len(SAMPLE_VALUES["partner"]) == 21
    assert SAMPLE_VALUES["status"] == {"En cours", "Terminée"}


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ("keyword", len(SAMPLE_VALUES["keyword"] | KEYWORDS_ONLY_ON_THE_SITE)),
        ("dimension", len(SAMPLE_VALUES["dimension"])),
        ("status", len(SAMPLE_VALUES["status"])),
        ("public", len(SAMPLE_VALUES["public"])),
        ("partner", len(SAMPLE_VALUES["partner"])),
        ("territory", len(SAMPLE_VALUES["territory"])),
        ("initiative", len(SAMPLE_VALUES["initiative"])),
        ("funder-category", 2),
        ("theme", 0),
    ],
)
def test_each_scheme_holds_its_list(vocabulary: Vocabulary, scheme: str, expected: int) -> None:
    assert len(vocabulary.concepts(scheme)) == expected


def test_keyword_count_is_the_published_one(vocabulary: Vocabulary) -> None:
    assert len(vocabulary.concepts("keyword")) == 26


@pytest.mark.parametrize("scheme", sorted(SAMPLE_VALUES))
def test_every_sample_value_is_listed_with_its_own_spelling(vocabulary: Vocabulary, scheme: str) -> None:
    for value in SAMPLE_VALUES[scheme]:
        concept = vocabulary.lookup(scheme, value)
        assert concept.listed, value
        assert concept.label == value
        assert concept.iri == concept_namespace(scheme) + slug(value)


def test_site_only_keywords_are_listed(vocabulary: Vocabulary) -> None:
    for value in KEYWORDS_ONLY_ON_THE_SITE:
        assert vocabulary.lookup("keyword", value).label == value


@pytest.mark.parametrize(
    ("scheme", "written", "label"),
    [
        ("keyword", "Vieillissement", "Viellissement"),
        ("keyword", "éducation/scolarité", "éducation / scolarité"),
        ("keyword", "EDUCATION / SCOLARITE", "éducation / scolarité"),
        ("keyword", "Démocratie et citoyenneté", "Démocratie & citoyenneté"),
        ("keyword", "  Solidarité. ", "Solidarité"),
        ("keyword", "événementiel", "évènementiel"),
        ("partner", "CAF", "Caf"),
        ("partner", "Ville", "Commune"),
        ("partner", "Département", "Conseil départemental"),
        ("partner", "CD", "Conseil départemental"),
        ("partner", "Conseil Départemental", "Conseil départemental"),
        ("partner", "FSE", "Europe"),
        ("partner", "État", "Etat"),
        ("partner", "Education nationale", "Éducation Nationale"),
        ("initiative", "Un groupe d\u2019habitants", "Un groupe d'habitants"),
        ("initiative", "Un ou plusieurs partenaires", "Un ou plusieurs partenaire(s)"),
        ("public", "Tous  publics", "Tous publics"),
        ("status", "terminee", "Terminée"),
        ("funder-category", "Participation des familles", "Usagers"),
        ("funder-category", "auto-financement", "Autofinancement"),
    ],
)
def test_variants_find_the_listed_concept(
    vocabulary: Vocabulary, scheme: str, written: str, label: str
) -> None:
    concept = vocabulary.lookup(scheme, written)
    assert concept.listed
    assert concept.label == label
    assert concept.scheme == scheme


def test_unlisted_value_gets_a_concept_named_after_it(vocabulary: Vocabulary) -> None:
    concept = vocabulary.lookup("keyword", " Numérique / écrans ")
    assert concept == Concept(
        "https://w3id.org/csgraph/keyword/numerique-ecrans", "Numérique / écrans", "keyword", listed=False
    )
    assert concept.scheme_iri == "https://w3id.org/csgraph/scheme/keyword"


def test_themes_are_all_unlisted(vocabulary: Vocabulary) -> None:
    concept = vocabulary.lookup("theme", "Lien social")
    assert not concept.listed
    assert concept.iri == "https://w3id.org/csgraph/theme/lien-social"


def test_a_value_in_one_scheme_is_unlisted_in_another(vocabulary: Vocabulary) -> None:
    assert vocabulary.lookup("keyword", "Caf").listed is False


@pytest.mark.parametrize(("scheme", "label"), [("nope", "Santé"), ("keyword", " - ? "), ("keyword", "")])
def test_lookup_refuses_unknown_schemes_and_empty_labels(
    vocabulary: Vocabulary, scheme: str, label: str
) -> None:
    with pytest.raises(ValueError):
        vocabulary.lookup(scheme, label)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("éducation / scolarité", "education-scolarite"),
        ("Emploi, économie", "emploi-economie"),
        ("Un ou plusieurs partenaire(s)", "un-ou-plusieurs-partenaire-s"),
        ("Un groupe d'habitants", "un-groupe-d-habitants"),
        ("  Démocratie & citoyenneté  ", "democratie-citoyennete"),
        ("Cœur de ville", "coeur-de-ville"),
        ("a/b\\c", "a-b-c"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_concepts_are_well_formed_skos(ontology: Graph) -> None:
    concepts = set(ontology.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == 26 + 3 + 2 + 6 + 21 + 2 + 4 + 5 + 4 + 3 + 2  # … management, area type, aid
    for concept in concepts:
        french = [label for label in ontology.objects(concept, SKOS.prefLabel) if label.language == "fr"]
        english = [label for label in ontology.objects(concept, SKOS.prefLabel) if label.language == "en"]
        assert len(french) == 1 and len(english) == 1, concept
        notation = ontology.value(concept, SKOS.notation)
        assert notation == Literal(slug(french[0])), concept
        scheme = ontology.value(concept, SKOS.inScheme)
        assert ontology.value(concept, SKOS.topConceptOf) == scheme
        key = str(scheme).removeprefix(scheme_iri(""))
        assert str(concept) == concept_namespace(key) + str(notation)
        assert "/" not in str(notation)


def test_every_scheme_is_declared_and_labelled(ontology: Graph) -> None:
    schemes = set(ontology.subjects(RDF.type, SKOS.ConceptScheme))
    assert {str(scheme) for scheme in schemes} == {scheme_iri(key) for key in SCHEME_PREFIXES}
    for scheme in schemes:
        assert {label.language for label in ontology.objects(scheme, SKOS.prefLabel)} == {"fr", "en"}


def test_ontology_declares_exactly_the_terms_the_mapping_uses(ontology: Graph, sample_graph: Path) -> None:
    declared = {
        kind: {
            str(term).removeprefix(CSG)
            for term in ontology.subjects(RDF.type, kind)
            if str(term).startswith(CSG)
        }
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    }
    assert declared[OWL.Class] == set(CLASSES)
    assert declared[OWL.ObjectProperty] == set(OBJECT_PROPERTIES)
    assert declared[OWL.DatatypeProperty] == set(DATATYPE_PROPERTIES)
    built = Graph().parse(sample_graph)
    used = {str(p) for p in built.predicates()} | {str(c) for c in built.objects(None, RDF.type)}
    assert {term.removeprefix(CSG) for term in used if term.startswith(CSG)} <= set().union(
        *declared.values()
    )


def test_ontology_terms_are_labelled_in_french_and_english(ontology: Graph) -> None:
    for name in CLASSES + OBJECT_PROPERTIES + DATATYPE_PROPERTIES:
        labels = {label.language for label in ontology.objects(URIRef(CSG + name), RDFS.label)}
        assert labels == {"fr", "en"}, name


def test_ontology_reuses_standard_vocabularies(ontology: Graph) -> None:
    csg = Namespace(CSG)
    assert {PROV.Activity, SCHEMA.Project} <= set(ontology.objects(csg.Action, RDFS.subClassOf))
    assert ontology.value(csg.Structure, RDFS.subClassOf) == ORG.Organization
    assert ontology.value(csg.UnlistedConcept, RDFS.subClassOf) == SKOS.Concept
    assert ontology.value(csg.organiser, RDFS.subPropertyOf) == PROV.wasAssociatedWith
    assert ontology.value(csg.organiser, RDFS.range) == csg.Structure
    assert ontology.value(csg.keyword, RDFS.subPropertyOf) == DCTERMS.subject
    assert ontology.value(csg.departement, RDFS.range) == csg.Departement
    assert ontology.value(csg.budgetTotal, RDFS.range) == XSD.decimal


def test_prefixes_are_distinct_namespaces() -> None:
    assert len(set(PREFIXES.values())) == len(PREFIXES)
    for scheme, prefix in SCHEME_PREFIXES.items():
        assert PREFIXES[prefix] == concept_namespace(scheme)
    assert PREFIXES["fundercat"] == "https://w3id.org/csgraph/funder-category/"
    assert PREFIXES["schema"] == "http://schema.org/"


def test_ontology_files_are_the_vocabulary_and_its_schemes() -> None:
    names = [path.name for path in ontology_files()]
    assert "csgraph.ttl" in names
    assert len(names) == 1 + len(SCHEME_PREFIXES)
    assert ontology_files() == sorted(ontology_files())


def test_project_file_names_what_is_missing() -> None:
    assert project_file("ontology", "departements.csv").is_file()
    with pytest.raises(CsgraphError, match="no-such-file"):
        project_file("ontology", "no-such-file")


@pytest.mark.parametrize(("installed", "expected"), [(True, "csgraph"), (False, "checkout")])
def test_project_file_prefers_the_copy_inside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, installed: bool, expected: str
) -> None:
    """A wheel carries `ontology/` inside the package; a checkout keeps it beside the package."""
    checkout = tmp_path / "checkout"
    package = checkout / "csgraph"
    for folder in [checkout, package] if installed else [checkout]:
        (folder / "ontology").mkdir(parents=True)
        (folder / "ontology" / "csgraph.ttl").write_text(folder.name, encoding="utf-8")
    monkeypatch.setattr(resources, "PACKAGE_DIR", package)
    assert resources.project_file("ontology", "csgraph.ttl").read_text(encoding="utf-8") == expected


def test_every_declared_field_property_is_in_the_ontology() -> None:
    """A field is declared once in csgraph.fields; its property must exist in the vocabulary it writes."""
    from csgraph.fields import FIELDS

    ontology = Graph().parse(project_file("ontology", "csgraph.ttl"))
    namespaces = {"csg": CSG, "dcterms": PREFIXES["dcterms"]}
    declared = {str(subject) for subject in ontology.subjects()}
    for spec in FIELDS:
        if spec.property:
            prefix, local = spec.property.split(":")
            if prefix == "csg":
                assert namespaces[prefix] + local in declared, spec
        if spec.scheme:
            assert project_file("ontology", "concepts", f"{spec.scheme}.ttl").is_file(), spec
