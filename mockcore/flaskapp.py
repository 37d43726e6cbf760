"""The Flask app every service starts from: strict JSON in, no cookie sessions, and
each URL routed once.

The doubles keep no browser sessions, so each request skips Flask's cookie session
(opening and saving a null one costs microseconds a test pays on every call).

Flask binds a URL adapter to every request and runs the router on it: for a double
answering a test's client in-process that is a large part of a request's cost, spent
on the same few URLs again and again. :class:`ServiceApp` hands Flask an adapter (through
``Flask.create_url_adapter``, the documented hook) that remembers where each (method,
path) was routed; everything else a request does is Flask's own cycle. A URL the router
refuses or redirects is routed afresh each time (so its answer is Flask's), as is every
other use of the adapter (``url_for``, ``OPTIONS``), and apps that route by host
(``SERVER_NAME``, host or subdomain matching) keep Flask's adapter. Only public hooks
are used: Flask's private request-cycle internals change between releases (3.2.0 merges
``RequestContext`` into ``AppContext``, Flask's ``CHANGES.rst``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from flask.sessions import NullSession, SessionInterface
from werkzeug.routing import MapAdapter, Rule

from mockcore.jsonbody import StrictJSONProvider


class NoSessions(SessionInterface):
    """One shared read-only session for every request; nothing is ever saved."""

    def __init__(self) -> None:
        self._null = NullSession()

    def open_session(self, app: Flask, request: Any) -> NullSession:  # noqa: ARG002
        return self._null

    def save_session(self, app: Flask, session: Any, response: Any) -> None:  # noqa: ARG002
        return None


#: (method, script name, path, scheme) -> (rule, path arguments)
Routes = dict[tuple[str, str, str, str], tuple[Rule, Mapping[str, Any]]]


class RememberingAdapter:
    """The URL adapter of one request: ``match()`` as the request asks it (Flask's
    ``match_request``) answers from the app's memory; anything else binds Flask's
    adapter and asks it."""

    __slots__ = ("_app", "_request", "_bound")

    def __init__(self, app: ServiceApp, request: Any) -> None:
        self._app = app
        self._request = request
        self._bound: MapAdapter | None = None

    def _adapter(self) -> MapAdapter:
        if self._bound is None:
            bound = Flask.create_url_adapter(self._app, self._request)
            assert bound is not None  # Flask binds one to every request
            self._bound = bound
        return self._bound

    def match(self, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs != {"return_rule": True}:
            return self._adapter().match(*args, **kwargs)
        environ = self._request.environ
        key = (
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("wsgi.url_scheme", "http"),
        )
        routes = self._app.routes
        found = routes.get(key)
        if found is None:
            matched = self._adapter().match(return_rule=True)  # refusals raise: not kept
            if len(routes) >= self._app.routes_limit:
                routes.clear()
            found = routes[key] = matched
        rule, values = found
        return rule, dict(values)  # the request's own: url_value_preprocessors pop from it

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter(), name)


class ServiceApp(Flask):
    """A Flask app that routes each (method, path) once; see the module docstring."""

    #: distinct (method, path) pairs remembered; all are forgotten when it is full
    routes_limit = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a route table cannot change once the app served a request (Flask refuses
        # setup methods then), so what is remembered never goes stale
        self.routes: Routes = {}
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's answer, remembered per function: Flask asks it of the view and of
        every hook on every request, and the answer (is it a coroutine function?) is
        the function's own. The first functions asked (the app's views and hooks) are
        remembered; a full memory stops growing rather than holding every closure."""
        try:
            return self._sync[func]
        except KeyError:
            found = self._sync[func] = super().ensure_sync(func)
            if len(self._sync) > self.routes_limit:
                del self._sync[func]  # full: keep the first ones, not every closure
            return found
        except TypeError:  # an unhashable callable: nothing to remember it by
            return super().ensure_sync(func)

    def create_url_adapter(self, request: Any) -> Any:
        if (
            request is None
            or self.config["SERVER_NAME"] is not None
            or self.url_map.host_matching
            or self.subdomain_matching
        ):
            return super().create_url_adapter(request)
        return RememberingAdapter(self, request)


def service_app(name: str, *, sort_keys: bool = True) -> Flask:
    """A Flask app for one double's routes: strict JSON (``request.get_json`` refuses
    hostile documents; ``sort_keys`` for ``jsonify``), no sessions, routed once per URL."""
    app = ServiceApp(name)
    provider = StrictJSONProvider(app)
    provider.sort_keys = sort_keys
    app.json = provider
    app.session_interface = NoSessions()
    return app


__all__ = ["NoSessions", "RememberingAdapter", "ServiceApp", "service_app"]
