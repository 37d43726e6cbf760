"""Globus Auth over HTTP: the route table (:data:`ROUTES`), and thin handlers that read
parameters, call a part of the model, render.

A route's view is either a method of a model part (``ClientApi.get_client``), called
on this double's instance of that part with what the route's ``options`` say it reads,
or a handler of this module, for routes that do more than read, call and render (the
login page, the token endpoint's headers, the choice between two model methods). Its
``upstream`` is the globus-sdk method that calls it, or the OAuth2/OIDC endpoint's name
where no SDK method does. Options of a part's method:

* ``caller``: pass the :class:`~.api_identities.Caller` (bearer token or Basic) first;
* ``query``: pass these query parameters as keywords (None when absent);
* ``flags``: pass ``{keyword: parameter}`` boolean query parameters (``true``/``false``);
* ``body``: pass the request body's ``{body: {...}}`` object, its fields' types checked
  (:mod:`.bodies`), as ``body``;
* ``reply``: answer ``{reply: result}`` rather than the result itself.

Mock-only additions (not on the real service):

* ``GET /v2/oauth2/authorize?...&login_as=<username>`` logs that user in and redirects
  at once, so a script can follow an authorize URL the way a browser would; without
  it the route shows a login page linking to exactly that (or redirects at once when
  ``auth.browser_user`` is set, unless ``prompt=login`` asks for a fresh login, which a
  browser cannot give without the user). Add ``login_mfa=true`` to say the login used
  multi-factor authentication. A session requirement the user cannot meet redirects
  back with ``error=access_denied``.
* ``GET /v2/web/auth-code`` shows the code like the real page does.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import flask
from werkzeug.wrappers import Response

from mockcore import routes as core_routes
from mockcore.routes import Route
from mockglobus.auth import bodies, errors
from mockglobus.auth.api_clients import ClientApi
from mockglobus.auth.api_identities import Caller, IdentityApi
from mockglobus.auth.api_projects import ProjectApi
from mockglobus.auth.entities import Client
from mockglobus.auth.model import AuthModel
from mockglobus.auth.oidc import OpenIdConnect

blueprint = flask.Blueprint("globus_auth", __name__)

#: The attribute of :class:`AuthModel` holding each part that serves routes.
_PARTS: dict[type, str] = {
    OpenIdConnect: "oidc",
    IdentityApi: "identity_api",
    ClientApi: "client_api",
    ProjectApi: "project_api",
}


def _model() -> AuthModel:
    return flask.current_app.extensions["mockglobus"].auth


def _base() -> str:
    return flask.request.host_url


# ----------------------------------------------------------------- rendering
@blueprint.errorhandler(errors.AuthError)
def _render(exc: errors.AuthError) -> flask.Response:
    if isinstance(exc, errors.OAuthError):
        body: Any = exc.body()
    else:
        state = flask.current_app.extensions["mockglobus"]
        body = exc.body(str(state.ids.uuid1()))  # type: ignore[attr-defined]
    response = flask.jsonify(body)
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="auth.globus.org"'
    return response


def _page(title: str, body: str, status: int = 200) -> flask.Response:
    doc = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} | Globus (mockglobus)</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return flask.Response(doc, status=status, mimetype="text/html")


def _reply(result: Any) -> Response:
    """A handler's or a part's result as the answer: a response as it is, else JSON."""
    if isinstance(result, Response):
        return result
    return flask.jsonify(result)


# ------------------------------------------------------------------- inputs
def _basic() -> tuple[str, str] | None:
    header = flask.request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    auth = flask.request.authorization
    if auth is None or auth.username is None:
        raise errors.InvalidClient("Malformed Basic authorization header")
    return auth.username, auth.password or ""


def _bearer() -> str | None:
    header = flask.request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def _form() -> dict[str, str]:
    return {k: v for k, v in flask.request.form.items()}


def _login_client() -> Client:
    """The client calling introspect/revoke/validate: Basic, or a native ``client_id``."""
    return _model().client_registry.login_client(_basic(), flask.request.form.get("client_id"))


def _caller() -> Caller:
    try:
        basic = _basic()
    except errors.InvalidClient:
        raise errors.Unauthorized() from None
    return _model().identity_api.caller(_bearer(), basic)


def _json_body(envelope: str) -> dict[str, Any]:
    """The ``envelope`` object of a JSON body, its fields' types checked
    (:mod:`~mockglobus.auth.bodies`); JSON the app's strict decoder refuses (deep
    nesting, ``NaN``, ``1e400``, bad UTF-8) is no body at all."""
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get(envelope), dict):
        raise errors.BadRequest(f"Request body must be a JSON object with a '{envelope}' object")
    return bodies.checked(envelope, body[envelope])


def _flag(name: str) -> bool:
    value = flask.request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise errors.BadRequest(f"'{name}' must be true or false")
    return value in ("true", "1", "yes")


# ----------------------------------------------------------------- handlers
def get_openid_configuration() -> dict[str, Any]:
    return _model().oidc.get_openid_configuration(_base())


def authorize() -> Response:
    """The login page, or the redirect back to the client (see the module docstring)."""
    model = _model()
    params = flask.request.args.to_dict()
    explicit = params.pop("login_as", None)
    mfa = params.pop("login_mfa", "false").lower() in ("true", "1", "yes")
    login_as = explicit or model.tables.browser_user
    authorization = model.authorization
    try:
        req = authorization.start_authorization(params, _base())
    except errors.OAuthError as exc:
        return _page(
            "Authorization error",
            f"<p id='error' data-error='{exc.error}'>{html.escape(exc.description)}</p>",
            exc.status if exc.status != 401 else 400,
        )
    if req.error is None and (login_as is None or (explicit is None and req.session.fresh)):

        def link(username: str, text: str, **extra: str) -> str:
            query = urlencode({**params, "login_as": username, **extra})
            return f"<a href='{html.escape(flask.request.base_url + '?' + query)}'>{text}</a>"

        links = "".join(
            f"<li>{link(u.username, html.escape(u.username))} ({html.escape(u.name or '')})"
            f" [{link(u.username, 'with MFA', login_mfa='true')}]</li>"
            for u in model.accounts.users
        )
        grant = f"<p>Grant name: {html.escape(req.named_grant)}</p>" if req.named_grant else ""
        return _page(
            "Log in to Globus",
            f"<p>{html.escape(req.client.name)} asks for: <code>{html.escape(req.scope)}</code></p>"
            f"{grant}<p>Log in as (add <code>login_as=USERNAME</code>, and "
            f"<code>login_mfa=true</code> for multi-factor, to skip this page):</p>"
            f"<ul>{links}</ul>",
        )
    try:
        location = authorization.complete_authorization(req, login_as or "", mfa=mfa)
    except errors.AccessDenied as exc:
        location = req.redirect(error=exc.error, error_description=exc.description)
    return flask.redirect(location, code=302)


def auth_code_page() -> flask.Response:
    code = flask.request.args.get("code")
    if code is None:
        err = flask.request.args.get("error", "missing code")
        return _page("Authorization failed", f"<p id='error'>{html.escape(err)}</p>", 400)
    return _page(
        "Native App Authorization Code",
        "<p>Copy this code back into your application:</p>"
        f"<pre id='auth-code'>{html.escape(code)}</pre>",
    )


def oauth2_token() -> flask.Response:
    result = _model().grants.oauth2_token(_form(), _basic(), _base())
    response = flask.jsonify(result)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def oauth2_token_introspect() -> dict[str, Any]:
    client = _login_client()
    form = flask.request.form
    return _model().token_checks.oauth2_token_introspect(
        form.get("token"), client, form.get("include")
    )


def oauth2_revoke_token() -> dict[str, Any]:
    client = _login_client()
    return _model().token_checks.oauth2_revoke_token(flask.request.form.get("token"), client)


def oauth2_validate_token() -> dict[str, Any]:
    client = _login_client()
    return _model().token_checks.oauth2_validate_token(flask.request.form.get("token"), client)


def userinfo() -> dict[str, Any]:
    return _model().oidc.userinfo(_bearer())


def get_clients() -> dict[str, Any]:
    """``GET /v2/api/clients``: the caller's clients, or with ``fqdn`` the one client
    registered for that name."""
    caller, api = _caller(), _model().client_api
    fqdn = flask.request.args.get("fqdn")
    if fqdn is not None:
        return {"client": api.get_client_by_fqdn(caller, fqdn)}
    return {"clients": api.get_clients(caller)}


def create_client() -> dict[str, Any]:
    """``POST /v2/api/clients``: with a ``template_id``, a native app instance (no
    authentication needed); else a client of the caller's."""
    body = _json_body("client")
    api = _model().client_api
    if "template_id" in body:
        return api.create_native_app_instance(str(body["template_id"]), body.get("name", ""))
    return {"client": api.create_client(_caller(), body)}


# -------------------------------------------------------------- the table
def _auth(method: str) -> str:
    return f"AuthClient.{method}"


ROUTES: list[Route] = [
    # OIDC and keys
    Route(
        ("GET",),
        "/.well-known/openid-configuration",
        get_openid_configuration,
        _auth("get_openid_configuration"),
    ),
    Route(("GET",), "/jwk.json", OpenIdConnect.get_jwk, _auth("get_jwk")),
    # OAuth2
    Route(
        ("GET",),
        "/v2/oauth2/authorize",
        authorize,
        "OAuth2 authorization endpoint",
        note="a browser opens the URL of oauth2_get_authorize_url",
    ),
    Route(
        ("GET",),
        "/v2/web/auth-code",
        auth_code_page,
        "Auth web: auth-code page",
        note="the default redirect_uri of NativeAppAuthClient",
    ),
    Route(
        ("POST",),
        "/v2/oauth2/token",
        oauth2_token,
        "AuthLoginClient.oauth2_token",
        note="every grant: code, refresh, client credentials, dependent token",
    ),
    Route(
        ("POST",),
        "/v2/oauth2/token/introspect",
        oauth2_token_introspect,
        "ConfidentialAppAuthClient.oauth2_token_introspect",
    ),
    Route(
        ("POST",),
        "/v2/oauth2/token/revoke",
        oauth2_revoke_token,
        "AuthLoginClient.oauth2_revoke_token",
    ),
    Route(
        ("POST",),
        "/v2/oauth2/token/validate",
        oauth2_validate_token,
        "Auth API: Validate Token",
        note="globus-sdk 2's oauth2_validate_token",
    ),
    Route(
        ("GET", "POST"),
        "/v2/oauth2/userinfo",
        userinfo,
        _auth("userinfo"),
        note="GET; POST is the OIDC alternative",
    ),
    # identities and consents
    Route(
        ("GET",),
        "/v2/api/identities",
        IdentityApi.get_identities,
        _auth("get_identities"),
        options={
            "caller": True,
            "query": ("ids", "usernames"),
            "flags": {"provision": "provision"},
            "reply": "identities",
        },
    ),
    Route(
        ("GET",),
        "/v2/api/identities/<identity_id>",
        IdentityApi.get_identity,
        "Auth API: Get Identity",
        options={"caller": True, "reply": "identity"},
    ),
    Route(
        ("GET",),
        "/v2/api/identities/<identity_id>/consents",
        IdentityApi.get_consents,
        _auth("get_consents"),
        options={"caller": True, "flags": {"all_clients": "all"}, "reply": "consents"},
    ),
    Route(
        ("GET",),
        "/v2/api/identity_providers",
        IdentityApi.get_identity_providers,
        _auth("get_identity_providers"),
        options={"caller": True, "query": ("domains", "ids"), "reply": "identity_providers"},
    ),
    # clients and their credentials
    Route(
        ("GET",),
        "/v2/api/clients",
        get_clients,
        _auth("get_clients"),
        note="and get_client(fqdn=...)",
    ),
    Route(
        ("POST",),
        "/v2/api/clients",
        create_client,
        _auth("create_client"),
        note="and ConfidentialAppAuthClient.create_child_client, "
        "NativeAppAuthClient.create_native_app_instance",
    ),
    Route(
        ("GET",),
        "/v2/api/clients/<client_id>",
        ClientApi.get_client,
        _auth("get_client"),
        options={"caller": True, "reply": "client"},
    ),
    Route(
        ("PUT",),
        "/v2/api/clients/<client_id>",
        ClientApi.update_client,
        _auth("update_client"),
        options={"caller": True, "body": "client", "reply": "client"},
    ),
    Route(
        ("DELETE",),
        "/v2/api/clients/<client_id>",
        ClientApi.delete_client,
        _auth("delete_client"),
        options={"caller": True, "reply": "client"},
    ),
    Route(
        ("GET",),
        "/v2/api/clients/<client_id>/credentials",
        ClientApi.get_client_credentials,
        _auth("get_client_credentials"),
        options={"caller": True, "reply": "credentials"},
    ),
    Route(
        ("POST",),
        "/v2/api/clients/<client_id>/credentials",
        ClientApi.create_client_credential,
        _auth("create_client_credential"),
        options={"caller": True, "body": "credential", "reply": "credential"},
    ),
    Route(
        ("DELETE",),
        "/v2/api/clients/<client_id>/credentials/<credential_id>",
        ClientApi.delete_client_credential,
        _auth("delete_client_credential"),
        options={"caller": True, "reply": "credential"},
    ),
    # scopes
    Route(
        ("POST",),
        "/v2/api/clients/<client_id>/scopes",
        ClientApi.create_scope,
        _auth("create_scope"),
        options={"caller": True, "body": "scope", "reply": "scope"},
    ),
    Route(
        ("GET",),
        "/v2/api/scopes",
        ClientApi.get_scopes,
        _auth("get_scopes"),
        options={"caller": True, "query": ("ids", "scope_strings"), "reply": "scopes"},
    ),
    Route(
        ("GET",),
        "/v2/api/scopes/<scope_id>",
        ClientApi.get_scope,
        _auth("get_scope"),
        options={"caller": True, "reply": "scope"},
    ),
    Route(
        ("PUT",),
        "/v2/api/scopes/<scope_id>",
        ClientApi.update_scope,
        _auth("update_scope"),
        options={"caller": True, "body": "scope", "reply": "scope"},
    ),
    Route(
        ("DELETE",),
        "/v2/api/scopes/<scope_id>",
        ClientApi.delete_scope,
        _auth("delete_scope"),
        options={"caller": True, "reply": "scope"},
    ),
    # projects and policies
    Route(
        ("GET",),
        "/v2/api/projects",
        ProjectApi.get_projects,
        _auth("get_projects"),
        options={"caller": True, "reply": "projects"},
    ),
    Route(
        ("POST",),
        "/v2/api/projects",
        ProjectApi.create_project,
        _auth("create_project"),
        options={"caller": True, "body": "project", "reply": "project"},
    ),
    Route(
        ("GET",),
        "/v2/api/projects/<project_id>",
        ProjectApi.get_project,
        _auth("get_project"),
        options={"caller": True, "reply": "project"},
    ),
    Route(
        ("PUT",),
        "/v2/api/projects/<project_id>",
        ProjectApi.update_project,
        _auth("update_project"),
        options={"caller": True, "body": "project", "reply": "project"},
    ),
    Route(
        ("DELETE",),
        "/v2/api/projects/<project_id>",
        ProjectApi.delete_project,
        _auth("delete_project"),
        options={"caller": True, "reply": "project"},
    ),
    Route(
        ("GET",),
        "/v2/api/policies",
        ProjectApi.get_policies,
        _auth("get_policies"),
        options={"caller": True, "reply": "policies"},
    ),
    Route(
        ("POST",),
        "/v2/api/policies",
        ProjectApi.create_policy,
        _auth("create_policy"),
        options={"caller": True, "body": "policy", "reply": "policy"},
    ),
    Route(
        ("GET",),
        "/v2/api/policies/<policy_id>",
        ProjectApi.get_policy,
        _auth("get_policy"),
        options={"caller": True, "reply": "policy"},
    ),
    Route(
        ("PUT",),
        "/v2/api/policies/<policy_id>",
        ProjectApi.update_policy,
        _auth("update_policy"),
        options={"caller": True, "body": "policy", "reply": "policy"},
    ),
    Route(
        ("DELETE",),
        "/v2/api/policies/<policy_id>",
        ProjectApi.delete_policy,
        _auth("delete_policy"),
        options={"caller": True, "reply": "policy"},
    ),
]


def _part_of(view: Callable[..., Any]) -> str | None:
    """The :class:`AuthModel` attribute holding the part ``view`` is a method of; None
    for a handler of this module."""
    owner = view.__qualname__.rpartition(".")[0]
    if not owner:
        return None
    for part, attribute in _PARTS.items():
        if part.__qualname__ == owner and part.__module__ == view.__module__:
            return attribute
    raise TypeError(f"{view.__qualname__} is not a method of a part in routes._PARTS")


def _bind(route: Route) -> Callable[..., Response]:
    """The Flask view of ``route`` (see the module docstring for its options)."""
    view, part = route.view, _part_of(route.view)
    if part is None:

        def serve_handler(**path: str) -> Response:
            return _reply(view(**path))

        return serve_handler
    name = view.__name__
    options = route.options
    with_caller: bool = options.get("caller", False)
    query: tuple[str, ...] = options.get("query", ())
    flags: dict[str, str] = options.get("flags", {})
    envelope: str | None = options.get("body")
    key: str | None = options.get("reply")

    def serve(**path: str) -> Response:
        # the part's method looked up on this double's instance, at each call
        method = getattr(getattr(_model(), part), name)
        head = (_caller(),) if with_caller else ()
        inputs: dict[str, Any] = dict(path)
        args = flask.request.args
        inputs.update((q, args.get(q)) for q in query)
        inputs.update((kw, _flag(q)) for kw, q in flags.items())
        if envelope is not None:
            inputs["body"] = _json_body(envelope)
        result = method(*head, **inputs)
        return _reply({key: result} if key else result)

    return serve


core_routes.mount(blueprint, ROUTES, _bind)


def coverage_markdown() -> str:
    """The Auth route coverage table for the docs, generated from :data:`ROUTES`."""
    return core_routes.coverage_markdown(ROUTES, upstream_heading="globus_sdk method") + "\n"


__all__ = ["ROUTES", "blueprint", "coverage_markdown"]
