"""`csgraph serve`: the built graph as a local, read-only website in French, one page per IRI."""
