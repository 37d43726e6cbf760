"""Reading JSON request bodies without trusting them: one strict decoder for both doubles.

``json.loads`` accepts what no client means to send and what the models cannot hold:
the literals ``NaN``/``Infinity``, ``1e400`` (read as ``inf``), integers no float can
hold (``OverflowError`` wherever a model mixes them with floats), and nesting deep enough to exhaust the interpreter's recursion limit (which raises
``RecursionError``, not ``ValueError``, so handlers that catch ``ValueError`` crash).
:func:`loads` refuses all of them with :class:`UnsafeJson`, a ``ValueError``, so each
service answers every malformed or hostile body with its own 400 from the one place
it parses bodies. :class:`StrictJSONProvider` makes Flask's ``request.get_json`` use it.

The real services run plain ``json.loads`` (fts-rest-flask's ``get_input_as_dict``);
there these bodies end in a 500 (``OverflowError`` on ``int(inf)``, ``RecursionError``).
The doubles answer 400 instead: a client's mistake is never a server error here.
Integers a float can hold pass (an opaque metadata document may carry any of them);
a model that computes with an integer field checks that field's range itself
(e.g. ``mockfts.model.submission.params.integer``).
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from flask.json.provider import DefaultJSONProvider

#: Deepest nesting accepted (documents of both services nest fewer than 10 levels).
MAX_DEPTH = 64
#: Largest integer magnitude accepted: the largest finite float (about 1.8e308), so any
#: number of a body converts to a float without ``OverflowError``.
MAX_INT = int(sys.float_info.max)


class UnsafeJson(ValueError):
    """A body ``json.loads`` might read, but no model should."""


def _constant(name: str) -> Any:
    raise UnsafeJson(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJson(f"number {text[:40]} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_float=_float, parse_constant=_constant)
# Every digit becomes "9", every other byte a space: long digit runs found at C speed.
_DIGITS = bytes(0x39 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"9" * len(str(MAX_INT))  # no shorter run of digits can exceed MAX_INT


def _check(value: Any, max_depth: int, ints: bool) -> None:
    """Nesting depth (and, if ``ints``, integer range) without recursion: a list of
    (container, depth) still to visit."""
    todo = [(value, 1)]
    while todo:
        node, depth = todo.pop()
        if depth > max_depth:
            raise UnsafeJson(f"nesting deeper than {max_depth} levels")
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                todo.append((child, depth + 1))
            elif ints and type(child) is int and not -MAX_INT - 1 <= child <= MAX_INT:
                raise UnsafeJson(f"integer {str(child)[:40]}... is out of range")


def loads(raw: bytes | bytearray | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode ``raw`` (bytes in UTF-8, -16 or -32, as ``json.loads`` detects) strictly.

    Raises :class:`UnsafeJson` for non-finite numbers, integers beyond :data:`MAX_INT`
    and nesting beyond ``max_depth``; ``ValueError`` (``JSONDecodeError``,
    ``UnicodeDecodeError``) for everything ``json.loads`` refuses. The walk after
    decoding runs only when the text could fail it (many brackets, long digit runs).
    """
    if isinstance(raw, str):
        text, data = raw, raw.encode("utf-8", "surrogatepass")
    else:
        data = bytes(raw)
        encoding = json.detect_encoding(data)
        text = data.decode(encoding, "strict")
        if encoding not in ("utf-8", "utf-8-sig"):
            data = text.encode("utf-8", "surrogatepass")
    try:
        value = _DECODER.decode(text)
    except RecursionError:  # deeper than the interpreter's own limit
        raise UnsafeJson(f"nesting deeper than {max_depth} levels") from None
    ints = _LONG_RUN in data.translate(_DIGITS)
    if isinstance(value, (dict, list)):
        if ints or text.count("[") + text.count("{") > max_depth:
            _check(value, max_depth, ints)
    elif ints:
        _check([value], max_depth, ints)
    return value


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with :func:`loads` for ``request.get_json``
    (``app.json = StrictJSONProvider(app)``)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)


__all__ = ["MAX_DEPTH", "MAX_INT", "StrictJSONProvider", "UnsafeJson", "loads"]
