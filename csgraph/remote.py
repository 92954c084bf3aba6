"""Send a built graph to a SPARQL 1.1 server, and ask one: the way past what one machine holds.

`push_graph` replaces one graph of a Graph Store Protocol endpoint (Oxigraph `…/store`, Fuseki
`…/ds/data`, GraphDB, Virtuoso…) with ours: a PUT of the first chunk, then POSTs of the next ones,
N-Triples in both, so neither side ever holds more than a chunk in memory. Connection failures and
5xx answers are retried with backoff (POSTing the same triples twice is harmless: a graph is a set);
a refusal (4xx) or a server that stays out of reach becomes one RemoteError line.

Every exchange has two time limits: connecting (CONNECT_SECONDS) and each read of the answer (the
`timeout` given). A server that accepts the connection and then says nothing is reported once its time is
up, and not tried again: waiting as long again would not make it answer.

Standard library only (urllib): nothing to install on the machine that pushes.
"""

from __future__ import annotations

import base64
import functools
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from csgraph.errors import CsgraphError, InputError, RemoteError

CHUNK_TRIPLES = 50_000
TIMEOUT_SECONDS = 120.0  # for the answer to one chunk of a push
CONNECT_SECONDS = 10.0  # at most, for any exchange; less when the timeout given is shorter
RETRIES = 3
BACKOFF_SECONDS = 0.3
NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class PushReport:
    """What reached the server: its figures are what `csgraph build --push` prints."""

    target: str
    triples: int
    requests: int
    seconds: float


@dataclass(frozen=True)
class Endpoint:
    """An http(s) URL with any `user:password@` taken out into a Basic authorization header, and kept
    for a server that asks for Digest instead (Virtuoso's `/sparql-graph-crud-auth`).

    Fuseki and GraphDB usually guard writes with a password; it never appears in a message.
    """

    url: str
    authorization: str | None = None
    credentials: tuple[str, str] | None = None

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"{url!r} is not an http:// or https:// URL")
        if parts.username is None:
            return cls(url)
        user, password = urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or "")
        netloc = parts.netloc.rpartition("@")[2]
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return cls(urllib.parse.urlunsplit(parts._replace(netloc=netloc)), f"Basic {token}", (user, password))

    def with_graph(self, graph: str | None) -> Endpoint:
        """The Graph Store Protocol address of one graph: `?default` or `?graph=IRI`."""
        if urllib.parse.urlsplit(self.url).query:
            if graph is not None:
                raise InputError(
                    f"{self.url} already names a graph; leave out --push-graph or the query part"
                )
            return self
        query = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
        return Endpoint(f"{self.url}?{query}", self.authorization, self.credentials)


def push_graph(
    ntriples: bytes | Path,
    url: str,
    graph: str | None = None,
    chunk_triples: int = CHUNK_TRIPLES,
    *,
    timeout: float = TIMEOUT_SECONDS,
    retries: int = RETRIES,
) -> PushReport:
    """Make graph `graph` (the default graph when None) of the endpoint at `url` hold exactly these triples.

    `ntriples` is N-Triples text, or a file in any RDF syntax Oxigraph reads (`graph.ttl`, `.nt`, …).
    """
    if chunk_triples < 1:
        raise InputError(f"chunks must hold at least one triple, not {chunk_triples}")
    target = push_target(url, graph)
    started = time.perf_counter()
    triples = requests = 0
    try:
        for body, count in chunks(ntriples, chunk_triples):
            send(target, "POST" if requests else "PUT", body, {"Content-Type": NTRIPLES}, timeout, retries)
            triples += count
            requests += 1
    except CsgraphError as error:
        if requests:  # say so: the server now holds part of the graph
            error.args = (f"{error} (after {requests} request(s): the graph on the server is incomplete)",)
        raise
    return PushReport(target.url, triples, requests, time.perf_counter() - started)


def push_target(url: str | None, graph: str | None = None) -> Endpoint:
    """Where a push goes; raises InputError for a URL that cannot be one, before any work is done."""
    if not url:
        raise InputError("a graph to push needs the URL of a Graph Store endpoint (--push)")
    return Endpoint.parse(url).with_graph(graph)


def chunks(source: bytes | Path, chunk_triples: int) -> Iterator[tuple[bytes, int]]:
    """N-Triples documents of at most `chunk_triples` triples each; at least one, even when empty.

    A blank node is only itself within one document, so every triple that holds one travels in a
    single last chunk, whatever its size; csgraph's own graphs have none.
    """
    if isinstance(source, Path):
        if not source.is_file():
            raise InputError("no such graph file", str(source))
        rdf_format = ox.RdfFormat.from_extension(source.suffix.lstrip(".")) or ox.RdfFormat.N_TRIPLES
        quads = ox.parse(path=source, format=rdf_format)
    else:
        quads = ox.parse(source, format=ox.RdfFormat.N_TRIPLES)
    block: list[ox.Triple] = []
    with_blank_nodes: list[ox.Triple] = []
    sent = False
    try:
        for quad in quads:
            triple = quad.triple
            if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode):
                with_blank_nodes.append(triple)
                continue
            block.append(triple)
            if len(block) == chunk_triples:
                yield serialized(block), len(block)
                block, sent = [], True
    except SyntaxError as error:
        raise InputError(
            f"not valid RDF: {error}", str(source) if isinstance(source, Path) else None
        ) from None
    for last in (block, with_blank_nodes):
        if last or not sent:
            yield serialized(last), len(last)
            sent = True


def serialized(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def sparql_graph(
    endpoint: str, query: str, *, timeout: float = TIMEOUT_SECONDS, retries: int = RETRIES
) -> bytes:
    """The triples a CONSTRUCT or DESCRIBE gives, as N-Triples or Turtle (N-Triples is Turtle too)."""
    body = urllib.parse.urlencode({"query": query}).encode("utf-8")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": f"{NTRIPLES}, text/turtle;q=0.9",
    }
    return send(Endpoint.parse(endpoint), "POST", body, headers, timeout, retries)


def sparql_select(
    endpoint: str, query: str, *, timeout: float = TIMEOUT_SECONDS, retries: int = RETRIES
) -> dict[str, object]:
    """The SPARQL 1.1 JSON results of a SELECT (or ASK), POSTed form-encoded as every endpoint accepts."""
    target = Endpoint.parse(endpoint)
    body = urllib.parse.urlencode({"query": query}).encode("utf-8")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json",
    }
    payload = send(target, "POST", body, headers, timeout, retries)
    try:
        document = json.loads(payload)
    except ValueError:
        raise RemoteError(f"{target.url} did not answer with SPARQL JSON results") from None
    if not isinstance(document, dict):
        raise RemoteError(f"{target.url} did not answer with SPARQL JSON results")
    return document


class ReadTimed(http.client.HTTPConnection):
    """A connection given `timeout` seconds to connect, then `read_timeout` for each read of the answer."""

    def __init__(self, *arguments: object, read_timeout: float, **options: object) -> None:
        super().__init__(*arguments, **options)  # type: ignore[arg-type]
        self.read_timeout = read_timeout

    def connect(self) -> None:
        super().connect()
        self.sock.settimeout(self.read_timeout)


class ReadTimedHTTPS(ReadTimed, http.client.HTTPSConnection):
    """The same over TLS: the handshake is part of connecting."""


class ReadTimedHandler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    def __init__(self, read_timeout: float) -> None:
        urllib.request.HTTPHandler.__init__(self)
        urllib.request.HTTPSHandler.__init__(self)
        self.read_timeout = read_timeout

    def http_open(self, request: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(ReadTimed, read_timeout=self.read_timeout), request)

    def https_open(self, request: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(ReadTimedHTTPS, read_timeout=self.read_timeout)
        return self.do_open(connection, request, context=self._context)  # type: ignore[attr-defined]


def send(
    target: Endpoint, method: str, body: bytes, headers: dict[str, str], timeout: float, retries: int
) -> bytes:
    """One HTTP exchange; connection failures and 5xx are tried again, a refusal or silence reported at once.

    `timeout` is the seconds each read of the answer may take; connecting takes CONNECT_SECONDS at most.
    """
    all_headers = {"User-Agent": "csgraph", **headers}
    connect = min(CONNECT_SECONDS, timeout)
    handlers: list[urllib.request.BaseHandler] = [ReadTimedHandler(timeout)]
    if target.credentials:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, target.url, *target.credentials)
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    opener = urllib.request.build_opener(*handlers)
    problem = ""
    basic = target.authorization  # sent with the request; dropped for a server that wants Digest
    attempt = 0
    while attempt <= retries:
        if attempt:
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
        attempt += 1
        request = urllib.request.Request(target.url, data=body, headers=all_headers, method=method)
        if basic:
            request.add_header("Authorization", basic)
        try:
            with opener.open(request, timeout=connect) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            answer = f"HTTP {error.code} {error.reason}: {first_line(error.read())}".rstrip(": ")
            if error.code == 401 and basic:  # Virtuoso challenges for Digest only a request without Basic
                basic, attempt = None, attempt - 1
                continue
            if error.code < 500:
                raise RemoteError(f"{target.url} refused the {method}: {answer}") from None
            problem = f"{target.url} failed: {answer}"
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise RemoteError(f"cannot reach {target.url}: no connection within {connect:g} s") from None
            problem = f"cannot reach {target.url}: {error.reason}"
        except TimeoutError:
            waited = f"within {timeout:g} s (--timeout SECONDS waits longer)"
            raise RemoteError(f"{target.url} did not answer the {method} {waited}") from None
        except (ConnectionError, http.client.HTTPException) as error:
            problem = f"cannot reach {target.url}: {error or type(error).__name__}"
    raise RemoteError(f"{problem} ({retries + 1} attempts)")


def first_line(message: bytes) -> str:
    """Servers explain a refusal in a page or a stack trace; its first non-empty line is what matters."""
    text = message.decode("utf-8", errors="replace")
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]
