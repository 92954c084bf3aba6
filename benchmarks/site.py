"""Measure `csgraph serve` on a built graph: start-up, then page latency under concurrent clients.

Starts the real server (`python -m csgraph serve`) on a free loopback port, waits for its first answer
(the start-up time), then runs CLIENTS threads, each with its own keep-alive connection, that ask for the
pages of the latency goal in turn: home, an action, a structure, a concept (keyword), a département and
`/actions` with two facets. The pages asked for are drawn from the graph itself, seeded, so two runs ask
for the same ones. Prints a Markdown table of p50, p95 and max per kind of page, with the server's CPU
time beside the wall time (2 cores: a ratio near 1 means one core did the work).

    python benchmarks/site.py GRAPH.ttl [--clients 8] [--requests 40] [--port 0]
"""

from __future__ import annotations

import argparse
import http.client
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from csgraph.site.links import path_of
from csgraph.store import open_graph
from csgraph.vocabulary import PREFIXES

SEED = 62
KINDS = ("home", "action", "structure", "concept", "departement", "actions, 2 facets")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sample_iris(graph: Path, count: int) -> dict[str, list[str]]:
    """IRIs of each kind of page, drawn with a fixed seed from the graph."""
    store = open_graph(graph)
    prefixes = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
    chosen: dict[str, list[str]] = {}
    for kind, pattern in (
        ("action", "?thing a csg:Action"),
        ("structure", "?thing a csg:Structure"),
        ("concept", "?thing skos:inScheme scheme:keyword"),
        ("departement", "?thing a csg:Departement"),
    ):
        found = sorted(
            row["thing"].value for row in store.query(f"{prefixes}SELECT ?thing WHERE {{ {pattern} }}")
        )
        chosen[kind] = random.Random(SEED).sample(found, min(count, len(found)))
    rows = store.query(
        f"{prefixes}SELECT ?departement ?keyword (COUNT(*) AS ?n) WHERE {{ "
        "?action csg:organiser/csg:departement ?d ; csg:keyword ?k . "
        "?d skos:notation ?departement . ?k skos:notation ?keyword } "
        "GROUP BY ?departement ?keyword ORDER BY DESC(?n) ?departement ?keyword LIMIT 20"
    )
    facets = [(row["departement"].value, row["keyword"].value) for row in rows]
    chosen["actions, 2 facets"] = [
        "/actions?" + urllib.parse.urlencode({"departement": departement, "keyword": keyword})
        for departement, keyword in facets
    ]
    return chosen


def page_paths(iris: dict[str, list[str]]) -> dict[str, list[str]]:
    paths = {"home": ["/"], "actions, 2 facets": iris["actions, 2 facets"]}
    for kind in ("action", "structure", "concept", "departement"):
        paths[kind] = [path for path in map(path_of, iris[kind]) if path]
    return paths


def wait_until_up(port: int, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            return time.perf_counter() - start
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server did not answer within {timeout} s")


def client(
    port: int, paths: dict[str, list[str]], requests: int, seed: int, out: dict[str, list[float]]
) -> None:
    """One client: `requests` rounds over every kind of page, on one keep-alive connection."""
    chooser = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(requests):
        for kind in KINDS:
            path = chooser.choice(paths[kind])
            start = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}")
            out[kind].append(elapsed)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


def peak_megabytes(pid: int) -> float:
    """The server process's own peak resident memory (its query workers are apart)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", type=Path)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40, help="rounds over the page kinds, per client")
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args(argv)
    paths = page_paths(sample_iris(options.graph, 200))
    port = options.port or free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "csgraph", "serve", "--graph", str(options.graph), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        startup = wait_until_up(port, 120)
        # What the site computes once per process (it starts on it at once) is not a page's latency: wait
        # for it, then one warm-up round.
        warmed = ["/map", *(f"/networks/{view}" for view in ("partnership", "keywords", "funding"))]
        warm_start = time.perf_counter()
        for path in warmed + [path for kind in KINDS for path in paths[kind][:3]]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
            connection.request("GET", path)
            connection.getresponse().read()
        warm_up = time.perf_counter() - warm_start
        latencies: dict[str, list[float]] = defaultdict(list)
        cpu_before, wall_before = cpu_seconds(server.pid), time.perf_counter()
        threads = [
            threading.Thread(target=client, args=(port, paths, options.requests, SEED + number, latencies))
            for number in range(options.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall_before
        cpu = cpu_seconds(server.pid) - cpu_before
        peak = peak_megabytes(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(values) for values in latencies.values())
    print(f"graph: {options.graph}; first answer {startup:.2f} s after start, warm {warm_up:.1f} s later")
    print(
        f"{options.clients} clients, {total} requests in {wall:.1f} s wall, server CPU {cpu:.1f} s "
        f"({cpu / wall:.2f} cores busy); server peak memory {peak:.0f} MB\n"
    )
    print("| page | requests | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for kind in KINDS:
        values = latencies[kind]
        print(
            f"| {kind} | {len(values)} | {statistics.median(values) * 1000:.0f} | "
            f"{percentile(values, 0.95) * 1000:.0f} | {max(values) * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
