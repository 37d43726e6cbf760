"""One binder from a Globus service's route table to Flask views.

A service's routes are data (:class:`mockcore.routes.Route`): the part method that
serves it (``view``, unbound) and, in ``options``, what it reads: ``body`` (the parsed
JSON body), ``query`` parameters as keywords, ``repeated`` ones as lists
(``{keyword: parameter}``), the named ``args`` parameters as one dict (keyword
``args``), and the ``status`` of a success. :meth:`Binding.view` finds the model's part
owning the view, asks Auth (through the model's ``auth``) who the bearer token names,
calls the view and renders its document. What differs between services is a
:class:`Binding`: where its model is, how it reads a token and a body (each refuses in
its own error shape), and how it renders.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask

from mockcore import jsonbody
from mockcore.double import STATE_KEY
from mockcore.routes import Route

Reply = Callable[[Any, dict[str, Any], int], flask.Response]


def bearer_token(environ: dict[str, Any]) -> str | None:
    """The bearer token of a request, None when there is none (or not a bearer one)."""
    scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def json_body(
    invalid: Callable[[str], Exception], missing: Callable[[], Exception] | None = None
) -> Callable[[], Any]:
    """A reader of the request's JSON body through the strict decoder (no deep nesting,
    NaN, 1e400 or bad UTF-8): ``invalid(reason)`` is raised for what it refuses, and
    ``missing()`` for an empty body (None is read when ``missing`` is None)."""

    def read() -> Any:
        raw = flask.request.get_data(cache=True)
        if not raw.strip():
            if missing is not None:
                raise missing()
            return None
        try:
            return jsonbody.loads(raw)
        except ValueError as exc:
            raise invalid(str(exc)) from None

    return read


def json_reply(doc: Any, environ: dict[str, Any], status: int) -> flask.Response:  # noqa: ARG001
    """The document as JSON (``json.dumps``: the same text as ``flask.jsonify`` for a
    fraction of its cost)."""
    return flask.Response(json.dumps(doc), status=status, content_type="application/json")


def part_class(view: Callable[..., Any], service: str) -> type:
    """The part class defining ``view`` (an unbound method, possibly decorated)."""
    owner = getattr(sys.modules[view.__module__], view.__qualname__.split(".")[0], None)
    if not isinstance(owner, type):
        raise TypeError(f"{view.__qualname__} is not a method of a {service} part")
    return owner


@dataclass(frozen=True)
class Binding:
    """What one service's views have in common. ``model(state)`` is its model, whose
    ``auth.caller_for_token`` names the caller and ``part(cls)`` the part serving a
    view."""

    service: str
    model: Callable[[Any], Any]
    body: Callable[[], Any]
    token: Callable[[dict[str, Any]], str | None] = bearer_token
    reply: Reply = json_reply
    #: checks or adds inputs of a route before the body is read (``(route, inputs)``)
    prepare: Callable[[Route, dict[str, Any]], None] | None = None

    def view(self, route: Route) -> Callable[..., flask.Response]:
        """The Flask view of ``route`` (give it to :func:`mockcore.routes.mount`)."""
        view, owner = route.view, part_class(route.view, self.service)
        options = route.options
        body: bool = options.get("body", False)
        query: tuple[str, ...] = options.get("query", ())
        args: tuple[str, ...] = options.get("args", ())
        repeated: dict[str, str] = options.get("repeated", {})
        status: int = options.get("status", 200)
        model_of, token_of, read_body, reply = self.model, self.token, self.body, self.reply
        prepare = self.prepare

        def serve(**path: str) -> flask.Response:
            environ = flask.request.environ  # read once: each proxied lookup costs
            model = model_of(environ[STATE_KEY])
            caller = model.auth.caller_for_token(token_of(environ))
            inputs: dict[str, Any] = path
            if query or repeated or args:
                request_args = flask.request.args
                inputs.update((name, request_args.get(name)) for name in query)
                inputs.update((kw, request_args.getlist(p)) for kw, p in repeated.items())
                if args:
                    inputs["args"] = {name: request_args.get(name) for name in args}
            if prepare is not None:
                prepare(route, inputs)
            if body:
                inputs["body"] = read_body()
            return reply(view(model.part(owner), caller, **inputs), environ, status)

        return serve


__all__ = ["Binding", "bearer_token", "json_body", "json_reply", "part_class"]
