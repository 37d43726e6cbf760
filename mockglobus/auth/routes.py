"""Globus Auth over HTTP: thin handlers that read parameters, call the model, render.

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
from typing import Any
from urllib.parse import urlencode

import flask

from mockglobus.auth import errors
from mockglobus.auth.model import AuthModel, Caller

blueprint = flask.Blueprint("globus_auth", __name__)


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


# ------------------------------------------------------------------- helpers
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


def _login_client() -> Any:
    """The client calling introspect/revoke/validate: Basic, or a native ``client_id``."""
    basic = _basic()
    model = _model()
    if basic is not None:
        return model.authenticate_client(*basic)
    return model.public_client(flask.request.form.get("client_id"))


def _caller() -> Caller:
    try:
        basic = _basic()
    except errors.InvalidClient:
        raise errors.Unauthorized() from None
    return _model().caller(_bearer(), basic)


def _json_body(envelope: str) -> dict[str, Any]:
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get(envelope), dict):
        raise errors.BadRequest(f"Request body must be a JSON object with a '{envelope}' object")
    return body[envelope]


def _flag(name: str) -> bool:
    value = flask.request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise errors.BadRequest(f"'{name}' must be true or false")
    return value in ("true", "1", "yes")


def _one(noun: str, item_id: str) -> flask.Response:
    """GET, PUT or DELETE of one client, scope, project or policy: the model's
    ``get_<noun>``, ``update_<noun>`` (with the ``{noun: {...}}`` body) or ``delete_<noun>``,
    answered as ``{noun: document}``."""
    caller, model = _caller(), _model()
    verb = {"GET": "get", "PUT": "update", "DELETE": "delete"}[flask.request.method]
    body = (_json_body(noun),) if verb == "update" else ()
    return flask.jsonify({noun: getattr(model, f"{verb}_{noun}")(caller, item_id, *body)})


def _listed_or_created(noun: str, plural: str) -> flask.Response:
    """GET lists (``list_<plural>``, answered as ``{plural: [...]}``); POST creates
    (``create_<noun>`` with the ``{noun: {...}}`` body, answered as ``{noun: document}``)."""
    caller, model = _caller(), _model()
    if flask.request.method == "GET":
        return flask.jsonify({plural: getattr(model, f"list_{plural}")(caller)})
    return flask.jsonify({noun: getattr(model, f"create_{noun}")(caller, _json_body(noun))})


# -------------------------------------------------------------- OIDC & keys
@blueprint.get("/.well-known/openid-configuration")
def openid_configuration():
    return flask.jsonify(_model().openid_configuration(_base()))


@blueprint.get("/jwk.json")
def jwk():
    return flask.jsonify(_model().jwks())


# ------------------------------------------------------------------- OAuth2
@blueprint.get("/v2/oauth2/authorize")
def authorize():
    model = _model()
    params = flask.request.args.to_dict()
    explicit = params.pop("login_as", None)
    mfa = params.pop("login_mfa", "false").lower() in ("true", "1", "yes")
    login_as = explicit or model.browser_user
    try:
        req = model.start_authorization(params, _base())
    except errors.OAuthError as exc:
        return _page("Authorization error",
                     f"<p id='error' data-error='{exc.error}'>{html.escape(exc.description)}</p>",
                     exc.status if exc.status != 401 else 400)
    if req.error is None and (login_as is None or (explicit is None and req.session.fresh)):
        def link(username: str, text: str, **extra: str) -> str:
            query = urlencode({**params, "login_as": username, **extra})
            return f"<a href='{html.escape(flask.request.base_url + '?' + query)}'>{text}</a>"

        links = "".join(
            f"<li>{link(u.username, html.escape(u.username))} ({html.escape(u.name or '')})"
            f" [{link(u.username, 'with MFA', login_mfa='true')}]</li>"
            for u in model.users
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
        location = model.complete_authorization(req, login_as or "", mfa=mfa)
    except errors.AccessDenied as exc:
        location = req.redirect(error=exc.error, error_description=exc.description)
    return flask.redirect(location, code=302)


@blueprint.get("/v2/web/auth-code")
def auth_code_page():
    code = flask.request.args.get("code")
    if code is None:
        err = flask.request.args.get("error", "missing code")
        return _page("Authorization failed", f"<p id='error'>{html.escape(err)}</p>", 400)
    return _page("Native App Authorization Code",
                 "<p>Copy this code back into your application:</p>"
                 f"<pre id='auth-code'>{html.escape(code)}</pre>")


@blueprint.post("/v2/oauth2/token")
def token():
    result = _model().token_grant(_form(), _basic(), _base())
    response = flask.jsonify(result)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@blueprint.post("/v2/oauth2/token/introspect")
def introspect():
    client = _login_client()
    return flask.jsonify(_model().introspect(flask.request.form.get("token"), client,
                                             flask.request.form.get("include")))


@blueprint.post("/v2/oauth2/token/revoke")
def revoke():
    client = _login_client()
    return flask.jsonify(_model().revoke_for(flask.request.form.get("token"), client))


@blueprint.post("/v2/oauth2/token/validate")
def validate():
    client = _login_client()
    return flask.jsonify(_model().validate(flask.request.form.get("token"), client))


@blueprint.get("/v2/oauth2/userinfo")
@blueprint.post("/v2/oauth2/userinfo")
def userinfo():
    return flask.jsonify(_model().userinfo(_bearer()))


# ------------------------------------------------------------------ REST API
@blueprint.get("/v2/api/identities")
def identities():
    args = flask.request.args
    provision = _flag("provision")
    found = _model().get_identities(_caller(), ids=args.get("ids"),
                                    usernames=args.get("usernames"), provision=provision)
    return flask.jsonify({"identities": found})


@blueprint.get("/v2/api/identities/<identity_id>")
def identity(identity_id: str):
    return flask.jsonify({"identity": _model().get_identity(_caller(), identity_id)})


@blueprint.get("/v2/api/identities/<identity_id>/consents")
def consents(identity_id: str):
    return flask.jsonify(
        {"consents": _model().get_consents(_caller(), identity_id, _flag("all"))}
    )


@blueprint.get("/v2/api/identity_providers")
def identity_providers():
    args = flask.request.args
    found = _model().get_identity_providers(_caller(), domains=args.get("domains"),
                                            ids=args.get("ids"))
    return flask.jsonify({"identity_providers": found})


@blueprint.get("/v2/api/clients")
def clients():
    caller = _caller()
    fqdn = flask.request.args.get("fqdn")
    if fqdn is not None:
        return flask.jsonify({"client": _model().client_by_fqdn(caller, fqdn)})
    return flask.jsonify({"clients": _model().list_clients(caller)})


@blueprint.post("/v2/api/clients")
def create_client():
    body = _json_body("client")
    if "template_id" in body:  # a native app instance: no authentication needed
        return flask.jsonify(
            _model().create_native_app_instance(str(body["template_id"]), body.get("name", ""))
        )
    return flask.jsonify({"client": _model().create_client(_caller(), body)})


@blueprint.route("/v2/api/clients/<client_id>", methods=["GET", "PUT", "DELETE"])
def client(client_id: str):
    return _one("client", client_id)


@blueprint.route("/v2/api/clients/<client_id>/credentials", methods=["GET", "POST"])
def credentials(client_id: str):
    caller, model = _caller(), _model()
    if flask.request.method == "GET":
        return flask.jsonify({"credentials": model.list_credentials(caller, client_id)})
    body = _json_body("credential")
    return flask.jsonify(
        {"credential": model.create_credential(caller, client_id, body.get("name", ""))}
    )


@blueprint.delete("/v2/api/clients/<client_id>/credentials/<credential_id>")
def credential(client_id: str, credential_id: str):
    return flask.jsonify(
        {"credential": _model().delete_credential(_caller(), client_id, credential_id)}
    )


@blueprint.post("/v2/api/clients/<client_id>/scopes")
def create_scope(client_id: str):
    scope = _model().create_scope(_caller(), client_id, _json_body("scope"))
    return flask.jsonify({"scope": scope})


@blueprint.get("/v2/api/scopes")
def scopes():
    args = flask.request.args
    found = _model().get_scopes(_caller(), ids=args.get("ids"),
                                scope_strings=args.get("scope_strings"))
    return flask.jsonify({"scopes": found})


@blueprint.route("/v2/api/scopes/<scope_id>", methods=["GET", "PUT", "DELETE"])
def scope(scope_id: str):
    return _one("scope", scope_id)


@blueprint.route("/v2/api/projects", methods=["GET", "POST"])
def projects():
    return _listed_or_created("project", "projects")


@blueprint.route("/v2/api/projects/<project_id>", methods=["GET", "PUT", "DELETE"])
def project(project_id: str):
    return _one("project", project_id)


@blueprint.route("/v2/api/policies", methods=["GET", "POST"])
def policies():
    return _listed_or_created("policy", "policies")


@blueprint.route("/v2/api/policies/<policy_id>", methods=["GET", "PUT", "DELETE"])
def policy(policy_id: str):
    return _one("policy", policy_id)
