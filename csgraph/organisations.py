"""Structure pages and declared grants -> Turtle: structures as registered organisations, SCDL rows as grants.

A structure page lands on the very node its actions name (`structure:62-centre-social-les-tilleuls`) when
its name and the département of its postcode agree with theirs; a grant joins a structure by SIRET, and
a grant whose beneficiary is no known structure is kept on an organisation keyed by its SIRET. Declared
grants link their beneficiary with `csg:beneficiary`, not `schema:fundedItem`: the money questions that
sum the fiches' stated funding must not count the declared money twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from csgraph.departements import find_departement
from csgraph.grants import Grant
from csgraph.mapping import boolean, decimal, local_name, mapper, short_hash, structure_local, text
from csgraph.model import Notice
from csgraph.structure_pages import StructurePage
from csgraph.turtle import Triple, paragraphs, shorten
from csgraph.vocabulary import Concept


@dataclass
class Organisations:
    """What the structure pages and grants add, and how they met the actions (both ways)."""

    declared: set[str]  # nodes the fiches declared already
    triples: list[Triple] = field(default_factory=list)
    by_siret: dict[str, str] = field(default_factory=dict)
    described: dict[str, StructurePage] = field(default_factory=dict)  # node -> its page
    matched: list[StructurePage] = field(default_factory=list)
    unmatched: list[StructurePage] = field(default_factory=list)
    grants: int = 0
    grants_unjoined: int = 0
    named: set[str] = field(default_factory=set)  # organisations given their name already
    notices: list[Notice] = field(default_factory=list)

    def turtle(self) -> bytes:
        return paragraphs(self.triples).encode("utf-8")

    def concept(self, scheme: str, value: str, file: str, line: int) -> str:
        """The concept node of a listed value, or an unlisted concept declared here with a notice."""
        concept: Concept = mapper().vocabulary.lookup(scheme, value)
        node = shorten(concept.iri)
        if not concept.listed and node not in self.declared:
            self.declared.add(node)
            self.notices.append(
                Notice(file, line, f"`{value}` is not in the {scheme} list; kept as a new concept")
            )
            self.triples += [
                (node, "a", "skos:Concept"),
                (node, "a", "csg:UnlistedConcept"),
                (node, "skos:prefLabel", text(concept.label)),
                (node, "skos:inScheme", shorten(concept.scheme_iri)),
            ]
        return node

    def add_page(self, page: StructurePage) -> None:
        """A second page with the same name and département is a homonym the graph cannot tell apart: it
        is reported, not merged into the first (one legal name, one SIRET per structure)."""
        code = page.departement_code
        node = f"structure:{structure_local(page.name or '', code)}"
        first = self.described.get(node)
        if first is not None:
            message = f"same name and département as the structure of {first.file}:{first.line}; not read"
            self.notices.append(Notice(page.file, page.line, message))
            return
        self.described[node] = page
        own = self.triples
        if node in self.declared:
            self.matched.append(page)
        else:
            self.unmatched.append(page)
            self.declared.add(node)
            own += [(node, "a", "csg:Structure"), (node, "a", "org:Organization")]
            own.append((node, "skos:prefLabel", text(page.name or "")))
            if code:
                departement = f"departement:{code}"
                own.append((node, "csg:departement", departement))
                if departement not in self.declared:
                    self.declared.add(departement)
                    found = find_departement(code)
                    own += [
                        (departement, "a", "csg:Departement"),
                        (departement, "skos:notation", text(code, None)),
                    ]
                    own.append((departement, "skos:prefLabel", text(found.name if found else code)))
        own.append((node, "a", "rov:RegisteredOrganization"))
        own.append((node, "csg:structureKind", text(page.kind)))
        own.append((node, "csg:pageFile", text(page.file, None)))
        own.append((node, "csg:pageLine", str(page.line)))
        own.append((node, "csg:pageTruncated", boolean(page.truncated)))
        if page.name:
            own.append((node, "rov:legalName", text(page.name)))
        if page.siret:
            if page.siret_valid:
                identifier = f"{node}-siret"
                own.append((node, "rov:registration", identifier))
                own += [
                    (identifier, "a", "adms:Identifier"),
                    (identifier, "skos:notation", text(page.siret, None)),
                ]
                own.append((identifier, "adms:schemaAgency", text("INSEE (répertoire SIRENE)")))
                own.append((node, "csg:siret", text(page.siret, None)))
                self.by_siret.setdefault(page.siret, node)
            else:
                own.append((node, "csg:siretAsWritten", text(page.siret, None)))
        if page.address or page.postcode:
            address = f"{node}-address"
            own += [(node, "locn:address", address), (address, "a", "locn:Address")]
            if page.address:
                own.append((address, "locn:thoroughfare", text(page.address, None)))
            if page.postcode:
                own.append((address, "locn:postCode", text(page.postcode, None)))
            if page.commune:
                own.append((address, "locn:postName", text(page.commune, None)))
            full = ", ".join(
                filter(None, [page.address, " ".join(filter(None, [page.postcode, page.commune]))])
            )
            own.append((address, "locn:fullAddress", text(full, None)))
        if page.email:
            own.append((node, "schema:email", text(page.email, None)))
        if page.website:
            own.append((node, "schema:url", f"{text(page.website, None)}^^xsd:anyURI"))
        if page.first_approval:
            own.append((node, "csg:firstApproval", f'"{page.first_approval.isoformat()}"^^xsd:date'))
        if page.population is not None:
            own.append((node, "csg:population", f'"{page.population}"^^xsd:integer'))
        if page.history:
            own.append((node, "csg:history", text(page.history)))
        own += [(node, "csg:projectAxis", text(axis)) for axis in page.axes]
        lines = page.field_lines
        if page.management:
            concept = self.concept(
                "management", page.management, page.file, lines.get("management", page.line)
            )
            own.append((node, "csg:managementMode", concept))
        if page.territory_type:
            line = lines.get("territory_type", page.line)
            own.append(
                (
                    node,
                    "csg:territoryType",
                    self.concept("territory-type", page.territory_type, page.file, line),
                )
            )
        for name, value in (
            ("territorySize", page.territory_size),
            ("priorityAreaText", page.priority_area_text),
            ("otherFederation", page.other_federation),
        ):
            if value:
                own.append((node, f"csg:{name}", text(value)))
        for name, answer in (
            ("priorityArea", page.priority_area),
            ("federationMember", page.federation_member),
            ("travellers", page.travellers),
            ("multiSite", page.multi_site),
            ("itinerant", page.itinerant),
        ):
            if answer is not None:
                own.append((node, f"csg:{name}", boolean(answer)))

    def organisation(self, name: str, siret: str | None) -> str | None:
        """A funder or a beneficiary that is no structure: keyed by SIRET, by name when it has none valid.

        A row that names the body neither way gives no node (None): an empty name is no organisation,
        and all the rows without one would otherwise meet on a single nameless funder. A body known by
        its SIRET alone has no label until a row names it."""
        if siret and siret in self.by_siret:
            return self.by_siret[siret]
        if not siret and not name:
            return None
        node = f"organisation:siret-{siret}" if siret else f"organisation:{local_name(name)}"
        if node not in self.declared:
            self.declared.add(node)
            self.triples.append((node, "a", "org:Organization"))
            self.name(node, name, siret)
            if siret:
                identifier = f"{node}-id"
                self.triples.append((node, "a", "rov:RegisteredOrganization"))
                self.triples += [(node, "rov:registration", identifier), (identifier, "a", "adms:Identifier")]
                self.triples.append((identifier, "skos:notation", text(siret, None)))
                self.triples.append((node, "csg:siret", text(siret, None)))
        else:
            self.name(node, name, siret)
        return node

    def name(self, node: str, name: str, siret: str | None) -> None:
        """The first name a row gives the organisation, once."""
        if name and node not in self.named:
            self.named.add(node)
            self.triples.append((node, "skos:prefLabel", text(name)))
            if siret:
                self.triples.append((node, "rov:legalName", text(name)))

    def add_grant(self, grant: Grant) -> None:
        node = f"grant:{short_hash(grant.file, str(grant.line))}"
        own = self.triples
        self.grants += 1
        joined = grant.beneficiary_siret in self.by_siret
        if not joined:
            self.grants_unjoined += 1
        own += [(node, "a", "schema:MonetaryGrant"), (node, "a", "csg:DeclaredGrant")]
        funder = self.organisation(grant.funder, grant.funder_siret)
        if funder:
            own.append((node, "schema:funder", funder))
        beneficiary = self.organisation(grant.beneficiary, grant.beneficiary_siret)
        if beneficiary:
            own.append((node, "csg:beneficiary", beneficiary))
        own.append((node, "rdfs:label", text(f"{grant.funder or '?'} → {grant.beneficiary or '?'}")))
        if grant.amount is not None:
            own += [
                (node, "schema:amount", decimal(grant.amount)),
                (node, "schema:currency", text("EUR", None)),
            ]
        if grant.date:
            own.append((node, "dcterms:date", f'"{grant.date.isoformat()}"^^xsd:date'))
        if grant.reference:
            own.append((node, "dcterms:identifier", text(grant.reference, None)))
        if grant.object:
            own.append((node, "schema:description", text(grant.object)))
        if grant.nature:
            own.append(
                (node, "csg:grantNature", self.concept("grant-nature", grant.nature, grant.file, grant.line))
            )
        for name, value in (
            ("paymentConditions", grant.conditions),
            ("paymentPeriod", grant.payment_period),
            ("aidScheme", grant.scheme),
        ):
            if value:
                own.append((node, f"csg:{name}", text(value)))
        if grant.eu_notification is not None:
            own.append((node, "csg:euNotification", boolean(grant.eu_notification)))
        if grant.percentage is not None:
            own.append((node, "csg:fundingShare", decimal(grant.percentage)))
        own += [(node, "csg:rowFile", text(grant.file, None)), (node, "csg:rowLine", str(grant.line))]


def organisations_turtle(
    declared: set[str], pages: Iterable[StructurePage], grants: Iterable[Grant]
) -> Organisations:
    """Pages first (so grants can join them by SIRET), then grants, in input order: same input, same text."""
    organisations = Organisations(set(declared))
    for page in pages:
        organisations.add_page(page)
    for grant in grants:
        organisations.add_grant(grant)
    return organisations
