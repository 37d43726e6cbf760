"""Scope strings: parsing the dependent-scope syntax and finding a scope's resource server.

Syntax (as Globus Auth and the SDK write it): scopes are separated by whitespace; a
scope may be followed by ``[...]`` holding the scopes it depends on (nested freely);
a ``*`` before a dependent scope marks it optional, e.g.
``urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/<id>/data_access]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

AUTH_RS = "auth.globus.org"
TRANSFER_RS = "transfer.api.globus.org"
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
# Groups, Search and Timers (globus-sdk ``scopes/data``; Timers' resource server is a UUID)
GROUPS_RS = "groups.api.globus.org"
SEARCH_RS = "search.api.globus.org"
TIMERS_RS = "524230d7-ea86-4a52-8312-86065a9e0417"
TIMERS_SCOPE = f"https://auth.globus.org/scopes/{TIMERS_RS}/timer"
OIDC_SCOPES = ("openid", "profile", "email")

_URN = re.compile(r"urn:globus:auth:scope:([A-Za-z0-9._-]+):([A-Za-z0-9._-]+)")
_URL = re.compile(r"https://auth\.globus\.org/scopes/([A-Za-z0-9._-]+)/([A-Za-z0-9._-]+)")


class ScopeSyntaxError(ValueError):
    pass


@dataclass
class ScopeRequest:
    """One requested scope and the scopes requested beneath it."""

    scope: str
    optional: bool = False
    dependencies: list[ScopeRequest] = field(default_factory=list)

    def serialize(self) -> str:
        text = ("*" if self.optional else "") + self.scope
        if self.dependencies:
            text += "[" + " ".join(d.serialize() for d in self.dependencies) + "]"
        return text


def parse_scopes(text: str) -> list[ScopeRequest]:
    """Parse a scope string into trees; duplicates of a root scope are merged."""
    pos = 0
    stack: list[list[ScopeRequest]] = [[]]
    current: ScopeRequest | None = None
    length = len(text)
    while pos < length:
        char = text[pos]
        if char.isspace():
            pos += 1
            current = None
        elif char == "[":
            if current is None:
                raise ScopeSyntaxError(f"'[' without a scope before it at {pos}")
            stack.append(current.dependencies)
            current = None
            pos += 1
        elif char == "]":
            if len(stack) == 1:
                raise ScopeSyntaxError(f"unbalanced ']' at {pos}")
            stack.pop()
            current = None
            pos += 1
        else:
            optional = char == "*"
            if optional:
                pos += 1
            start = pos
            while pos < length and not text[pos].isspace() and text[pos] not in "[]*":
                pos += 1
            name = text[start:pos]
            if not name:
                raise ScopeSyntaxError(f"empty scope name at {start}")
            if optional and len(stack) == 1:
                raise ScopeSyntaxError(f"optional marker on top-level scope {name!r}")
            current = ScopeRequest(name, optional)
            stack[-1].append(current)
    if len(stack) != 1:
        raise ScopeSyntaxError("unbalanced '['")
    return merge(stack[0])


def merge(requests: list[ScopeRequest]) -> list[ScopeRequest]:
    """Merge repeated scopes (the SDK may send ``openid openid profile``), keep order."""
    out: dict[str, ScopeRequest] = {}
    for req in requests:
        seen = out.get(req.scope)
        if seen is None:
            out[req.scope] = ScopeRequest(req.scope, req.optional, merge(req.dependencies))
        else:
            seen.optional = seen.optional and req.optional
            seen.dependencies = merge(seen.dependencies + req.dependencies)
    return list(out.values())


def resource_server_of(scope: str) -> str | None:
    """The resource server a scope string names by its form, or None if it names none."""
    if scope in OIDC_SCOPES:
        return AUTH_RS
    match = _URN.fullmatch(scope) or _URL.fullmatch(scope)
    return match.group(1) if match else None
