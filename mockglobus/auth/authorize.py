"""The authorize step of the authorization-code flow: checking the request, logging in.

Session requirements (``session_required_*``, ``prompt=login``) are met or refused by
:mod:`.sessions`; an OIDC ``nonce`` is kept with the code and echoed in the id_token."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

from mockcore.locking import locked
from mockglobus.auth import errors
from mockglobus.auth.entities import AuthorizationCode, Client
from mockglobus.auth.ids import ISSUER
from mockglobus.auth.part import AuthPart
from mockglobus.auth.scopes import ScopeRequest
from mockglobus.auth.sessions import SessionRequirements

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.accounts import Accounts
    from mockglobus.auth.clients import ClientRegistry
    from mockglobus.auth.consents import Consents
    from mockglobus.auth.scope_registry import ScopeRegistry
    from mockglobus.auth.sessions import Sessions
    from mockglobus.auth.tables import Settings, Tables

AUTH_CODE_LIFETIME = 600
_LOOPBACK = re.compile(r"http://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(/.*)?")


@dataclass
class AuthorizeRequest:
    """A validated ``/v2/oauth2/authorize`` request; ``error`` is a problem the real
    service reports by redirecting back to the client."""

    client: Client
    redirect_uri: str
    scope: str
    requests: list[ScopeRequest]
    state: str | None
    challenge: str | None
    challenge_method: str | None
    offline: bool
    named_grant: str | None
    session: SessionRequirements = field(default_factory=SessionRequirements)
    nonce: str | None = None
    error: errors.OAuthError | None = None

    def redirect(self, **params: str) -> str:
        if self.state is not None:
            params["state"] = self.state
        sep = "&" if "?" in self.redirect_uri else "?"
        return f"{self.redirect_uri}{sep}{urlencode(params)}"


class Authorization(AuthPart):
    """From an authorize URL to an authorization code (the browser part of the flow)."""

    def __init__(
        self,
        state: ServiceState,
        tables: Tables,
        settings: Settings,
        accounts: Accounts,
        clients: ClientRegistry,
        scopes: ScopeRegistry,
        consents: Consents,
        sessions: Sessions,
    ) -> None:
        super().__init__(state, tables)
        self.settings = settings
        self.accounts = accounts
        self.clients = clients
        self.scopes = scopes
        self.consents = consents
        self.sessions = sessions

    def _redirect_allowed(self, client: Client, uri: str, auth_base: str) -> bool:
        if uri in client.redirect_uris:
            return True
        if client.public_client:
            auth_code_pages = {
                auth_base.rstrip("/") + "/v2/web/auth-code",
                ISSUER + "/v2/web/auth-code",
            }
            if uri.split("?", 1)[0] in auth_code_pages or _LOOPBACK.fullmatch(uri):
                return True
        if self.settings.permissive and not client.redirect_uris:
            return urlsplit(uri).scheme in ("http", "https") and bool(urlsplit(uri).netloc)
        return False

    @locked
    def start_authorization(self, params: dict[str, str], auth_base: str) -> AuthorizeRequest:
        """Check an authorize request. Problems with the client or the redirect URI are
        raised (the real service shows an error page and never redirects); any other
        problem is set on ``request.error``, to be sent back to the redirect URI."""
        client_id = params.get("client_id")
        if not client_id:
            raise errors.InvalidRequest("Missing required parameter: client_id")
        client = self.tables.clients.get(client_id)
        if client is None:
            if not self.clients.may_register_itself(client_id):
                raise errors.InvalidClient(f"Unknown client_id: {client_id}")
            client = self.clients.native_app(client_id)
        if "authorization_code" not in client.grant_types:
            raise errors.UnauthorizedClient("This client may not use the authorization_code grant")
        redirect_uri = params.get("redirect_uri")
        if not redirect_uri:
            raise errors.InvalidRequest("Missing required parameter: redirect_uri")
        if not self._redirect_allowed(client, redirect_uri, auth_base):
            raise errors.InvalidRequest(
                f"redirect_uri is not registered for this client: {redirect_uri}"
            )
        req = AuthorizeRequest(
            client=client,
            redirect_uri=redirect_uri,
            scope=params.get("scope", ""),
            requests=[],
            state=params.get("state"),
            challenge=params.get("code_challenge") or None,
            challenge_method=params.get("code_challenge_method") or None,
            offline=params.get("access_type") == "offline",
            named_grant=params.get("prefill_named_grant") or None,
            nonce=params.get("nonce") or None,
        )
        try:
            if params.get("response_type") != "code":
                raise errors.UnsupportedResponseType("response_type must be 'code'")
            if params.get("access_type", "online") not in ("online", "offline"):
                raise errors.InvalidRequest("access_type must be 'online' or 'offline'")
            req.requests = self.scopes.parse_requested(req.scope)
            req.session = SessionRequirements.parse(params)
            unknown = [p for p in req.session.policies if p not in self.tables.policies]
            if unknown:
                raise errors.InvalidRequest(f"Unknown policy id(s): {', '.join(unknown)}")
            if req.challenge is None:
                if req.challenge_method is not None:
                    raise errors.InvalidRequest("code_challenge_method without code_challenge")
                if client.public_client:
                    raise errors.InvalidRequest(
                        "Native apps must use PKCE: code_challenge is required"
                    )
            else:
                req.challenge_method = req.challenge_method or "plain"
                if req.challenge_method not in ("S256", "plain"):
                    raise errors.InvalidRequest("code_challenge_method must be 'S256' or 'plain'")
                if not re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", req.challenge):
                    raise errors.InvalidRequest("code_challenge is malformed")
        except errors.OAuthError as exc:
            req.error = exc
        return req

    @locked
    def complete_authorization(
        self, req: AuthorizeRequest, username: str, *, mfa: bool = False
    ) -> str:
        """The user ``username`` logs in (with multi-factor authentication if ``mfa``)
        and consents; returns where the browser goes next (the redirect URI with
        ``code`` and ``state``). A session requirement the user cannot meet raises
        :class:`~.errors.AccessDenied` (see :mod:`.sessions`)."""
        if req.error is not None:
            return req.redirect(error=req.error.error, error_description=req.error.description)
        try:
            ident = self.accounts.identity(username)
        except KeyError:
            raise errors.AccessDenied(f"No such user: {username}") from None
        if ident.identity_type != "login":
            raise errors.AccessDenied("Client identities cannot log in interactively")
        session = self.sessions.log_in(ident, req.session, mfa=mfa)
        now = self.now()
        consent_ids = {
            r.scope: self.consents.record(ident.account, req.client.id, r).id for r in req.requests
        }
        code = AuthorizationCode(
            code=self.ids.token(22),
            client_id=req.client.id,
            redirect_uri=req.redirect_uri,
            scope=req.scope,
            state=req.state,
            challenge=req.challenge,
            challenge_method=req.challenge_method,
            offline=req.offline,
            identity_id=ident.account,
            session_id=session.id,
            expires_at=now + AUTH_CODE_LIFETIME,
            consent_ids=consent_ids,
            named_grant=req.named_grant,
            nonce=req.nonce,
        )
        self.tables.codes[code.code] = code
        return req.redirect(code=code.code)

    def get_auth_code(
        self, authorize_url: str, username: str | None = None, *, mfa: bool = False
    ) -> str:
        """Follow an authorize URL as ``username`` (default: the first user) would in a
        browser, logging in with multi-factor authentication if ``mfa``, and return the
        authorization code the redirect carries. A refused login raises its
        :class:`~.errors.OAuthError` (``access_denied`` for an unmet session
        requirement)."""
        parts = urlsplit(authorize_url)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        req = self.start_authorization(params, f"{parts.scheme}://{parts.netloc}/")
        if req.error is not None:
            raise req.error
        location = self.complete_authorization(req, username or self.default_username(), mfa=mfa)
        return dict(parse_qsl(urlsplit(location).query))["code"]

    def default_username(self) -> str:
        """Who logs in when nobody is named: the scenario's ``default_user``, else the
        first user."""
        if self.tables.default_user:
            return self.tables.default_user
        users = self.accounts.users
        if not users:
            raise LookupError("this double has no users")
        return users[0].username
