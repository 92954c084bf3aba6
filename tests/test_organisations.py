"""Structure pages and SCDL grants files: reading, joining the actions and the questions about them.

Expectations are written from the fixtures' text (tests/fixtures/structure_page*.txt, scdl_*.csv) and from
the sample fiches, never from the program's output.
"""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyshacl import validate
from rdflib import Graph
from typer.testing import CliRunner

from csgraph.build import BuildReport, build
from csgraph.catalogue import find_query
from csgraph.cli import app
from csgraph.engines import load_rdflib, select_oxigraph, select_rdflib
from csgraph.export import export
from csgraph.formatting import euros
from csgraph.grants import amount_of, read_grants
from csgraph.model import Fiche, Notice
from csgraph.reading import InputFile
from csgraph.structure_pages import departement_of_postcode, is_structure_page, priority_answer, read_page
from csgraph.vocabulary import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
QUIRKS = FIXTURES / "structure_pages_quirks.txt"
EVS = FIXTURES / "structure_page_evs.txt"
SAMPLE_PAGE = FIXTURES / "structure_page_sample_structure.txt"
GRANTS = [FIXTURES / "scdl_semicolon_cp1252.csv", FIXTURES / "scdl_comma_utf8.csv"]
BARTIER = "structure:62-centre-socioculturel-audrey-bartier"


def entry(path: Path) -> InputFile:
    return InputFile(path, path.name)


def pages_of(path: Path) -> tuple[list, list[Notice]]:
    notices: list[Notice] = []
    return read_page(entry(path), notices), notices


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample fiches, structure pages and grants files side by side in one folder."""
    folder = tmp_path_factory.mktemp("mixed") / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "pas-de-calais-actions.txt", folder)
    for path in [QUIRKS, EVS, SAMPLE_PAGE, *GRANTS]:
        shutil.copy(path, folder)
    shutil.copy(SAMPLE_PAGE, folder / "annuaire.txt.bak")  # neither a .txt nor a .csv: not read
    return folder


@pytest.fixture(scope="module")
def mixed_build(mixed_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    return build([mixed_folder], tmp_path_factory.mktemp("out"), keep_store=False)


def ask(report: BuildReport, name: str) -> list[tuple[str | None, ...]]:
    """A question's rows as strings, once Oxigraph and rdflib agree on them."""
    store = ox.Store()
    store.load(path=str(report.graph), format=ox.RdfFormat.TURTLE)
    query = find_query(name)
    answer = select_oxigraph(store, query, {})
    assert select_rdflib(load_rdflib(report.graph), query, {}) == answer
    return [tuple(None if cell is None else cell.value for cell in row) for row in answer.rows]


def test_glued_names_spaced_siret_and_corsica() -> None:
    pages, _ = pages_of(QUIRKS)
    assert [page.name for page in pages] == [
        "Centre social Les Tilleuls",
        "Maison Pour Tous du Lac",
        "Centre social de Vaise",
    ]
    tilleuls, lac, vaise = pages
    assert (tilleuls.address, tilleuls.postcode, tilleuls.commune) == ("12 rue des Lilas", "62100", "Calais")
    assert tilleuls.siret == "94580730321575" and tilleuls.siret_valid  # written `945 807 303 21575`
    assert tilleuls.first_approval.isoformat() == "1978-09-14" and tilleuls.population == 12400
    assert tilleuls.axes == ("Soutenir les familles", "Lutter contre l'isolement")  # `Axe 3 :` is empty
    assert tilleuls.history == "Le centre est né d'une association de quartier.\nIl a déménagé en 2004."
    assert (tilleuls.priority_area, tilleuls.federation_member, tilleuls.travellers) == (True, True, False)
    assert tilleuls.territory_type == "Un espace à dominante urbaine"  # label with a typographic apostrophe
    assert lac.departement_code == "2A" and lac.address == "Avenue du Lac"
    assert lac.priority_area is None and "proximité" in (lac.priority_area_text or "")  # near a QPV: open
    assert vaise.commune == "Lyon 9e Arrondissement" and vaise.priority_area is False
    assert [page.truncated for page in pages] == [False, False, True]  # the page stops inside `Fédération`


def test_bad_values_are_warned_with_file_and_line() -> None:
    pages, notices = pages_of(QUIRKS)
    lac = pages[1]
    assert lac.siret == "36819303364261" and not lac.siret_valid  # kept as written
    assert lac.website is None and lac.first_approval is None
    lines = {(notice.line, notice.message.split(" ")[0]) for notice in notices}
    assert (45, "website") in lines  # `http://04 95 12 34 56`
    assert (46, "SIRET") in lines
    assert (48, "date") in lines  # 31/02/2011
    assert (6, "structure") in lines  # listed in the index table, never described
    assert any(notice.line == 74 and "cut off" in notice.message for notice in notices)
    assert all(notice.file == QUIRKS.name for notice in notices)


def test_espace_de_vie_sociale_and_an_answer_neither_yes_nor_no() -> None:
    (evs,), notices = pages_of(EVS)
    assert (evs.kind, evs.commune, evs.departement_code) == (
        "espace de vie sociale",
        "Hérouville-Saint-Clair",
        "14",
    )
    assert evs.travellers is True and evs.itinerant is None  # `Structure « gens du voyage »` with NBSPs
    assert evs.website is None  # `Site internet :` empty: no warning for it
    assert [(notice.line, notice.message) for notice in notices] == [
        (23, "`Peut-être` is neither Oui nor Non")
    ]


def test_a_page_cut_inside_a_character(tmp_path: Path) -> None:
    cut = tmp_path / "cut.txt"
    cut.write_bytes(EVS.read_bytes().split("Écoles".encode())[0] + "É".encode()[:1])
    (page,), notices = pages_of(cut)
    assert page.truncated and page.address == "5 chemin des"
    assert any("middle of a character" in notice.message for notice in notices)


@pytest.mark.parametrize(
    ("postcode", "code"),
    [
        ("62100", "62"),
        ("20090", "2A"),
        ("20167", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97411", "974"),
        ("97600", "976"),
        ("01000", "01"),
        ("98000", None),
        ("6210", None),
        (None, None),
    ],
)
def test_departement_of_postcode(postcode: str | None, code: str | None) -> None:
    assert departement_of_postcode(postcode) == code


@pytest.mark.parametrize(
    ("sentence", "answer"),
    [
        ("Votre structure est située sur un quartier prioritaire de la Politique de la Ville (QPV)", True),
        (
            "Votre structure n'est pas située sur un quartier prioritaire de la Politique de la Ville (QPV)",
            False,
        ),
        ("Votre structure n’est pas située sur un QPV mais accueille ses habitants", False),
        ("Votre structure est située sur un QPV", True),
        ("Vous n'êtes pas concerné par cette question", False),
        ("Votre structure est située à proximité d'un quartier prioritaire", None),
    ],
)
def test_priority_area_reads_the_negation(sentence: str, answer: bool | None) -> None:
    """`n'est pas située sur un quartier prioritaire` holds every word of the yes answer: it is no."""
    assert priority_answer(sentence) is answer


def test_pages_are_told_from_fiches_by_content(tmp_path: Path) -> None:
    renamed = tmp_path / "actions-2023.txt"  # a fiche-like name, a structure page inside
    shutil.copy(EVS, renamed)
    assert is_structure_page(entry(renamed))
    assert not is_structure_page(entry(ROOT / "data" / "pas-de-calais-actions.txt"))


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("47800.2", "47800.2"),
        ("47 800,20", "47800.20"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("12\u00a0000", "12000"),
        ("", None),
        ("n.c.", None),
        ("1e5", None),  # Decimal() reads these; no publisher writes them for an amount
        ("1_000", None),
        ("Infinity", None),
        ("1.2.3", None),
        ("-500", "-500"),
    ],
)
def test_french_and_english_amounts(written: str, amount: str | None) -> None:
    assert amount_of(written) == (None if amount is None else Decimal(amount))


def test_grants_in_windows_1252_with_semicolons_keep_every_row() -> None:
    notices: list[Notice] = []
    grants = read_grants(entry(GRANTS[0]), notices)
    assert [grant.line for grant in grants] == [2, 3, 4, 5]  # four data rows, none dropped
    first = grants[0]
    assert first.funder == "Caisse d'allocations familiales du Pas-de-Calais"  # decoded from cp1252
    assert first.amount == Decimal("47800.20") and first.beneficiary_siret == "94580730321575"
    assert first.payment_period == "2023-01-01/2023-12-31" and first.percentage == Decimal("0.5")
    assert grants[2].percentage == Decimal("1")  # `100%`
    assert grants[2].date is None and grants[3].amount is None and grants[3].beneficiary_siret is None
    assert [(notice.line, notice.message.split(" ")[0]) for notice in notices] == [
        (4, "dateConvention"),
        (5, "amount"),
        (5, "idBeneficiaire"),
    ]


SCDL_HEADER = (
    "nomAttribuant;idAttribuant;dateConvention;referenceDecision;nomBeneficiaire;idBeneficiaire;objet;"
    "montant;nature;conditionsVersement;datesPeriodeVersement;idRAE;notificationUE;pourcentageSubvention\n"
)


def test_a_grant_whose_funder_is_unnamed_counts_under_no_named_funder(tmp_path: Path) -> None:
    """A row with no nomAttribuant and a malformed idAttribuant names no funder: it is warned, its money
    stays in the questions, under an empty funder, and no nameless organisation is made a funder."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "pas-de-calais-actions.txt", folder)
    shutil.copy(SAMPLE_PAGE, folder)  # Audrey Bartier, SIRET 36819303364260
    (folder / "grants.csv").write_text(
        SCDL_HEADER
        + ";12345678901234;2023-05-12;R1;Centre socioculturel Audrey Bartier;36819303364260;"
        + "Objet;1000;;;;;;\n"
        + "Commune de Calais;40560865469071;2023-05-12;R2;Centre socioculturel Audrey Bartier;"
        + "36819303364260;Objet;500;;;;;;\n",
        encoding="utf-8",
    )
    report = build([folder], tmp_path / "out", keep_store=False)
    assert "data/grants.csv:2: nomAttribuant is empty; the grant is kept, its awarding body unnamed" in {
        str(notice) for notice in report.notices
    }
    graph = Graph().parse(report.graph)
    assert not [
        label
        for label in graph.objects(None, graph.namespace_manager.expand_curie("skos:prefLabel"))
        if str(label) == ""
    ]
    assert sorted(ask(report, "funders-by-declared-amount"), key=str) == sorted(
        [("62", "Commune de Calais", "40560865469071", "1", "500"), ("62", None, None, "1", "1000")], key=str
    )
    assert ask(report, "declared-grants-per-structure")[0][3:5] == ("2", "1500")
    from starlette.testclient import TestClient

    from csgraph.site.app import Site, create_app
    from csgraph.store import open_graph

    site = Site(report.graph, open_graph(report.graph), hosts=("testserver",))
    page = TestClient(create_app(site)).get("/structure/62-centre-socioculturel-audrey-bartier")
    assert "<td>financeur non nommé</td>" in page.text and "<td>Commune de Calais</td>" in page.text


def test_a_row_the_csv_reader_refuses_names_file_and_line(tmp_path: Path) -> None:
    """An unclosed quote swallows the lines after it until the csv module's cell limit: one line, exit 2."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "pas-de-calais-actions.txt", folder)
    (folder / "grants.csv").write_text(
        SCDL_HEADER + "CAF;;2023-01-01;R;B;;ok;10;;;;;;\n" + 'CAF;;2023-01-01;R;B;;"' + "x" * 140_000 + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["build", str(folder), "--out", str(tmp_path / "out"), "--no-store"])
    assert result.exit_code == 2, result.output
    assert "data/grants.csv:3: row not readable as CSV" in result.output
    assert "Traceback" not in result.output and "interne" not in result.output


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    """`build data/ data/subventions.csv`: the declared money, the pages and the fiches count once."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "pas-de-calais-actions.txt", folder)
    shutil.copy(SAMPLE_PAGE, folder)
    shutil.copy(GRANTS[1], folder / "subventions.csv")
    once = build([folder], tmp_path / "once", keep_store=False)
    twice = build(
        [folder, folder / "subventions.csv", folder / SAMPLE_PAGE.name, folder / "pas-de-calais-actions.txt"],
        tmp_path / "twice",
        keep_store=False,
    )
    assert (twice.fiches, twice.structure_pages, twice.grants) == (
        once.fiches,
        once.structure_pages,
        once.grants,
    )
    assert (once.structure_pages, once.grants) == (1, 2)  # one page; the comma file's two rows
    assert ask(twice, "declared-grants-per-structure") == ask(once, "declared-grants-per-structure")
    assert sorted(str(notice) for notice in twice.notices if "same file" in notice.message) == [
        "pas-de-calais-actions.txt:0: the same file as data/pas-de-calais-actions.txt, read once",
        "structure_page_sample_structure.txt:0: the same file as "
        "data/structure_page_sample_structure.txt, read once",
        "subventions.csv:0: the same file as data/subventions.csv, read once",
    ]


def test_build_joins_pages_and_grants_both_ways(mixed_build: BuildReport) -> None:
    report = mixed_build
    assert report.structure_pages == 5  # 3 + 1 + 1; the .bak copy is not read
    assert report.pages_without_actions == [
        "EVS La Passerelle (14200) data/structure_page_evs.txt:2",
        "Centre social Les Tilleuls (62100) data/structure_pages_quirks.txt:7",
        "Maison Pour Tous du Lac (20090) data/structure_pages_quirks.txt:38",
        "Centre social de Vaise (69009) data/structure_pages_quirks.txt:60",
    ]
    assert BARTIER not in report.structures_without_page
    assert len(report.structures_without_page) == 17 - 1  # the sample's structures but the one described
    assert (report.grants, report.grants_unjoined) == (6, 2)  # Association des Dunes; a bad SIRET


def test_page_lands_on_the_structure_of_its_actions(
    mixed_build: BuildReport, sample_fiches: list[Fiche]
) -> None:
    graph = Graph().parse(mixed_build.graph)
    node = graph.namespace_manager.expand_curie(BARTIER)
    csg, rov = PREFIXES["csg"], PREFIXES["rov"]
    actions = {
        fiche.title for fiche in sample_fiches if fiche.structure == "CENTRE SOCIOCULTUREL AUDREY BARTIER"
    }
    organised = {
        str(title)
        for action in graph.subjects(graph.namespace_manager.expand_curie("csg:organiser"), node)
        for title in graph.objects(action, graph.namespace_manager.expand_curie("dcterms:title"))
    }
    assert organised == actions and len(actions) == 2
    assert str(graph.value(node, graph.namespace_manager.expand_curie("rov:legalName"))) == (
        "Centre socioculturel Audrey Bartier"
    )
    types = {str(kind) for kind in graph.objects(node, graph.namespace_manager.expand_curie("rdf:type"))}
    assert {csg + "Structure", rov + "RegisteredOrganization"} <= types
    identifier = graph.value(node, graph.namespace_manager.expand_curie("rov:registration"))
    assert (
        str(graph.value(identifier, graph.namespace_manager.expand_curie("skos:notation")))
        == "36819303364260"
    )
    assert str(graph.value(node, graph.namespace_manager.expand_curie("csg:firstApproval"))) == "1985-10-05"


def test_questions_on_pages_and_grants(mixed_build: BuildReport, sample_fiches: list[Fiche]) -> None:
    stated = sum(
        funding.amount
        for fiche in sample_fiches
        if fiche.structure == "CENTRE SOCIOCULTUREL AUDREY BARTIER"
        for funding in fiche.money.funding
    )
    declared = ask(mixed_build, "declared-grants-per-structure")
    assert declared == [
        ("Centre social Les Tilleuls", "62", "94580730321575", "2", "59800.2", None),  # 47 800,20 + 12000
        ("EVS La Passerelle", "14", "22453832236405", "1", "8500.5", None),
        ("Centre socioculturel Audrey Bartier", "62", "36819303364260", "1", "3200", str(stated)),
    ]
    priority = ask(mixed_build, "structures-in-priority-areas")
    assert {row[0] for row in priority} == {
        "Centre social Les Tilleuls",
        "Centre socioculturel Audrey Bartier",
    }
    assert sorted(row[3] for row in priority if row[3]) == sorted(
        fiche.title for fiche in sample_fiches if fiche.structure == "CENTRE SOCIOCULTUREL AUDREY BARTIER"
    )
    modes = ask(mixed_build, "actions-per-management-mode")
    assert modes[0] == ("Associatif", "2", "2")  # Les Tilleuls (no fiche) and Audrey Bartier (2 fiches)
    assert [row[2] for row in ask(mixed_build, "pages-without-actions")] == [
        "Hérouville-Saint-Clair",
        "Calais",
        "Ajaccio",
        "Lyon 9e Arrondissement",
    ]
    funders = ask(mixed_build, "funders-by-declared-amount")
    assert (None, "Commune de Calais", "40560865469071", "2", "1500") in funders  # the rows joining nothing
    assert ("2A", "Commune de Calais") not in {row[:2] for row in funders}


def test_the_build_conforms_to_the_shapes(mixed_build: BuildReport) -> None:
    conforms, _, text = validate(
        str(mixed_build.graph), shacl_graph=str(ROOT / "ontology" / "shapes.ttl"), allow_warnings=True
    )
    assert conforms, text


def test_the_structures_table_holds_what_the_pages_say(mixed_build: BuildReport, tmp_path: Path) -> None:
    """Every field of a structure page has its column; a malformed SIRET is kept and flagged."""
    report = export(mixed_build.graph, tmp_path, formats=["csv"])
    with open(report.out_dir / "structures.csv", encoding="utf-8", newline="") as stream:
        rows = {row["name"]: row for row in csv.DictReader(stream)}
    tilleuls, lac = rows["Centre social Les Tilleuls"], rows["Maison Pour Tous du Lac"]
    assert (tilleuls["siret"], tilleuls["siret_valid"]) == ("94580730321575", "true")
    assert (lac["siret"], lac["siret_valid"]) == ("36819303364261", "false")  # its check digit is wrong
    assert tilleuls["project_axes"] == "Lutter contre l'isolement | Soutenir les familles"
    specifics = (tilleuls["travellers"], tilleuls["multi_site"], tilleuls["itinerant"])
    assert specifics == ("false", "true", "false")
    assert (tilleuls["federation_member"], tilleuls["other_federation"]) == ("true", "Aucune")
    assert tilleuls["priority_area"] == "true"
    assert tilleuls["priority_area_text"].startswith("Votre structure est située sur un quartier prioritaire")
    without_page = [row for row in rows.values() if not row["page_file"]]
    assert len(without_page) == 16 and all(row["siret_valid"] == "" for row in without_page)


def test_build_says_in_french_which_pages_met_no_action(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "pas-de-calais-actions.txt", folder)
    shutil.copy(EVS, folder)
    result = CliRunner().invoke(app, ["build", str(folder), "--out", str(tmp_path / "out"), "--no-store"])
    assert result.exit_code == 0, result.output
    assert "1 page de structure, 0 rejointe aux actions" in result.output
    assert "page sans action : EVS La Passerelle (14200) data/structure_page_evs.txt:2" in result.output
    # named as the first fiche naming it does (`ALLEZ LES FILLES`, line 2), so that a federation finds it
    first = "structure sans page : CENTRE SOCIOCULTUREL AUDREY BARTIER (62) data/pas-de-calais-actions.txt:2"
    assert first in result.output
    # one line each however long, so that `grep` and a federation's scripts find them whole
    long_name = (
        "structure sans page : MJEP Maison de la Jeunesse et de l'Education Populaire (62) "
        "data/pas-de-calais-actions.txt:554"
    )
    assert f"  {long_name}" in result.output.splitlines()


def test_a_page_read_twice_is_not_counted_as_joined_twice(tmp_path: Path) -> None:
    """The same structure's page in two files: one joins, the other is a homonym not read, and says so."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "pas-de-calais-actions.txt", folder)
    shutil.copy(SAMPLE_PAGE, folder / "page.txt")
    (folder / "page-again.txt").write_text(SAMPLE_PAGE.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(folder), "--out", str(tmp_path / "out"), "--no-store"])
    assert result.exit_code == 0, result.output
    assert "2 pages de structure, 1 rejointe aux actions, 1 en double non lue ;" in result.output
    assert sum("structure sans page : " in line for line in result.output.splitlines()) == 17 - 1


def test_parse_prints_structures_with_their_kind(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["parse", str(ROOT / "data" / "pas-de-calais-actions.txt"), str(EVS)])
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    structures = [item for item in objects if "kind" in item]
    assert len(objects) - len(structures) == 25
    assert [(item["kind"], item["siret"], item["first_approval"]) for item in structures] == [
        ("espace de vie sociale", "22453832236405", "2019-01-01")
    ]
    assert set(structures[0]) >= {
        "name",
        "address",
        "postcode",
        "commune",
        "email",
        "website",
        "siret",
        "first_approval",
        "population",
        "axes",
        "management",
        "territory_type",
        "territory_size",
        "priority_area",
        "federation_member",
        "other_federation",
        "travellers",
        "multi_site",
        "itinerant",
        "truncated",
        "source",
    }


def test_same_input_same_graph(mixed_folder: Path, mixed_build: BuildReport, tmp_path: Path) -> None:
    again = build([mixed_folder], tmp_path, keep_store=False)
    assert again.graph.read_bytes() == mixed_build.graph.read_bytes()


def test_two_pages_for_one_structure_are_reported(tmp_path: Path) -> None:
    """Homonyms in one département would share a node: the second page is a warning, not a second SIRET."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "pas-de-calais-actions.txt", folder)
    shutil.copy(SAMPLE_PAGE, folder / "a.txt")
    shutil.copy(SAMPLE_PAGE, folder / "b.txt")
    report = build([folder], tmp_path / "out", keep_store=False)
    assert report.structure_pages == 2
    assert [str(notice) for notice in report.notices if "same name" in notice.message] == [
        "data/b.txt:2: same name and département as the structure of data/a.txt:2; not read"
    ]


def test_site_structure_page_shows_identity_and_declared_grants(mixed_folder: Path, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from csgraph.site.app import Site, create_app
    from csgraph.store import open_graph

    report = build([mixed_folder], tmp_path / "out")
    site = Site(report.graph, open_graph(report.graph), hosts=("testserver",))
    page = TestClient(create_app(site)).get("/structure/62-centre-socioculturel-audrey-bartier")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "<dt>SIRET</dt><dd>36819303364260</dd>" in text
    assert "2 rue de la Gare, 62800 Liévin" in text
    assert "Subventions déclarées par les financeurs" in text
    assert "<td>Département du Pas-de-Calais</td>" in text
    assert f'<td class="number">{euros(3200)}</td>' in page.text  # its spaces are thin: not split above
    lac = TestClient(create_app(site)).get("/structure/2A-maison-pour-tous-du-lac")
    assert "36819303364261 (numéro non valide)" in " ".join(lac.text.split())


def test_a_page_of_control_characters_is_a_notice_not_an_exception(tmp_path: Path) -> None:
    """Found by the property test below: a page whose head is mostly control bytes raised from the reader."""
    page = tmp_path / "page.txt"
    page.write_text("Liste des centres sociaux\n" + "\x01\x02\x03" * 30, encoding="utf-8")
    pages, notices = pages_of(page)
    assert pages == []
    assert [(notice.file, notice.message) for notice in notices] == [
        ("page.txt", "binary file, not a text export of fiches")
    ]


LINES = st.lists(
    st.one_of(
        st.sampled_from(QUIRKS.read_text(encoding="utf-8").splitlines()),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=LINES)
def test_any_page_reads_without_raising(tmp_path: Path, lines: list[str]) -> None:
    """Shuffled, repeated or foreign lines after the heading: records and notices, never an exception."""
    page = tmp_path / "page.txt"
    page.write_text("\n".join(["Liste des centres sociaux", *lines]), encoding="utf-8", errors="replace")
    pages, notices = pages_of(page)
    assert all(record.kind == "centre social" for record in pages)
    whole_file = "binary file, not a text export of fiches"  # about the file, not one of its lines: line 0
    assert all(notice.file == "page.txt" for notice in notices)
    assert all(notice.line >= 1 or notice.message == whole_file for notice in notices)
