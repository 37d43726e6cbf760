"""The fields the Auth REST API reads from request bodies, with their JSON types, declared
once per document and checked in one place (:func:`checked`) before any model sees them.

``POST``/``PUT`` of ``/v2/api/clients``, ``scopes``, ``projects``, ``policies`` and
``credentials`` carry ``{"<document>": {...}}``; a field of the wrong type (``"admin_ids":
[[1]]``, ``"name": 5``) is a 400 ``BAD_REQUEST`` naming the field, never a crash later when
a model hashes, joins or renders it. Fields not listed here are ignored, as before.

Types: ``text``, ``flag`` (a JSON boolean), ``integer`` (not a boolean), ``texts`` (a list
of strings), ``links`` (an object of strings), ``dependencies`` (a list of objects with a
string ``scope`` and boolean ``optional``/``requires_refresh_token``); a trailing ``?``
also accepts ``null``. Not confirmed against the real service: its exact wording for
type errors (the status and envelope are those of its other 400s).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockglobus.auth import errors


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _dependencies(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(d, dict)
        and isinstance(d.get("scope"), str)
        and all(isinstance(d.get(k, False), bool) for k in ("optional", "requires_refresh_token"))
        for d in value
    )


_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "text": (lambda v: isinstance(v, str), "a string"),
    "flag": (lambda v: isinstance(v, bool), "a boolean"),
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "texts": (_texts, "a list of strings"),
    "links": (
        lambda v: isinstance(v, dict) and all(isinstance(x, str) or x is None for x in v.values()),
        "an object of strings",
    ),
    "dependencies": (_dependencies, "a list of {scope, optional, requires_refresh_token}"),
}

DOCUMENTS: dict[str, dict[str, str]] = {
    "client": {
        "name": "text",
        "public_client": "flag?",
        "client_type": "text?",
        "project": "text?",
        "redirect_uris": "texts?",
        "visibility": "text?",
        "required_idp": "text?",
        "preselect_idp": "text?",
        "links": "links?",
        "template_id": "text",
    },
    "credential": {"name": "text?"},
    "scope": {
        "name": "text",
        "description": "text",
        "scope_suffix": "text",
        "advertised": "flag?",
        "allows_refresh_token": "flag",
        "required_domains": "texts",
        "dependent_scopes": "dependencies",
    },
    "project": {
        "display_name": "text",
        "contact_email": "text",
        "admin_ids": "texts?",
        "admin_group_ids": "texts?",
    },
    "policy": {
        "project_id": "text",
        "display_name": "text",
        "description": "text?",
        "high_assurance": "flag?",
        "authentication_assurance_timeout": "integer?",
        "required_mfa": "flag?",
        "domain_constraints_include": "texts?",
        "domain_constraints_exclude": "texts?",
    },
}


def checked(document: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` (the ``document`` object of a request) if every listed field present has
    its type; else :class:`~mockglobus.auth.errors.BadRequest`."""
    for key, kind in DOCUMENTS.get(document, {}).items():
        if key not in body:
            continue
        value = body[key]
        if value is None and kind.endswith("?"):
            continue
        test, wanted = _KINDS[kind.rstrip("?")]
        if not test(value):
            raise errors.BadRequest(f"'{document}.{key}' must be {wanted}")
    return body


__all__ = ["DOCUMENTS", "checked"]
