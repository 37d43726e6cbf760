"""Globus Auth's state and rules: accounts, clients, consents, OAuth2 grants and tokens.

Knows nothing about HTTP. Every public method takes ``state.lock``; time comes from
``state.clock`` and every id, token and fake name from ``state.ids``.

Other services of this package ask :meth:`AuthModel.check_access_token` whether a
bearer token is good for them (in-process, never over HTTP).

Behaviour chosen where the real service is not documented (see the package README):

* refresh tokens do not rotate by default (the refresh grant answers with the same
  refresh token); ``rotate_refresh_tokens=True`` issues a new one and retires the old;
* an authorization code lives 600 virtual seconds and works once; replaying it fails
  with ``invalid_grant`` and revokes what the first exchange issued (RFC 6749 10.5);
* in ``permissive`` mode (the default) an unknown client id that is a UUID registers
  itself on first use: with its Basic-auth secret as a confidential client, without one
  as a native app; unknown but well-formed scope strings are accepted. ``permissive=False``
  refuses both with ``invalid_client`` / ``invalid_scope``;
* client-credentials tokens have no session: introspect's ``session_info`` is
  ``{"session_id": null, "authentications": {}}`` for them;
* the user logging in consents to every requested scope (no consent page), and consents
  are checked live, so consent given after a token was issued counts for that token.

Not implemented: ``prompt=login``, ``session_required_single_domain``/``_policies``/
``_mfa`` (accepted, ignored; ``session_required_identities`` is enforced), policy
enforcement (policies are stored and served only), OIDC ``nonce``, refresh-token
inactivity expiry, and Groups (group membership comes from the scenario only).
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from mockglobus.auth import errors
from mockglobus.auth.entities import (
    CLIENT_TYPES,
    AuthorizationCode,
    Client,
    Consent,
    Credential,
    Identity,
    IdentityProvider,
    Policy,
    Project,
    Scope,
    Session,
    Token,
    TokenInfo,
)
from mockglobus.auth.keys import DEFAULT_ALG, SigningKey, process_key
from mockglobus.auth.scopes import (
    AUTH_RS,
    TRANSFER_RS,
    TRANSFER_SCOPE,
    ScopeRequest,
    ScopeSyntaxError,
    parse_scopes,
    resource_server_of,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from mockcore.state import ServiceState

ACCESS_TOKEN_LIFETIME = 172_800  # 48 h, as the real service
AUTH_CODE_LIFETIME = 600
DEPENDENT_GRANT = "urn:globus:auth:grant_type:dependent_token"
ISSUER = "https://auth.globus.org"

#: Ids and names taken from the real service (recorded responses, CLI source).
GLOBUSID_IDP = "41143743-f3c8-4d60-bbdb-eeecaba85bd9"
GLOBUS_CLI_TEMPLATE = "95fdeba8-fac2-42bd-a357-e068d82ff78e"
CLIENTS_DOMAIN = "clients.auth.globus.org"

#: Namespace for the stable, readable ids derived from names (uuid5).
NAMESPACE = uuid.UUID("5b0e7a3c-4f0e-4d8a-9a55-6d6f636b676c")

_AUTH_SCOPE_NAMES = (
    "view_identity_set", "view_identities", "manage_projects", "view_clients",
    "view_clients_and_scopes", "view_consents", "view_authentications",
)
BUILTIN_SCOPES: tuple[tuple[str, str, str], ...] = (
    ("openid", AUTH_RS, "OpenID Connect"),
    ("profile", AUTH_RS, "Profile"),
    ("email", AUTH_RS, "Email address"),
    *(
        (f"urn:globus:auth:scope:auth.globus.org:{n}", AUTH_RS, n.replace("_", " ").title())
        for n in _AUTH_SCOPE_NAMES
    ),
    (TRANSFER_SCOPE, TRANSFER_RS, "Manage data using Globus"),
    ("urn:globus:auth:scope:transfer.api.globus.org:gcp_install", TRANSFER_RS,
     "Install Globus Connect Personal"),
    ("urn:globus:auth:scope:groups.api.globus.org:all", "groups.api.globus.org",
     "Manage your Globus groups"),
    ("urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships",
     "groups.api.globus.org", "View groups"),
    ("urn:globus:auth:scope:search.api.globus.org:all", "search.api.globus.org",
     "Globus Search"),
)
_LOOPBACK = re.compile(r"http://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(/.*)?")
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _as_uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except (ValueError, AttributeError, TypeError):
        return None


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
    session_required_identities: list[str] = field(default_factory=list)
    error: errors.OAuthError | None = None

    def redirect(self, **params: str) -> str:
        if self.state is not None:
            params["state"] = self.state
        sep = "&" if "?" in self.redirect_uri else "?"
        return f"{self.redirect_uri}{sep}{urlencode(params)}"


@dataclass(frozen=True)
class Caller:
    """Who is calling the Auth REST API: a user through a bearer token, or a client
    through its own credentials (then ``identity_id == client_id``)."""

    identity_id: str
    client_id: str
    scopes: frozenset[str]
    by_token: bool


class AuthModel:
    def __init__(
        self,
        state: ServiceState,
        *,
        scenario: str | dict | None = "default",
        permissive: bool = True,
        faker_users: int = 3,
        id_token_alg: str = DEFAULT_ALG,
        signing_key: RSAPrivateKey | None = None,
        rotate_refresh_tokens: bool = False,
        access_token_lifetime: int = ACCESS_TOKEN_LIFETIME,
    ) -> None:
        self.state = state
        self.scenario = scenario
        self.permissive = permissive
        self.faker_users = faker_users
        self.key = SigningKey(signing_key or process_key(), id_token_alg)
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.access_token_lifetime = access_token_lifetime
        self.reset()

    # ------------------------------------------------------------------ tables
    def reset(self) -> None:
        """Forget everything and seed again (same seed, same accounts)."""
        from mockglobus.auth.seed import seed

        with self.state.lock:
            self.idps: dict[str, IdentityProvider] = {}
            self.identities: dict[str, Identity] = {}
            self._by_username: dict[str, str] = {}
            self.clients: dict[str, Client] = {}
            self.projects: dict[str, Project] = {}
            self.scopes: dict[str, Scope] = {}
            self._scope_by_string: dict[str, str] = {}
            self.policies: dict[str, Policy] = {}
            self.consents: dict[int, Consent] = {}
            self.sessions: dict[str, Session] = {}
            self.codes: dict[str, AuthorizationCode] = {}
            self.tokens: dict[str, Token] = {}
            self.groups: dict[str, set[str]] = {}  # group id -> account ids of members
            self._consent_seq = 100_000
            #: Username the non-interactive "browser" is logged in as: when set, the
            #: authorize URL redirects at once instead of showing the login page.
            self.browser_user: str | None = None
            self.default_user: str | None = None
            self._builtins()
            seed(self, self.scenario, self.faker_users)

    @property
    def _ids(self):  # noqa: ANN202
        return self.state.ids

    def _now(self) -> float:
        return self.state.clock.time()

    def _builtins(self) -> None:
        self.add_identity_provider("Globus ID", ["globusid.org"], short_name="globusid",
                                   id=GLOBUSID_IDP)
        self.add_identity_provider("Globus Auth Clients", [CLIENTS_DOMAIN],
                                   short_name="clients", id=stable_id("idp", CLIENTS_DOMAIN))
        for string, rs, name in BUILTIN_SCOPES:
            self._register_scope(string, rs, name)
        self.add_client("Globus CLI", "public_installed_client", id=GLOBUS_CLI_TEMPLATE)
        self.add_client("Globus Transfer", "resource_server", id=stable_id("client", TRANSFER_RS),
                        resource_server=TRANSFER_RS)
        self.harness_client = self.add_client(
            "mockglobus test harness", "confidential_client", id=stable_id("client", "harness"),
            secret=None,
        )

    # --------------------------------------------------------- accounts (setup)
    def add_identity_provider(
        self, name: str, domains: list[str], *, short_name: str | None = None,
        id: str | None = None,
    ) -> IdentityProvider:
        with self.state.lock:
            idp = IdentityProvider(
                id=id or stable_id("idp", *domains), name=name,
                short_name=short_name or domains[0].split(".")[0], domains=list(domains),
            )
            self.idps[idp.id] = idp
            return idp

    def idp_for_domain(self, domain: str, *, create: bool = True) -> IdentityProvider | None:
        with self.state.lock:
            domain = domain.lower()
            for idp in self.idps.values():
                if domain in idp.domains:
                    return idp
            if not create:
                return None
            org = self._ids.faker.company()
            return self.add_identity_provider(org, [domain])

    def add_user(
        self, username: str, *, name: str | None = None, email: str | None = None,
        organization: str | None = None, id: str | None = None, status: str = "used",
        link_to: str | None = None,
    ) -> Identity:
        """Add an identity; ``link_to`` (a username or id) puts it in that identity set."""
        with self.state.lock:
            username = username.strip()
            if "@" not in username:
                raise ValueError(f"username {username!r} must look like user@domain")
            if username.lower() in self._by_username:
                raise ValueError(f"username {username!r} already exists")
            idp = self.idp_for_domain(username.rsplit("@", 1)[1])
            assert idp is not None
            identity = Identity(
                id=id or stable_id("identity", username.lower()), username=username,
                identity_provider=idp.id, name=name, email=email,
                organization=organization if organization is not None else idp.name,
                status=status,
            )
            identity.account = identity.id
            if link_to is not None:
                identity.account = self.identity(link_to).account
            self.identities[identity.id] = identity
            self._by_username[username.lower()] = identity.id
            return identity

    def link(self, username_or_id: str, to: str) -> None:
        """Link an identity into the identity set of ``to`` (its primary stays primary)."""
        with self.state.lock:
            moving = self.identity(username_or_id)
            account = self.identity(to).account
            for ident in self.identities.values():
                if ident.account == moving.account and ident.id != moving.id:
                    ident.account = account
            moving.account = account

    def identity(self, username_or_id: str) -> Identity:
        """An identity by username (case-insensitive) or id; KeyError if unknown."""
        with self.state.lock:
            key = str(username_or_id)
            found = self.identities.get(key) or self.identities.get(
                self._by_username.get(key.lower(), "")
            )
            if found is None:
                raise KeyError(f"no identity {username_or_id!r}")
            return found

    def identity_set(self, identity_id: str) -> list[Identity]:
        """The identity set (primary first) of the account holding ``identity_id``."""
        account = self.identities[identity_id].account
        members = [i for i in self.identities.values() if i.account == account]
        return sorted(members, key=lambda i: i.id != account)

    @property
    def users(self) -> list[Identity]:
        """Primary identities of human accounts, in creation order."""
        return [
            i for i in self.identities.values()
            if i.identity_type == "login" and i.account == i.id
        ]

    def add_client(
        self, name: str, client_type: str = "confidential_client", *, id: str | None = None,
        secret: str | None = None, project: str | None = None,
        redirect_uris: Iterable[str] = (), parent_client: str | None = None,
        resource_server: str | None = None, visibility: str = "private",
        fqdns: Iterable[str] = (), required_idp: str | None = None,
        preselect_idp: str | None = None, links: dict | None = None,
    ) -> Client:
        """Register a client (and its client identity). A confidential client gets a
        credential holding ``secret`` (a generated one if None); see ``client.credentials``."""
        with self.state.lock:
            if client_type not in CLIENT_TYPES:
                raise errors.BadRequest(
                    f"client_type must be one of: {', '.join(sorted(CLIENT_TYPES))}"
                )
            client = Client(
                id=id or str(self._ids.uuid4()), name=name, client_type=client_type,
                project=project, redirect_uris=list(redirect_uris), parent_client=parent_client,
                resource_server=resource_server, visibility=visibility, fqdns=list(fqdns),
                required_idp=required_idp, preselect_idp=preselect_idp,
            )
            if links:
                client.links.update(links)
            if client.id in self.clients:
                raise errors.Conflict(f"client {client.id} already exists")
            self.clients[client.id] = client
            if not client.public_client:
                self.add_credential(client.id, "Auto-created at client creation", secret)
            ident = Identity(
                id=client.id, username=f"{client.id}@{CLIENTS_DOMAIN}",
                identity_provider=stable_id("idp", CLIENTS_DOMAIN), name=name,
                organization=None, identity_type="client", account=client.id,
            )
            self.identities[ident.id] = ident
            self._by_username[ident.username.lower()] = ident.id
            return client

    def add_credential(self, client_id: str, name: str, secret: str | None = None) -> Credential:
        with self.state.lock:
            client = self.clients[client_id]
            if secret is None:
                secret = base64.b64encode(bytes.fromhex(self._ids.hex(32))).decode()
            cred = Credential(id=str(self._ids.uuid4()), name=name, client=client.id,
                              created=self._now(), secret=secret)
            client.credentials.append(cred)
            return cred

    def secret_of(self, client_id: str) -> str:
        """The first credential's secret of a confidential client (a test helper)."""
        with self.state.lock:
            return self.clients[client_id].credentials[0].secret

    def add_project(
        self, display_name: str, contact_email: str, admin_ids: Iterable[str] = (),
        *, id: str | None = None, admin_group_ids: list[str] | None = None,
    ) -> Project:
        with self.state.lock:
            project = Project(id=id or str(self._ids.uuid4()), display_name=display_name,
                              contact_email=contact_email, admin_ids=list(admin_ids),
                              admin_group_ids=admin_group_ids)
            self.projects[project.id] = project
            return project

    def _register_scope(
        self, scope_string: str, resource_server: str, name: str, *,
        client: str | None = None, description: str = "", id: str | None = None,
        dependent_scopes: list[dict] | None = None, advertised: bool = False,
        allows_refresh_token: bool = True, required_domains: list[str] | None = None,
    ) -> Scope:
        if scope_string in self._scope_by_string:
            raise errors.Conflict(f"scope {scope_string!r} already exists")
        scope = Scope(
            id=id or stable_id("scope", scope_string), scope_string=scope_string,
            resource_server=resource_server, name=name, description=description or name,
            client=client, advertised=advertised, allows_refresh_token=allows_refresh_token,
            required_domains=list(required_domains or []),
            dependent_scopes=list(dependent_scopes or []),
        )
        self.scopes[scope.id] = scope
        self._scope_by_string[scope_string] = scope.id
        if client in self.clients:
            self.clients[client].scopes.append(scope.id)
        return scope

    # ------------------------------------------------------------ scope rules
    def _scope_rs(self, scope: str) -> str | None:
        sid = self._scope_by_string.get(scope)
        if sid is not None:
            return self.scopes[sid].resource_server
        if self.permissive:
            return resource_server_of(scope)
        return None

    def parse_requested(self, text: str | None) -> list[ScopeRequest]:
        """Parse and check a requested scope string; ``invalid_scope`` if unusable."""
        if not text or not text.strip():
            raise errors.InvalidScope("No scopes were requested")
        try:
            requests = parse_scopes(text)
        except ScopeSyntaxError as exc:
            raise errors.InvalidScope(f"Malformed scope string: {exc}") from None

        def check(reqs: list[ScopeRequest]) -> None:
            for req in reqs:
                if self._scope_rs(req.scope) is None:
                    raise errors.InvalidScope(f"Unknown scope: {req.scope}")
                check(req.dependencies)

        check(requests)
        return requests

    def _scope_id(self, scope: str) -> str:
        return self._scope_by_string.get(scope) or stable_id("scope", scope)

    # -------------------------------------------------------------- consents
    def _consent(
        self, identity_id: str, client_id: str, req: ScopeRequest, parent: Consent | None = None
    ) -> Consent:
        """Find or record the consent for ``req`` (and everything beneath it)."""
        now = self._now()
        parent_id = parent.id if parent else None
        node = next(
            (c for c in self.consents.values()
             if c.identity_id == identity_id and c.client_id == client_id
             and c.scope_string == req.scope and c.parent == parent_id),
            None,
        )
        if node is None:
            self._consent_seq += 1
            node = Consent(
                id=self._consent_seq, identity_id=identity_id, client_id=client_id,
                scope_string=req.scope, scope_id=self._scope_id(req.scope), parent=parent_id,
                path=[*(parent.path if parent else []), self._consent_seq], created=now,
                last_used=now,
            )
            self.consents[node.id] = node
        node.last_used = now
        declared = self.scopes.get(self._scope_by_string.get(req.scope, ""))
        children = list(req.dependencies)
        if declared is not None:
            for dep in declared.dependent_scopes:
                dep_scope = self.scopes.get(dep.get("scope", ""))
                if dep_scope is not None:
                    children.append(ScopeRequest(dep_scope.scope_string, bool(dep.get("optional"))))
        for child in children:
            self._consent(identity_id, client_id, child, node)
        return node

    def _children(self, node_id: int) -> list[Consent]:
        return [c for c in self.consents.values() if c.parent == node_id]

    def grant_consent(self, username_or_id: str, scope: str, client_id: str | None = None) -> None:
        """Record that an identity consented to ``scope`` (dependent syntax allowed) for a
        client (default: the test harness client that :meth:`mint_token` uses)."""
        with self.state.lock:
            ident = self.identity(username_or_id)
            client = client_id or self.harness_client.id
            for req in self.parse_requested(scope):
                self._consent(ident.account, client, req)

    def revoke_consent(self, username_or_id: str, scope: str, client_id: str | None = None) -> int:
        """Withdraw consents to ``scope`` (and what hangs beneath); returns how many."""
        with self.state.lock:
            ident = self.identity(username_or_id)
            client = client_id or self.harness_client.id
            doomed = [c.id for c in self.consents.values()
                      if c.identity_id == ident.account and c.client_id == client
                      and c.scope_string == scope]
            removed = 0
            while doomed:
                cid = doomed.pop()
                if self.consents.pop(cid, None) is not None:
                    removed += 1
                    doomed.extend(c.id for c in self._children(cid))
            return removed

    def has_consent(self, identity_id: str, scope: str, client_id: str | None = None) -> bool:
        """Has the account of ``identity_id`` consented to ``scope`` (at any depth, for
        ``client_id`` or, when None, for any client)?"""
        with self.state.lock:
            ident = self.identities.get(identity_id)
            if ident is None:
                return False
            return any(
                c.identity_id == ident.account and c.scope_string == scope
                and (client_id is None or c.client_id == client_id)
                for c in self.consents.values()
            )

    def group_ids_of(self, identity_id: str) -> frozenset[str]:
        """Ids of the groups (from the scenario's ``groups``) the account belongs to."""
        with self.state.lock:
            ident = self.identities.get(identity_id)
            if ident is None:
                return frozenset()
            return frozenset(
                gid for gid, members in self.groups.items() if ident.account in members
            )

    # ---------------------------------------------------- client authentication
    def authenticate_client(self, client_id: str | None, secret: str | None) -> Client:
        """A confidential client proving itself with id and secret (HTTP Basic)."""
        with self.state.lock:
            if not client_id or secret is None:
                raise errors.InvalidClient("Client authentication is required")
            client = self.clients.get(client_id)
            if client is None:
                if self.permissive and _as_uuid(client_id) == client_id.lower() and secret:
                    return self.add_client(f"Client {client_id[:8]}", "client_identity",
                                           id=client_id.lower(), secret=secret)
                raise errors.InvalidClient("Invalid client credentials")
            if client.public_client or not any(c.secret == secret for c in client.credentials):
                raise errors.InvalidClient("Invalid client credentials")
            return client

    def public_client(self, client_id: str | None) -> Client:
        """A native app naming itself by ``client_id`` (it has no secret)."""
        with self.state.lock:
            if not client_id:
                raise errors.InvalidClient("Client authentication is required")
            client = self.clients.get(client_id)
            if client is None:
                if self.permissive and _as_uuid(client_id) == client_id.lower():
                    return self.add_client(f"Native App {client_id[:8]}",
                                           "public_installed_client", id=client_id.lower())
                raise errors.InvalidClient("Unknown client")
            if not client.public_client:
                raise errors.InvalidClient("Confidential clients must authenticate")
            return client

    # ---------------------------------------------------------------- authorize
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
        if self.permissive and not client.redirect_uris:
            return urlsplit(uri).scheme in ("http", "https") and bool(urlsplit(uri).netloc)
        return False

    def start_authorization(self, params: dict[str, str], auth_base: str) -> AuthorizeRequest:
        """Check an authorize request. Problems with the client or the redirect URI are
        raised (the real service shows an error page and never redirects); any other
        problem is set on ``request.error``, to be sent back to the redirect URI."""
        with self.state.lock:
            client_id = params.get("client_id")
            if not client_id:
                raise errors.InvalidRequest("Missing required parameter: client_id")
            client = self.clients.get(client_id)
            if client is None:
                if not (self.permissive and _as_uuid(client_id) == client_id.lower()):
                    raise errors.InvalidClient(f"Unknown client_id: {client_id}")
                client = self.add_client(f"Native App {client_id[:8]}",
                                         "public_installed_client", id=client_id.lower())
            if "authorization_code" not in client.grant_types:
                raise errors.UnauthorizedClient(
                    "This client may not use the authorization_code grant"
                )
            redirect_uri = params.get("redirect_uri")
            if not redirect_uri:
                raise errors.InvalidRequest("Missing required parameter: redirect_uri")
            if not self._redirect_allowed(client, redirect_uri, auth_base):
                raise errors.InvalidRequest(
                    f"redirect_uri is not registered for this client: {redirect_uri}"
                )
            req = AuthorizeRequest(
                client=client, redirect_uri=redirect_uri, scope=params.get("scope", ""),
                requests=[], state=params.get("state"),
                challenge=params.get("code_challenge") or None,
                challenge_method=params.get("code_challenge_method") or None,
                offline=params.get("access_type") == "offline",
                named_grant=params.get("prefill_named_grant") or None,
                session_required_identities=[
                    s for s in params.get("session_required_identities", "").split(",") if s
                ],
            )
            try:
                if params.get("response_type") != "code":
                    raise errors.UnsupportedResponseType("response_type must be 'code'")
                if params.get("access_type", "online") not in ("online", "offline"):
                    raise errors.InvalidRequest("access_type must be 'online' or 'offline'")
                req.requests = self.parse_requested(req.scope)
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
                        raise errors.InvalidRequest(
                            "code_challenge_method must be 'S256' or 'plain'"
                        )
                    if not re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", req.challenge):
                        raise errors.InvalidRequest("code_challenge is malformed")
            except errors.OAuthError as exc:
                req.error = exc
            return req

    def complete_authorization(self, req: AuthorizeRequest, username: str) -> str:
        """The user ``username`` logs in and consents; returns where the browser goes
        next (the redirect URI with ``code`` and ``state``)."""
        with self.state.lock:
            if req.error is not None:
                return req.redirect(error=req.error.error, error_description=req.error.description)
            try:
                ident = self.identity(username)
            except KeyError:
                raise errors.AccessDenied(f"No such user: {username}") from None
            if ident.identity_type != "login":
                raise errors.AccessDenied("Client identities cannot log in interactively")
            if req.session_required_identities and not any(
                i.id in req.session_required_identities or i.username in req.session_required_identities
                for i in self.identity_set(ident.id)
            ):
                raise errors.AccessDenied(
                    "The session requires an identity this user does not have"
                )
            now = self._now()
            if ident.status == "unused":
                ident.status = "used"
            session = Session(id=str(self._ids.uuid4()))
            session.authentications[ident.id] = {
                "acr": None, "amr": None, "auth_time": int(now), "custom_claims": {},
                "idp": ident.identity_provider,
            }
            self.sessions[session.id] = session
            consent_ids = {
                r.scope: self._consent(ident.account, req.client.id, r).id for r in req.requests
            }
            code = AuthorizationCode(
                code=self._ids.token(22), client_id=req.client.id, redirect_uri=req.redirect_uri,
                scope=req.scope, state=req.state, challenge=req.challenge,
                challenge_method=req.challenge_method, offline=req.offline,
                identity_id=ident.account, session_id=session.id,
                expires_at=now + AUTH_CODE_LIFETIME, consent_ids=consent_ids,
                named_grant=req.named_grant,
            )
            self.codes[code.code] = code
            return req.redirect(code=code.code)

    def get_auth_code(self, authorize_url: str, username: str | None = None) -> str:
        """Follow an authorize URL as ``username`` (default: the first user) would in a
        browser, and return the authorization code the redirect carries."""
        parts = urlsplit(authorize_url)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        req = self.start_authorization(params, f"{parts.scheme}://{parts.netloc}/")
        if req.error is not None:
            raise req.error
        location = self.complete_authorization(req, username or self._default_username())
        return dict(parse_qsl(urlsplit(location).query))["code"]

    def _default_username(self) -> str:
        if self.default_user:
            return self.default_user
        if not self.users:
            raise LookupError("this double has no users")
        return self.users[0].username

    # ------------------------------------------------------------ token grants
    def token_grant(
        self, form: dict[str, str], basic: tuple[str, str] | None, auth_base: str = ISSUER
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """``POST /v2/oauth2/token``: the response document of any supported grant."""
        with self.state.lock:
            self.state.settle()
            grant = form.get("grant_type")
            if not grant:
                raise errors.InvalidRequest("Missing required parameter: grant_type")
            if basic is not None:
                client = self.authenticate_client(*basic)
            else:
                client = self.public_client(form.get("client_id"))
            handlers = {
                "authorization_code": self._grant_code,
                "refresh_token": self._grant_refresh,
                "client_credentials": self._grant_client_credentials,
                DEPENDENT_GRANT: self._grant_dependent,
            }
            handler = handlers.get(grant)
            if handler is None:
                raise errors.UnsupportedGrantType(f"Unsupported grant_type: {grant}")
            if grant not in client.grant_types:
                raise errors.UnauthorizedClient(
                    f"This client is not allowed to use the {grant} grant"
                )
            return handler(client, form, auth_base)

    def _grant_code(self, client: Client, form: dict[str, str], auth_base: str) -> dict[str, Any]:
        value = form.get("code")
        if not value:
            raise errors.InvalidRequest("Missing required parameter: code")
        code = self.codes.get(value)
        now = self._now()
        if code is None or code.client_id != client.id:
            raise errors.InvalidGrant("Invalid authorization code")
        if code.used:
            if code.grant_id:
                self._revoke_grant(code.grant_id)
            raise errors.InvalidGrant("Authorization code has already been used")
        if now >= code.expires_at:
            raise errors.InvalidGrant("Authorization code has expired")
        if form.get("redirect_uri") != code.redirect_uri:
            raise errors.InvalidGrant("redirect_uri does not match the authorization request")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier or not _VERIFIER.fullmatch(verifier):
                raise errors.InvalidGrant("Invalid code_verifier")
            if code.challenge_method == "S256":
                digest = hashlib.sha256(verifier.encode("ascii")).digest()
                expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            else:
                expected = verifier
            if expected != code.challenge:
                raise errors.InvalidGrant("Invalid code_verifier")
        code.used = True
        requests = self.parse_requested(code.scope)
        grant_id = self._ids.hex(8)
        code.grant_id = grant_id
        tokens = self._issue(
            code.identity_id, client, requests, code.consent_ids, offline=code.offline,
            session_id=code.session_id, grant_id=grant_id,
        )
        return self._response(tokens, client, auth_base, state=code.state or "_default",
                              session_id=code.session_id)

    def _grant_refresh(
        self, client: Client, form: dict[str, str], auth_base: str
    ) -> dict[str, Any]:
        value = form.get("refresh_token")
        if not value:
            raise errors.InvalidRequest("Missing required parameter: refresh_token")
        old = self.tokens.get(value)
        now = self._now()
        if old is None or old.kind != "refresh" or not old.active(now):
            raise errors.InvalidGrant("Invalid refresh token")
        if old.client_id != client.id:
            raise errors.InvalidGrant("Refresh token was issued to another client")
        access = self._new_token("access", old, now)
        doc = self._token_doc(access)
        refresh = old
        if self.rotate_refresh_tokens:
            old.revoked = True
            refresh = self._new_token("refresh", old, now)
        doc["refresh_token"] = refresh.value
        doc["other_tokens"] = []
        return doc

    def _grant_client_credentials(
        self, client: Client, form: dict[str, str], auth_base: str
    ) -> dict[str, Any]:
        requests = self.parse_requested(form.get("scope"))
        consent_ids = {r.scope: self._consent(client.id, client.id, r).id for r in requests}
        tokens = self._issue(client.id, client, requests, consent_ids, offline=False,
                             session_id=None, grant_id=self._ids.hex(8))
        return self._response(tokens, client, auth_base, state=None, session_id=None)

    def _grant_dependent(
        self, client: Client, form: dict[str, str], auth_base: str
    ) -> list[dict[str, Any]]:
        value = form.get("token")
        if not value:
            raise errors.InvalidRequest("Missing required parameter: token")
        upstream = self.tokens.get(value)
        now = self._now()
        if upstream is None or upstream.kind != "access" or not upstream.active(now):
            raise errors.InvalidGrant("Invalid token")
        if upstream.resource_server != client.rs_name:
            raise errors.InvalidGrant("The token was not issued for this client's resource server")
        available: dict[str, Consent] = {}
        for node_id in upstream.consent_ids.values():
            for child in self._children(node_id):
                available.setdefault(child.scope_string, child)
        if form.get("scope"):
            wanted = [r.scope for r in self.parse_requested(form["scope"])]
            missing = [s for s in wanted if s not in available]
            if missing:
                raise errors.InvalidScope(
                    "No consent for dependent scope(s): " + " ".join(missing)
                )
        else:
            wanted = list(available)
        offline = form.get("access_type") == "offline"
        grant_id = self._ids.hex(8)
        by_rs: dict[str, list[str]] = {}
        for scope in wanted:
            by_rs.setdefault(self._scope_rs(scope) or scope, []).append(scope)
        docs = []
        for rs, scopes in by_rs.items():
            template = Token(
                value="", kind="access", identity_id=upstream.identity_id, client_id=client.id,
                resource_server=rs, scopes=tuple(scopes),
                consent_ids={s: available[s].id for s in scopes}, issued_at=now,
                expires_at=None, grant_id=grant_id, session_id=upstream.session_id,
            )
            access = self._new_token("access", template, now)
            doc = self._token_doc(access)
            doc["token_type"] = "bearer"  # the recorded dependent-token response is lower case
            if offline:
                doc["refresh_token"] = self._new_token("refresh", template, now).value
            docs.append(doc)
        return docs

    # ------------------------------------------------------------ token making
    def _new_token(self, kind: str, like: Token, now: float) -> Token:
        token = Token(
            value=self._ids.token(48), kind=kind, identity_id=like.identity_id,
            client_id=like.client_id, resource_server=like.resource_server, scopes=like.scopes,
            consent_ids=dict(like.consent_ids), issued_at=now,
            expires_at=now + self.access_token_lifetime if kind == "access" else None,
            grant_id=like.grant_id, session_id=like.session_id,
        )
        self.tokens[token.value] = token
        return token

    def _issue(
        self, identity_id: str, client: Client, requests: list[ScopeRequest],
        consent_ids: dict[str, int], *, offline: bool, session_id: str | None, grant_id: str,
    ) -> list[tuple[Token, Token | None]]:
        """One access token (and refresh token if offline) per resource server, the
        auth.globus.org one first."""
        by_rs: dict[str, list[str]] = {}
        for req in requests:
            rs = self._scope_rs(req.scope)
            assert rs is not None  # parse_requested checked
            by_rs.setdefault(rs, []).append(req.scope)
        order = sorted(by_rs, key=lambda rs: rs != AUTH_RS)
        now = self._now()
        out = []
        for rs in order:
            template = Token(
                value="", kind="access", identity_id=identity_id, client_id=client.id,
                resource_server=rs, scopes=tuple(by_rs[rs]),
                consent_ids={s: consent_ids[s] for s in by_rs[rs] if s in consent_ids},
                issued_at=now, expires_at=None, grant_id=grant_id, session_id=session_id,
            )
            access = self._new_token("access", template, now)
            refresh = self._new_token("refresh", template, now) if offline else None
            out.append((access, refresh))
        return out

    def _token_doc(self, token: Token) -> dict[str, Any]:
        assert token.expires_at is not None
        return {
            "access_token": token.value,
            "scope": " ".join(token.scopes),
            "expires_in": int(token.expires_at - self._now()),
            "token_type": "Bearer",
            "resource_server": token.resource_server,
        }

    def _response(
        self, tokens: list[tuple[Token, Token | None]], client: Client, auth_base: str, *,
        state: str | None, session_id: str | None,
    ) -> dict[str, Any]:
        docs = []
        for access, refresh in tokens:
            doc = self._token_doc(access)
            if refresh is not None:
                doc["refresh_token"] = refresh.value
            if state is not None:
                doc["state"] = state
            docs.append(doc)
        top = dict(docs[0])
        first = tokens[0][0]
        if "openid" in first.scopes:
            top["id_token"] = self._id_token(first, client, auth_base, session_id)
        top["other_tokens"] = docs[1:]
        return top

    def _id_token(self, token: Token, client: Client, issuer: str, session_id: str | None) -> str:
        now = int(self._now())
        claims: dict[str, Any] = {"sub": token.identity_id}
        claims.update(self._user_claims(token.identity_id, token.scopes, session_id))
        claims.update({
            "iss": issuer.rstrip("/"), "aud": client.id, "iat": now,
            "exp": now + self.access_token_lifetime, "at_hash": self.key.at_hash(token.value),
        })
        return self.key.sign(claims)

    def _user_claims(
        self, identity_id: str, scopes: Iterable[str], session_id: str | None
    ) -> dict[str, Any]:
        scopes = set(scopes)
        ident = self.identities[identity_id]
        session = self.sessions.get(session_id or "")

        def last_auth(i: Identity) -> int | None:
            if session is None or i.id not in session.authentications:
                return None
            return session.authentications[i.id]["auth_time"]

        def idp_name(i: Identity) -> str:
            idp = self.idps.get(i.identity_provider)
            return idp.name if idp else ""

        claims: dict[str, Any] = {}
        if "profile" in scopes:
            claims.update({
                "preferred_username": ident.username, "name": ident.name,
                "organization": ident.organization,
                "identity_provider": ident.identity_provider,
                "identity_provider_display_name": idp_name(ident),
                "last_authentication": last_auth(ident),
            })
        if "email" in scopes:
            claims["email"] = ident.email
        if "urn:globus:auth:scope:auth.globus.org:view_identity_set" in scopes:
            claims["identity_set"] = [
                {
                    "sub": i.id, "username": i.username, "name": i.name, "email": i.email,
                    "organization": i.organization, "identity_provider": i.identity_provider,
                    "identity_provider_display_name": idp_name(i),
                    "last_authentication": last_auth(i),
                }
                for i in self.identity_set(ident.id)
            ]
        return claims

    def _revoke_grant(self, grant_id: str) -> None:
        for token in self.tokens.values():
            if token.grant_id == grant_id:
                token.revoked = True

    # ----------------------------------------------------- asking about tokens
    def _active_token(self, value: str | None) -> Token | None:
        token = self.tokens.get(value or "")
        if token is None or not token.active(self._now()):
            return None
        return token

    def check_access_token(
        self, token: str | None, resource_server: str, required_scope: str | None = None
    ) -> TokenInfo:
        """Is ``token`` a live access token for ``resource_server``? If
        ``required_scope`` is given (e.g. a collection's data_access scope, or
        ``root[dependent]`` syntax), the token's user must have consented to it beneath
        the token's scope, else :class:`ConsentRequired` names what to request.

        Raises :class:`AuthenticationFailed` for a missing, unknown (forged), expired or
        revoked token, a refresh token, or one issued for another resource server.
        """
        with self.state.lock:
            self.state.settle()
            if not token:
                raise errors.AuthenticationFailed("No Authorization header provided")
            found = self.tokens.get(token)
            now = self._now()
            if found is None or found.kind != "access":
                raise errors.AuthenticationFailed("Token is not active")
            if found.revoked:
                raise errors.AuthenticationFailed("Token is not active")
            if found.expires_at is not None and now >= found.expires_at:
                raise errors.AuthenticationFailed("Token is not active")
            if found.resource_server != resource_server:
                raise errors.AuthenticationFailed(
                    f"Token is not valid for resource server {resource_server}"
                )
            if required_scope:
                self._require(found, resource_server, required_scope)
            ident = self.identities.get(found.identity_id)
            return TokenInfo(
                identity_id=found.identity_id,
                username=ident.username if ident else found.identity_id,
                client_id=found.client_id, scopes=frozenset(found.scopes),
                resource_server=found.resource_server, expires_at=float(found.expires_at or 0),
                issued_at=found.issued_at, name=ident.name if ident else None,
                email=ident.email if ident else None,
                identity_set=tuple(i.id for i in self.identity_set(found.identity_id))
                if ident else (),
            )

    def _require(self, token: Token, resource_server: str, required: str) -> None:
        try:
            wanted = parse_scopes(required)
        except ScopeSyntaxError as exc:
            raise ValueError(f"bad required_scope {required!r}: {exc}") from None
        root_scope = token.scopes[0]
        for req in wanted:
            if req.scope not in token.scopes:
                if resource_server_of(req.scope) == resource_server or req.scope in token.scopes:
                    raise errors.ConsentRequired([req.serialize()],
                                                 f"Missing required {req.scope} consent")
                req = ScopeRequest(root_scope, False, [ScopeRequest(req.scope, True,
                                                                    req.dependencies)])
            node_id = token.consent_ids.get(req.scope)
            if node_id is None or node_id not in self.consents:
                raise errors.ConsentRequired([req.serialize()], "Missing required consent")
            if not self._covered(node_id, req.dependencies):
                raise errors.ConsentRequired([req.serialize()])

    def _covered(self, node_id: int, deps: list[ScopeRequest]) -> bool:
        children = {c.scope_string: c for c in self._children(node_id)}
        return all(
            d.scope in children and self._covered(children[d.scope].id, d.dependencies)
            for d in deps
        )

    def mint_token(
        self, username_or_identity: str, resource_server: str = TRANSFER_RS,
        scopes: str | Iterable[str] | None = None,
    ) -> str:
        """A test helper: an access token for a user (or client identity) as if it had
        logged in through the harness client, consenting to ``scopes`` (default: the
        resource server's main scope). Dependent syntax records dependent consents."""
        with self.state.lock:
            ident = self.identity(username_or_identity)
            if scopes is None:
                scopes = {TRANSFER_RS: TRANSFER_SCOPE, AUTH_RS: "openid profile email"}.get(
                    resource_server
                ) or next(
                    (s.scope_string for s in self.scopes.values()
                     if s.resource_server == resource_server), None,
                )
                if scopes is None:
                    raise ValueError(f"no known scope for resource server {resource_server}")
            text = scopes if isinstance(scopes, str) else " ".join(scopes)
            requests = self.parse_requested(text)
            for req in requests:
                if self._scope_rs(req.scope) != resource_server:
                    raise ValueError(f"scope {req.scope} is not for {resource_server}")
            client = self.harness_client
            consent_ids = {r.scope: self._consent(ident.account, client.id, r).id
                           for r in requests}
            [(access, _)] = self._issue(ident.account, client, requests, consent_ids,
                                        offline=False, session_id=None,
                                        grant_id=self._ids.hex(8))
            return access.value

    def revoke(self, token: str) -> None:
        """Revoke a token as its owner would (a refresh token takes its grant with it)."""
        with self.state.lock:
            found = self.tokens.get(token)
            if found is None:
                return
            if found.kind == "refresh":
                self._revoke_grant(found.grant_id)
            found.revoked = True

    # ---------------------------------------------------- introspect & friends
    def introspect(self, value: str | None, caller: Client, include: str | None) -> dict[str, Any]:
        with self.state.lock:
            self.state.settle()
            if not value:
                raise errors.InvalidRequest("Missing required parameter: token")
            token = self._active_token(value)
            # Only the audience may look: the client it was issued to, or its resource server.
            in_audience = token is not None and caller.id == token.client_id or (
                token is not None and caller.rs_name == token.resource_server
            )
            if token is None or not in_audience:
                return {"active": False}
            ident = self.identities[token.identity_id]
            doc: dict[str, Any] = {
                "active": True, "token_type": "Bearer", "scope": " ".join(token.scopes),
                "client_id": token.client_id, "username": ident.username, "name": ident.name,
                "email": ident.email, "exp": int(token.expires_at or 0),
                "iat": int(token.issued_at), "nbf": int(token.issued_at), "sub": ident.id,
                "aud": [token.resource_server, token.client_id], "iss": ISSUER,
            }
            wanted = {w.strip() for w in (include or "").split(",") if w.strip()}
            unknown = wanted - {"identity_set", "session_info", "identity_set_detail"}
            if unknown:
                raise errors.InvalidRequest(f"Unknown include value(s): {', '.join(sorted(unknown))}")
            if "identity_set" in wanted:
                doc["identity_set"] = [i.id for i in self.identity_set(ident.id)]
            if "identity_set_detail" in wanted:
                doc["identity_set_detail"] = [i.to_api() for i in self.identity_set(ident.id)]
            if "session_info" in wanted:
                session = self.sessions.get(token.session_id or "")
                doc["session_info"] = (
                    session.to_api() if session else {"session_id": None, "authentications": {}}
                )
            return doc

    def revoke_for(self, value: str | None, caller: Client) -> dict[str, Any]:
        """``token/revoke``: only the client a token was issued to may revoke it; an
        unknown token is not an error (RFC 7009)."""
        with self.state.lock:
            if not value:
                raise errors.InvalidRequest("Missing required parameter: token")
            token = self.tokens.get(value)
            if token is not None and token.client_id == caller.id:
                self.revoke(value)
            return {"active": False}

    def validate(self, value: str | None, caller: Client) -> dict[str, Any]:
        with self.state.lock:
            self.state.settle()
            if not value:
                raise errors.InvalidRequest("Missing required parameter: token")
            token = self._active_token(value)
            return {"active": token is not None and token.client_id == caller.id}

    def userinfo(self, bearer: str | None) -> dict[str, Any]:
        with self.state.lock:
            self.state.settle()
            token = self._active_token(bearer)
            if token is None or token.kind != "access" or token.resource_server != AUTH_RS:
                raise errors.Unauthorized()
            if "openid" not in token.scopes:
                raise errors.Forbidden("The openid scope is required to call userinfo")
            doc = {"sub": token.identity_id}
            doc.update(self._user_claims(token.identity_id, token.scopes, token.session_id))
            return doc

    # --------------------------------------------------------------- REST API
    def caller(self, bearer: str | None, basic: tuple[str, str] | None) -> Caller:
        """Who calls the REST API; 401 UNAUTHORIZED when nobody can be told apart."""
        with self.state.lock:
            self.state.settle()
            if bearer is not None:
                token = self._active_token(bearer)
                if token is None or token.kind != "access" or token.resource_server != AUTH_RS:
                    raise errors.Unauthorized()
                return Caller(token.identity_id, token.client_id, frozenset(token.scopes), True)
            if basic is not None:
                try:
                    client = self.authenticate_client(*basic)
                except errors.InvalidClient:
                    raise errors.Unauthorized() from None
                return Caller(client.id, client.id, frozenset(), False)
            raise errors.Unauthorized()

    def _needs(self, caller: Caller, scope_name: str) -> None:
        scope = f"urn:globus:auth:scope:auth.globus.org:{scope_name}"
        if caller.by_token and scope not in caller.scopes:
            raise errors.Forbidden(f"This call requires the {scope} scope")

    def get_identities(
        self, caller: Caller, *, ids: str | None, usernames: str | None, provision: bool
    ) -> list[dict[str, Any]]:
        with self.state.lock:
            if ids is not None and usernames is not None:
                raise errors.BadRequest("Only one of 'ids' or 'usernames' may be given")
            if ids is None and usernames is None:
                raise errors.BadRequest("One of 'ids' or 'usernames' is required")
            if ids is not None:
                wanted = [x.strip() for x in ids.split(",") if x.strip()]
                bad = [x for x in wanted if _as_uuid(x) is None]
                if bad:
                    raise errors.BadRequest(f"Invalid identity id(s): {', '.join(bad)}")
                return [self.identities[_as_uuid(x)].to_api() for x in wanted  # type: ignore[index]
                        if _as_uuid(x) in self.identities]
            out = []
            for name in (x.strip() for x in (usernames or "").split(",")):
                if not name:
                    continue
                found = self._by_username.get(name.lower())
                if found is None and provision and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", name):
                    found = self.add_user(name, status="unused", organization=None).id
                if found is not None:
                    out.append(self.identities[found].to_api())
            return out

    def get_identity(self, caller: Caller, identity_id: str) -> dict[str, Any]:
        with self.state.lock:
            ident = self.identities.get(_as_uuid(identity_id) or "")
            if ident is None:
                raise errors.NotFound(f"Identity {identity_id} not found")
            return ident.to_api()

    def get_identity_providers(
        self, caller: Caller, *, domains: str | None, ids: str | None
    ) -> list[dict[str, Any]]:
        with self.state.lock:
            if domains is not None and ids is not None:
                raise errors.BadRequest("Only one of 'domains' or 'ids' may be given")
            if domains is not None:
                wanted = {d.strip().lower() for d in domains.split(",") if d.strip()}
                hits = [p for p in self.idps.values() if wanted & set(p.domains)]
            elif ids is not None:
                wanted = {_as_uuid(i.strip()) for i in ids.split(",") if i.strip()}
                hits = [p for p in self.idps.values() if p.id in wanted]
            else:
                hits = list(self.idps.values())
            return [p.to_api() for p in hits]

    def get_consents(self, caller: Caller, identity_id: str, all_clients: bool) -> list[dict]:
        with self.state.lock:
            if all_clients:
                self._needs(caller, "view_consents")
            target = self.identities.get(_as_uuid(identity_id) or "")
            if target is None:
                raise errors.NotFound(f"Identity {identity_id} not found")
            if target.account != self.identities[caller.identity_id].account:
                raise errors.Forbidden("You may only view your own consents")
            roots = {c.id for c in self.consents.values()
                     if c.identity_id == target.account and c.parent is None
                     and (all_clients or c.client_id == caller.client_id)}
            return [c.to_api() for c in self.consents.values()
                    if c.identity_id == target.account and c.path[0] in roots]

    # clients
    def _visible_client(self, caller: Caller, client: Client) -> bool:
        if client.id == caller.client_id and not caller.by_token:
            return True
        if client.parent_client == caller.client_id and not caller.by_token:
            return True
        project = self.projects.get(client.project or "")
        if project is None:
            return False
        account = self.identities[caller.identity_id].account
        admins = {self.identities[a].account for a in project.admin_ids if a in self.identities}
        return account in admins or caller.identity_id in project.admin_ids

    def _client_or_404(self, caller: Caller, client_id: str) -> Client:
        client = self.clients.get(_as_uuid(client_id) or "")
        if client is None or not self._visible_client(caller, client):
            raise errors.NotFound(f"Client {client_id} not found")
        return client

    def list_clients(self, caller: Caller) -> list[dict[str, Any]]:
        with self.state.lock:
            if caller.by_token:
                self._needs(caller, "manage_projects")
            return [c.to_api() for c in self.clients.values() if self._visible_client(caller, c)]

    def get_client(self, caller: Caller, client_id: str) -> dict[str, Any]:
        with self.state.lock:
            return self._client_or_404(caller, client_id).to_api()

    def client_by_fqdn(self, caller: Caller, fqdn: str) -> dict[str, Any]:
        with self.state.lock:
            for client in self.clients.values():
                if fqdn.lower() in (f.lower() for f in client.fqdns) and self._visible_client(
                    caller, client
                ):
                    return client.to_api()
            raise errors.NotFound(f"No client with fqdn {fqdn}")

    def create_native_app_instance(self, template_id: str, name: str) -> dict[str, Any]:
        """``POST /v2/api/clients`` with a ``template_id`` (no authentication): a new
        confidential client templated on a native app, with its first secret."""
        with self.state.lock:
            template = self.clients.get(_as_uuid(template_id) or "")
            if template is None or not template.public_client:
                raise errors.BadRequest(f"Invalid template_id: {template_id}")
            if not name or "\n" in name:
                raise errors.BadRequest("name is required and may not contain line breaks")
            client = self.add_client(name, "confidential_client", parent_client=template.id)
            cred = client.credentials[0]
            return {"client": client.to_api(),
                    "included": {"client_credential": cred.to_api(with_secret=True)}}

    def create_client(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        with self.state.lock:
            name = body.get("name")
            if not isinstance(name, str) or not name.strip() or "\n" in name:
                raise errors.BadRequest("name is required and may not contain line breaks")
            public, ctype = body.get("public_client"), body.get("client_type")
            if (public is None) == (ctype is None):
                raise errors.BadRequest("Exactly one of public_client or client_type is required")
            if ctype is None:
                ctype = "public_installed_client" if public else "confidential_client"
            project = body.get("project")
            parent = None
            if caller.by_token:
                self._needs(caller, "manage_projects")
                if project is None or project not in self.projects:
                    raise errors.BadRequest("A valid project is required")
                self._project_admin(caller, self.projects[project])
            else:
                parent = caller.client_id
                project = project or self.clients[caller.client_id].project
            client = self.add_client(
                name.strip(), ctype, project=project, parent_client=parent,
                redirect_uris=body.get("redirect_uris") or [],
                visibility=body.get("visibility") or "private",
                required_idp=body.get("required_idp"), preselect_idp=body.get("preselect_idp"),
                links=body.get("links") or None,
            )
            if not client.public_client:
                # Real Auth leaves credential creation to the credentials route.
                client.credentials.clear()
            return client.to_api()

    def update_client(self, caller: Caller, client_id: str, body: dict[str, Any]) -> dict:
        with self.state.lock:
            client = self._client_or_404(caller, client_id)
            for key in ("name", "visibility", "required_idp", "preselect_idp"):
                if key in body:
                    setattr(client, key, body[key])
            if "redirect_uris" in body:
                client.redirect_uris = list(body["redirect_uris"] or [])
            if "links" in body and body["links"]:
                client.links.update(body["links"])
            for key in ("public_client", "client_type"):
                if key in body and body[key] != getattr(client, key):
                    raise errors.BadRequest(f"{key} cannot be changed")
            return client.to_api()

    def delete_client(self, caller: Caller, client_id: str) -> dict[str, Any]:
        with self.state.lock:
            client = self._client_or_404(caller, client_id)
            del self.clients[client.id]
            for token in self.tokens.values():
                if token.client_id == client.id:
                    token.revoked = True
            return client.to_api()

    def list_credentials(self, caller: Caller, client_id: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return [c.to_api() for c in self._client_or_404(caller, client_id).credentials]

    def create_credential(self, caller: Caller, client_id: str, name: str) -> dict[str, Any]:
        with self.state.lock:
            client = self._client_or_404(caller, client_id)
            if client.public_client:
                raise errors.BadRequest("Public clients cannot have credentials")
            return self.add_credential(client.id, name or "").to_api(with_secret=True)

    def delete_credential(self, caller: Caller, client_id: str, cred_id: str) -> dict[str, Any]:
        with self.state.lock:
            client = self._client_or_404(caller, client_id)
            for cred in client.credentials:
                if cred.id == cred_id:
                    client.credentials.remove(cred)
                    return cred.to_api()
            raise errors.NotFound(f"Credential {cred_id} not found")

    # projects
    def _project_admin(self, caller: Caller, project: Project) -> None:
        account = self.identities[caller.identity_id].account
        admins = {self.identities[a].account for a in project.admin_ids if a in self.identities}
        if account not in admins:
            raise errors.NotFound(f"Project {project.id} not found")

    def _project_or_404(self, caller: Caller, project_id: str) -> Project:
        self._needs(caller, "manage_projects")
        project = self.projects.get(_as_uuid(project_id) or "")
        if project is None:
            raise errors.NotFound(f"Project {project_id} not found")
        self._project_admin(caller, project)
        return project

    def list_projects(self, caller: Caller) -> list[dict[str, Any]]:
        with self.state.lock:
            self._needs(caller, "manage_projects")
            out = []
            for project in self.projects.values():
                try:
                    self._project_admin(caller, project)
                except errors.NotFound:
                    continue
                out.append(project.to_api(self.identities))
            return out

    def get_project(self, caller: Caller, project_id: str) -> dict[str, Any]:
        with self.state.lock:
            return self._project_or_404(caller, project_id).to_api(self.identities)

    def create_project(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        with self.state.lock:
            self._needs(caller, "manage_projects")
            name, email = body.get("display_name"), body.get("contact_email")
            if not isinstance(name, str) or not name.strip():
                raise errors.BadRequest("display_name is required")
            if not isinstance(email, str) or "@" not in email:
                raise errors.BadRequest("contact_email must be an email address")
            admins = list(body.get("admin_ids") or [])
            if not admins and not body.get("admin_group_ids"):
                raise errors.BadRequest("At least one of admin_ids or admin_group_ids is required")
            unknown = [a for a in admins if a not in self.identities]
            if unknown:
                raise errors.BadRequest(f"Unknown identity id(s): {', '.join(unknown)}")
            project = self.add_project(name.strip(), email, admins,
                                       admin_group_ids=body.get("admin_group_ids"))
            return project.to_api(self.identities)

    def update_project(self, caller: Caller, project_id: str, body: dict[str, Any]) -> dict:
        with self.state.lock:
            project = self._project_or_404(caller, project_id)
            if "display_name" in body:
                project.display_name = body["display_name"]
            if "contact_email" in body:
                project.contact_email = body["contact_email"]
            if "admin_ids" in body:
                project.admin_ids = list(body["admin_ids"] or [])
            if "admin_group_ids" in body:
                project.admin_group_ids = body["admin_group_ids"]
            return project.to_api(self.identities)

    def delete_project(self, caller: Caller, project_id: str) -> dict[str, Any]:
        with self.state.lock:
            project = self._project_or_404(caller, project_id)
            if any(c.project == project.id for c in self.clients.values()):
                raise errors.Conflict("A project with clients cannot be deleted")
            del self.projects[project.id]
            return project.to_api(self.identities)

    # scopes
    def get_scopes(
        self, caller: Caller, *, ids: str | None, scope_strings: str | None
    ) -> list[dict[str, Any]]:
        with self.state.lock:
            if ids is not None and scope_strings is not None:
                raise errors.BadRequest("Only one of 'ids' or 'scope_strings' may be given")
            if ids is not None:
                wanted = {_as_uuid(i.strip()) for i in ids.split(",")}
                return [s.to_api() for s in self.scopes.values() if s.id in wanted]
            if scope_strings is not None:
                wanted_s = {s.strip() for s in scope_strings.split(",")}
                return [s.to_api() for s in self.scopes.values() if s.scope_string in wanted_s]
            return [s.to_api() for s in self.scopes.values()
                    if s.client is not None and self.clients.get(s.client) is not None
                    and self._visible_client(caller, self.clients[s.client])]

    def get_scope(self, caller: Caller, scope_id: str) -> dict[str, Any]:
        with self.state.lock:
            scope = self.scopes.get(_as_uuid(scope_id) or "")
            if scope is None:
                raise errors.NotFound(f"Scope {scope_id} not found")
            return scope.to_api()

    def create_scope(self, caller: Caller, client_id: str, body: dict[str, Any]) -> dict:
        with self.state.lock:
            client = self._client_or_404(caller, client_id)
            suffix = body.get("scope_suffix")
            if not isinstance(suffix, str) or not re.fullmatch(r"[A-Za-z0-9._-]+", suffix):
                raise errors.BadRequest("scope_suffix is required (letters, digits, . _ -)")
            if not body.get("name") or not body.get("description"):
                raise errors.BadRequest("name and description are required")
            deps = []
            for dep in body.get("dependent_scopes") or []:
                if dep.get("scope") not in self.scopes:
                    raise errors.BadRequest(f"Unknown dependent scope {dep.get('scope')}")
                deps.append({"scope": dep["scope"], "optional": bool(dep.get("optional")),
                             "requires_refresh_token": bool(dep.get("requires_refresh_token"))})
            scope = self._register_scope(
                f"https://auth.globus.org/scopes/{client.id}/{suffix}", client.rs_name,
                body["name"], client=client.id, description=body["description"],
                id=str(self._ids.uuid4()), dependent_scopes=deps,
                advertised=bool(body.get("advertised")),
                allows_refresh_token=body.get("allows_refresh_token", True),
                required_domains=body.get("required_domains"),
            )
            return scope.to_api()

    def update_scope(self, caller: Caller, scope_id: str, body: dict[str, Any]) -> dict:
        with self.state.lock:
            scope = self._owned_scope(caller, scope_id)
            for key in ("name", "description", "advertised", "allows_refresh_token",
                        "required_domains", "dependent_scopes"):
                if key in body:
                    setattr(scope, key, body[key])
            return scope.to_api()

    def delete_scope(self, caller: Caller, scope_id: str) -> dict[str, Any]:
        with self.state.lock:
            scope = self._owned_scope(caller, scope_id)
            del self.scopes[scope.id]
            del self._scope_by_string[scope.scope_string]
            owner = self.clients.get(scope.client or "")
            if owner and scope.id in owner.scopes:
                owner.scopes.remove(scope.id)
            return scope.to_api()

    def _owned_scope(self, caller: Caller, scope_id: str) -> Scope:
        scope = self.scopes.get(_as_uuid(scope_id) or "")
        if scope is None or scope.client is None:
            raise errors.NotFound(f"Scope {scope_id} not found")
        self._client_or_404(caller, scope.client)
        return scope

    # policies
    def list_policies(self, caller: Caller) -> list[dict[str, Any]]:
        with self.state.lock:
            self._needs(caller, "manage_projects")
            return [p.to_api() for p in self.policies.values()
                    if self._may_admin(caller, p.project_id)]

    def _may_admin(self, caller: Caller, project_id: str) -> bool:
        project = self.projects.get(project_id)
        if project is None:
            return False
        try:
            self._project_admin(caller, project)
        except errors.NotFound:
            return False
        return True

    def _policy_or_404(self, caller: Caller, policy_id: str) -> Policy:
        self._needs(caller, "manage_projects")
        policy = self.policies.get(_as_uuid(policy_id) or "")
        if policy is None or not self._may_admin(caller, policy.project_id):
            raise errors.NotFound(f"Policy {policy_id} not found")
        return policy

    def get_policy(self, caller: Caller, policy_id: str) -> dict[str, Any]:
        with self.state.lock:
            return self._policy_or_404(caller, policy_id).to_api()

    _POLICY_FIELDS = ("display_name", "description", "high_assurance",
                      "authentication_assurance_timeout", "required_mfa",
                      "domain_constraints_include", "domain_constraints_exclude")

    def create_policy(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        with self.state.lock:
            self._needs(caller, "manage_projects")
            project_id = body.get("project_id")
            if not isinstance(project_id, str) or not self._may_admin(caller, project_id):
                raise errors.BadRequest("A project_id of a project you administer is required")
            if not body.get("display_name"):
                raise errors.BadRequest("display_name is required")
            policy = Policy(id=str(self._ids.uuid4()), project_id=project_id,
                            display_name=body["display_name"])
            for key in self._POLICY_FIELDS[1:]:
                if key in body:
                    setattr(policy, key, body[key])
            self.policies[policy.id] = policy
            return policy.to_api()

    def update_policy(self, caller: Caller, policy_id: str, body: dict[str, Any]) -> dict:
        with self.state.lock:
            policy = self._policy_or_404(caller, policy_id)
            for key in self._POLICY_FIELDS:
                if key in body:
                    setattr(policy, key, body[key])
            return policy.to_api()

    def delete_policy(self, caller: Caller, policy_id: str) -> dict[str, Any]:
        with self.state.lock:
            policy = self._policy_or_404(caller, policy_id)
            del self.policies[policy.id]
            return policy.to_api()

    # --------------------------------------------------------------- discovery
    def openid_configuration(self, base: str) -> dict[str, Any]:
        base = base.rstrip("/")
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/v2/oauth2/authorize",
            "userinfo_endpoint": f"{base}/v2/oauth2/userinfo",
            "token_endpoint": f"{base}/v2/oauth2/token",
            "revocation_endpoint": f"{base}/v2/oauth2/token/revoke",
            "jwks_uri": f"{base}/jwk.json",
            "response_types_supported": ["code", "token", "token id_token", "id_token"],
            "id_token_signing_alg_values_supported": [self.key.alg],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "claims_supported": ["at_hash", "aud", "email", "exp", "name", "nonce",
                                 "preferred_username", "iat", "iss", "sub"],
            "subject_types_supported": ["public"],
        }

    def jwks(self) -> dict[str, Any]:
        return self.key.jwks()
