"""One way to declare a service's routes: a table of :class:`Route`, mounted on a Flask
app or blueprint, from which the README's coverage tables are generated.

A route names the callable that serves it and what the real service calls it (the
fts-rest-flask controller function, the globus-sdk client method), so a reader goes
from a URL to our code and to upstream in one step, and the coverage table cannot
drift from what is served.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

DOUBLE_ONLY = "double only"


@dataclass(frozen=True)
class Route:
    """One route: ``methods`` on ``rule`` (Flask syntax), served by ``view``.

    ``view`` is the function (often a method of a handler or model part, unbound) that
    serves the route; how it is bound and called is the table's ``bind`` (see
    :func:`mount`). ``upstream`` is the real API's name for it (``"jobs.get"`` in
    fts-rest-flask, ``"TransferClient.get_task"`` in globus-sdk); empty for routes only
    the double has. ``options`` carries what a service's binder needs (what the view
    reads from the request, say); ``note`` a remark for the coverage table.
    """

    methods: str | tuple[str, ...]  # one method, or several; kept as a tuple
    rule: str
    view: Callable[..., Any]
    upstream: str = ""
    note: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        methods = (self.methods,) if isinstance(self.methods, str) else tuple(self.methods)
        object.__setattr__(self, "methods", tuple(m.upper() for m in methods))

    @property
    def endpoint(self) -> str:
        """A unique Flask endpoint name: the view's qualified name and the methods, with
        colons for dots (blueprints refuse dots in endpoint names)."""
        name = f"{self.view.__module__}:{self.view.__qualname__}".replace(".", ":")
        return f"{name}:{'/'.join(self.methods)}"


class _Mountable(Protocol):
    def add_url_rule(
        self, rule: str, endpoint: str | None = ..., view_func: Any = ..., **options: Any
    ) -> None: ...


def mount(
    target: _Mountable, routes: Iterable[Route], bind: Callable[[Route], Callable[..., Any]]
) -> None:
    """Register every route of ``routes`` on ``target`` (a Flask app or blueprint), each
    served by ``bind(route)``: the binder turns the declared view into a Flask view."""
    for route in routes:
        target.add_url_rule(
            route.rule, endpoint=route.endpoint, view_func=bind(route), methods=list(route.methods)
        )


def coverage_markdown(
    routes: Iterable[Route],
    *,
    upstream_heading: str,
    prefix: str = "",
    not_served: Iterable[tuple[str, str, str]] = (),
) -> str:
    """The coverage table of a route table: methods, path, upstream name, and the rows
    of ``not_served`` ((methods, path, why)) that the double leaves out."""
    lines = [f"| Methods | Path | {upstream_heading} |", "|---|---|---|"]
    for route in routes:
        name = route.upstream or DOUBLE_ONLY
        if route.note:
            name = f"{name} ({route.note})"
        lines.append(f"| {', '.join(route.methods)} | `{prefix}{route.rule}` | {name} |")
    for methods, path, why in not_served:
        lines.append(f"| {methods} | `{prefix}{path}` | not implemented: {why} |")
    return "\n".join(lines)
