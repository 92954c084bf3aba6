"""The home page and a page for every thing of the graph, at its own IRI's path.

`https://w3id.org/csgraph/PATH` is served at `/PATH`. The same address gives the thing's triples as Turtle or
JSON-LD when the client asks for them (`Accept`, or `?format=` for a link in a browser). The numbers come
from `csgraph.site.describe`; what needs every action once (`Tally`) is kept in `Site.cache`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from csgraph.action_index import FACETS
from csgraph.catalogue import bundled_queries
from csgraph.formatting import tr
from csgraph.site import describe, things
from csgraph.site.actions import actions_index, near_block
from csgraph.site.app import NotFound, Site, error_page, render, site_of
from csgraph.site.describe import CSG
from csgraph.site.i18n import lang_of
from csgraph.site.links import SEGMENT, iri_of
from csgraph.site.maps import concept_map_svg
from csgraph.site.tally import Tally
from csgraph.vocabulary import SCHEME_PREFIXES, scheme_iri

MEDIA_TYPES = {
    "ttl": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json",
    "json": "application/json",
}
ACCEPTED = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "json",
}
FORMATS = ("html", *MEDIA_TYPES)
TOP_KEYWORDS = 15
KEPT_BYTES = 64 << 20
SCHEMES_SHOWN = ("keyword", "public", "partner")  # the lists a département page counts, most first
MISSING_SCHEMES = ("keyword", "public")  # the published lists a département page checks for gaps
# The parameter (and facet) of the actions list that narrows it to the concepts reached by a link property;
# initiative and theme have none.
FILTERS = {spec.property: spec.name for spec in FACETS if spec.property} | {
    describe.FUNDER_TYPE: next(spec.name for spec in FACETS if "funder-category" in spec.schemes)
}


def tally_of(site: Site) -> Tally:
    return site.once("pages:tally", lambda: Tally.scan(site.store))


def property_names(site: Site) -> dict[str, tuple[str, str]]:
    return site.once("pages:property-labels", lambda: describe.property_labels(site.store))


def requested_format(request: Request) -> str | None:
    """`?format=` if given (None when unknown), else the best of the Accept header (HTML by default)."""
    if "format" in request.query_params:
        chosen = request.query_params["format"]
        return chosen if chosen in FORMATS else None
    best, best_quality = "html", 0.0
    for position, item in enumerate(request.headers.get("accept", "").split(",")):
        media_type, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        chosen = ACCEPTED.get(media_type.lower())
        if chosen and quality > best_quality:
            best, best_quality = chosen, quality - position * 1e-6  # earlier wins a tie
    return best


def page_context(request: Request, site: Site) -> dict[str, object]:
    """What every page of a thing can call: the property names in the page's language."""
    names = property_names(site)
    index = 1 if lang_of(request) == "en" else 0

    def field_name(iri: str) -> str:
        return names[iri][index] if iri in names else describe.local_name(iri)

    return {"field_name": field_name, "format_links": format_links(request), "csg": CSG}


def format_links(request: Request) -> list[tuple[str, str]]:
    path = request.url.path
    return [("Turtle", f"{path}?format=ttl"), ("JSON-LD", f"{path}?format=jsonld")]


class KeptPages:
    """Pages already answered, kept up to KEPT_BYTES (least recently asked dropped first).

    The graph does not change while it is served, so a page is the same for the same path, query and
    format; what is asked often (the home page, big départements and keywords) is then answered at once.
    """

    def __init__(self, limit: int = KEPT_BYTES) -> None:
        self.pages: OrderedDict[tuple[str, ...], tuple[bytes, str]] = OrderedDict()
        self.size = 0
        self.limit = limit
        self.lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> Response | None:
        with self.lock:
            kept = self.pages.get(key)
            if kept is None:
                return None
            self.pages.move_to_end(key)
        body, media_type = kept
        return Response(body, media_type=media_type, headers={"Vary": "Accept"})

    def put(self, key: tuple[str, ...], response: Response) -> None:
        if response.status_code != 200:
            return
        body = bytes(response.body)
        with self.lock:
            if key not in self.pages:
                self.pages[key] = (body, response.headers["content-type"])
                self.size += len(body)
            while self.size > self.limit and self.pages:
                _, (dropped, _) = self.pages.popitem(last=False)
                self.size -= len(dropped)


def kept_pages(site: Site) -> KeptPages:
    return site.once("pages:kept", KeptPages)


def kept(answer: Callable[[Request], Response]) -> Callable[[Request], Response]:
    """Answer a page from KeptPages when it was answered before; keep it otherwise."""

    def answer_or_kept(request: Request) -> Response:
        pages = kept_pages(site_of(request))
        key = (request.url.path, request.url.query, requested_format(request) or "")
        response = pages.get(key)
        if response is None:
            response = answer(request)
            pages.put(key, response)
        return response

    return answer_or_kept


def home(request: Request) -> Response:
    site = site_of(request)
    tally = tally_of(site)
    keywords = tally.top(CSG + "keyword", limit=None)
    context = {
        "tally": tally,
        "keywords": len(keywords),
        "top_keywords": keywords[:TOP_KEYWORDS],
        "questions": site.once("pages:questions", bundled_queries),
    }
    return render(request, "site/home.html", context)


def thing(kind: str, request: Request) -> Response:
    """The page, or the triples, of the thing at `/KIND/NAME`; a 404 naming the nearest things otherwise."""
    site = site_of(request)
    name = request.path_params["name"]
    if not SEGMENT.fullmatch(name) or name in (".", ".."):
        raise unknown(request, site, kind, name)
    iri = iri_of(f"{kind}/{name}")
    chosen = requested_format(request)
    if chosen is None:
        message = tr(
            lang_of(request),
            "Format inconnu : demandez ttl, jsonld, json ou html.",
            "Unknown format: ask for ttl, jsonld, json or html.",
        )
        return error_page(request, 400, message)
    if chosen == "html":
        response = PAGES.get(kind, concept_page)(request, site, iri) or node_page(request, site, iri)
    else:
        response = triples_response(site, iri, chosen)
    if response is None:
        raise unknown(request, site, kind, name)
    response.headers["Vary"] = "Accept"
    return response


def triples_response(site: Site, iri: str, chosen: str) -> Response | None:
    triples = describe.description(site.store, iri)
    if not triples:
        return None
    body = describe.turtle(triples) if chosen == "ttl" else describe.jsonld(triples).encode()
    return Response(body, media_type=MEDIA_TYPES[chosen])


def unknown(request: Request, site: Site, kind: str, name: str) -> NotFound:
    things = site.once(f"pages:names:{kind}", lambda: describe.names(site.store, kind))
    suggestions = [(ref.label, ref.iri) for ref in describe.near(things, name)]
    message = tr(
        lang_of(request),
        f"Aucune page « {name} » ici.",
        f"No page “{name}” here.",
    )
    return NotFound(message, suggestions)


def action_page(request: Request, site: Site, iri: str) -> Response | None:
    found = things.action(site.store, iri)
    if found is None:
        return None
    node = found.node
    shown = {*describe.ACTION_FIELDS, *describe.TEXT_FIELDS, *describe.MONEY_FIELDS, *describe.SOURCE_FIELDS}
    others = [
        predicate
        for predicate in node.values
        if predicate not in shown and predicate not in (describe.RDF_TYPE, describe.DCTERMS + "title")
    ]
    context = {
        **page_context(request, site),
        "action": found,
        "fields": [field for field in (*describe.ACTION_FIELDS, *others) if field in node.values],
        "texts": [field for field in describe.TEXT_FIELDS if field in node.values],
        "near": near_block(request, site, iri),
    }
    return render(request, "site/action.html", context)


def structure_page(request: Request, site: Site, iri: str) -> Response | None:
    found = things.structure(site.store, iri)
    if found is None:
        return None
    context = {**page_context(request, site), "structure": found, "network": things.network(found)}
    return render(request, "site/structure.html", context)


def concept_structures(site: Site, link: str, iri: str) -> tuple[list[describe.Counted], int]:
    """From the actions index when a facet holds the concept (milliseconds at any size), else from the
    store, kept once computed (its cost grows with the concept's actions)."""
    facet = actions_index(site).facets.get(FILTERS.get(link, ""))
    value = facet.by_iri.get(iri) if facet else None
    if facet is None or value is None:
        key = f"pages:concept-structures:{link}:{iri}"
        return site.once(key, lambda: things.concept_structures(site.store, link, iri))
    found = actions_index(site).organisers(facet.bits[value])
    counted = [
        describe.Counted(describe.Ref(structure.label, structure.iri or ""), n) for structure, n in found
    ]
    return counted[: describe.SHOWN], len(counted)


def concept_page(request: Request, site: Site, iri: str) -> Response | None:
    tally = tally_of(site)
    found = things.concept(site.store, tally, iri)
    if found is None:
        return None
    sections = [
        {
            "link": link,
            "count": tally.concept_count(link, iri),
            "presence": tally.presence(link, iri),
            "listing": found.listings[link],
            "structures": concept_structures(site, link, iri),
            "filter": FILTERS.get(link),
        }
        for link in found.links
    ]
    scheme = scheme_of(tally, found.concept.scheme)
    context = {**page_context(request, site), "page": found, "sections": sections, "scheme": scheme}
    context["map"] = concept_map_svg(site, iri, lang_of(request))
    return render(request, "site/concept.html", context)


def scheme_of(tally: Tally, key: str) -> describe.Ref | None:
    return tally.schemes.get(scheme_iri(key))


def departement_page(request: Request, site: Site, iri: str) -> Response | None:
    tally = tally_of(site)
    found = things.departement(site.store, tally, iri)
    if found is None:
        return None
    links = {"keyword": CSG + "keyword", "public": CSG + "public", "partner": CSG + "partnerType"}
    context = {
        **page_context(request, site),
        "page": found,
        "tops": [
            (scheme, scheme_of(tally, scheme), tally.top(links[scheme], iri)) for scheme in SCHEMES_SHOWN
        ],
        "missing": [
            (scheme, scheme_of(tally, scheme), tally.missing(scheme, links[scheme], iri))
            for scheme in MISSING_SCHEMES
        ],
    }
    return render(request, "site/departement.html", context)


def funder_page(request: Request, site: Site, iri: str) -> Response | None:
    found = things.funder(site.store, iri)
    if found is None:
        return None
    return render(request, "site/funder.html", {**page_context(request, site), "page": found})


def scheme_page(request: Request, site: Site, iri: str) -> Response | None:
    tally = tally_of(site)
    scheme = tally.schemes.get(iri)
    node = describe.properties(site.store, iri)
    if scheme is None or node is None:
        return None
    concepts = tally.scheme_concepts(describe.local_name(iri))
    context = {**page_context(request, site), "scheme": scheme, "node": node, "concepts": concepts}
    return render(request, "site/scheme.html", context)


def node_page(request: Request, site: Site, iri: str) -> Response | None:
    """Any other node with triples (a grant, an expense line): its properties as a table."""
    node = describe.properties(site.store, iri)
    if node is None:
        return None
    title = next(
        (node.first(predicate) for predicate in describe.LABEL_ORDER if node.first(predicate)),
        describe.local_name(iri),
    )
    return render(request, "site/node.html", {**page_context(request, site), "node": node, "title": title})


Page = Callable[[Request, Site, str], Response | None]
PAGES: dict[str, Page] = {
    "action": action_page,
    "structure": structure_page,
    "departement": departement_page,
    "funder": funder_page,
    "scheme": scheme_page,
    "funding": node_page,
}
KINDS = (*PAGES, *SCHEME_PREFIXES)

routes: list[BaseRoute] = [
    Route("/", kept(home), name="home"),
    *(Route(f"/{kind}/{{name}}", kept(partial(thing, kind)), name=f"thing-{kind}") for kind in KINDS),
]
