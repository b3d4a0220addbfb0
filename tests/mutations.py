"""Helpers for the tests that mutate real data: every path of a document, and a copy with
one value replaced or deleted."""
from __future__ import annotations

DELETE = object()  # what `make` returns in replace_at to remove the value


def paths_of(value, path=()):
    """(path, value) of the document and of everything in it, depth first."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths_of(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths_of(v, path + (i,))


def replace_at(doc, path, make):
    """A copy of doc with the value at path replaced by make(old) (DELETE removes it);
    containers are copied along the path only."""
    if not path:
        return make(doc)
    out = dict(doc) if isinstance(doc, dict) else list(doc)
    new = replace_at(doc[path[0]], path[1:], make)
    if new is DELETE:
        del out[path[0]]
    else:
        out[path[0]] = new
    return out
