"""What Globus Auth keeps: identities, providers, clients, projects, scopes, policies,
consents, sessions, codes and tokens. Plain records; rules live in :mod:`.model`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()


#: Client types Auth knows, and the grant types each may use.
CLIENT_TYPES: dict[str, tuple[str, ...]] = {
    "public_installed_client": ("authorization_code", "refresh_token"),
    "confidential_client": ("authorization_code", "client_credentials", "refresh_token"),
    "client_identity": ("client_credentials",),
    "resource_server": (
        "authorization_code",
        "client_credentials",
        "refresh_token",
        "urn:globus:auth:grant_type:dependent_token",
    ),
    "globus_connect_server": (
        "client_credentials",
        "urn:globus:auth:grant_type:dependent_token",
    ),
    "hybrid_confidential_client_resource_server": (
        "authorization_code",
        "client_credentials",
        "refresh_token",
        "urn:globus:auth:grant_type:dependent_token",
    ),
    "public_webapp_client": ("authorization_code", "refresh_token"),
}
PUBLIC_TYPES = ("public_installed_client", "public_webapp_client")


@dataclass
class IdentityProvider:
    id: str
    name: str
    short_name: str
    domains: list[str]
    alternative_names: list[str] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "short_name": self.short_name,
            "domains": list(self.domains),
            "alternative_names": list(self.alternative_names),
        }


@dataclass
class Identity:
    id: str
    username: str
    identity_provider: str
    name: str | None = None
    email: str | None = None
    organization: str | None = None
    status: str = "used"  # unused | used | private | closed
    identity_type: str = "login"  # login | client
    account: str = ""  # id of the primary identity of the identity set this one is in

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "status": self.status,
            "identity_provider": self.identity_provider,
            "identity_type": self.identity_type,
            "name": self.name,
            "email": self.email,
            "organization": self.organization,
        }


@dataclass
class Credential:
    id: str
    name: str
    client: str
    created: float
    secret: str

    def to_api(self, *, with_secret: bool = False) -> dict[str, Any]:
        return {
            "name": self.name,
            "id": self.id,
            "created": iso(self.created),
            "client": self.client,
            "secret": self.secret if with_secret else None,
        }


@dataclass
class Client:
    id: str
    name: str
    client_type: str
    project: str | None = None
    redirect_uris: list[str] = field(default_factory=list)
    parent_client: str | None = None
    visibility: str = "private"
    required_idp: str | None = None
    preselect_idp: str | None = None
    fqdns: list[str] = field(default_factory=list)
    links: dict[str, str | None] = field(
        default_factory=lambda: {"privacy_policy": None, "terms_and_conditions": None}
    )
    scopes: list[str] = field(default_factory=list)  # ids of scopes this client owns
    credentials: list[Credential] = field(default_factory=list)
    prompt_for_named_grant: bool = False
    userinfo_from_effective_identity: bool = True
    resource_server: str | None = None  # RS name its scopes serve; defaults to the id

    @property
    def public_client(self) -> bool:
        return self.client_type in PUBLIC_TYPES

    @property
    def grant_types(self) -> tuple[str, ...]:
        return CLIENT_TYPES[self.client_type]

    @property
    def rs_name(self) -> str:
        return self.resource_server or self.id

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "public_client": self.public_client,
            "client_type": self.client_type,
            "grant_types": list(self.grant_types),
            "project": self.project,
            "redirect_uris": list(self.redirect_uris),
            "parent_client": self.parent_client,
            "visibility": self.visibility,
            "required_idp": self.required_idp,
            "preselect_idp": self.preselect_idp,
            "fqdns": list(self.fqdns),
            "links": dict(self.links),
            "scopes": list(self.scopes),
            "prompt_for_named_grant": self.prompt_for_named_grant,
            "userinfo_from_effective_identity": self.userinfo_from_effective_identity,
        }


@dataclass
class Project:
    id: str
    display_name: str
    contact_email: str
    admin_ids: list[str] = field(default_factory=list)
    admin_group_ids: list[str] | None = None

    def to_api(self, identities: dict[str, Identity]) -> dict[str, Any]:
        return {
            "id": self.id,
            "display_name": self.display_name,
            "project_name": self.display_name,
            "contact_email": self.contact_email,
            "admin_ids": list(self.admin_ids),
            "admin_group_ids": self.admin_group_ids,
            "admins": {
                "identities": [identities[i].to_api() for i in self.admin_ids if i in identities],
                "groups": [],
            },
        }


@dataclass
class Scope:
    id: str
    scope_string: str
    resource_server: str
    name: str
    description: str = ""
    client: str | None = None
    advertised: bool = False
    allows_refresh_token: bool = True
    required_domains: list[str] = field(default_factory=list)
    # [{"scope": <scope id>, "optional": bool, "requires_refresh_token": bool}]
    dependent_scopes: list[dict[str, Any]] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope_string": self.scope_string,
            "name": self.name,
            "description": self.description,
            "client": self.client,
            "advertised": self.advertised,
            "allows_refresh_token": self.allows_refresh_token,
            "required_domains": list(self.required_domains),
            "dependent_scopes": [dict(d) for d in self.dependent_scopes],
        }


@dataclass
class Policy:
    id: str
    project_id: str
    display_name: str
    description: str = ""
    high_assurance: bool = False
    authentication_assurance_timeout: int | None = None
    required_mfa: bool = False
    domain_constraints_include: list[str] | None = None
    domain_constraints_exclude: list[str] | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "project_id": self.project_id,
            "display_name": self.display_name,
            "description": self.description,
            "high_assurance": self.high_assurance,
            "authentication_assurance_timeout": self.authentication_assurance_timeout,
            "required_mfa": self.required_mfa,
            "domain_constraints_include": self.domain_constraints_include,
            "domain_constraints_exclude": self.domain_constraints_exclude,
        }


@dataclass
class Consent:
    """One node of a consent forest: an identity allowed a client a scope, possibly
    beneath another consent (``parent``), e.g. data_access beneath transfer:all."""

    id: int
    identity_id: str
    client_id: str
    scope_string: str
    scope_id: str
    parent: int | None
    path: list[int]
    created: float
    last_used: float
    allows_refresh: bool = True
    auto_approved: bool = False
    status: str = "approved"

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "scope": self.scope_id,
            "scope_name": self.scope_string,
            "client": self.client_id,
            "effective_identity": self.identity_id,
            "dependency_path": list(self.path),
            "allows_refresh": self.allows_refresh,
            "atomically_revocable": len(self.path) > 1,
            "auto_approved": self.auto_approved,
            "created": iso(self.created),
            "updated": iso(self.created),
            "last_used": iso(self.last_used),
        }


@dataclass
class Session:
    id: str
    account: str = ""  # the primary identity of the account that logged in
    # identity id -> {"auth_time", "idp", "acr", "amr", "custom_claims"}
    authentications: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {
            "session_id": self.id,
            "authentications": {k: dict(v) for k, v in self.authentications.items()},
        }


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str  # as requested, already validated
    state: str | None
    challenge: str | None
    challenge_method: str | None
    offline: bool
    identity_id: str  # the account's primary identity
    session_id: str
    expires_at: float
    consent_ids: dict[str, int]  # root scope -> consent node
    named_grant: str | None = None
    nonce: str | None = None  # OIDC: echoed in the id_token
    used: bool = False
    grant_id: str | None = None  # tokens issued from it (revoked if the code is replayed)


@dataclass
class Token:
    value: str
    kind: str  # "access" | "refresh"
    identity_id: str
    client_id: str
    resource_server: str
    scopes: tuple[str, ...]
    consent_ids: dict[str, int]
    issued_at: float
    expires_at: float | None  # None: refresh tokens live until revoked
    grant_id: str  # every token of one grant shares it; revoking a refresh token ends it
    session_id: str | None = None
    revoked: bool = False

    def active(self, now: float) -> bool:
        return not self.revoked and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True)
class TokenInfo:
    """What a resource server learns about a valid access token."""

    identity_id: str
    username: str
    client_id: str
    scopes: frozenset[str]
    resource_server: str
    expires_at: float
    issued_at: float
    name: str | None = None
    email: str | None = None
    identity_set: tuple[str, ...] = ()
    #: The session the token was issued in (introspect's ``session_info`` shape);
    #: ``{"session_id": None, "authentications": {}}`` for a token without one.
    session_info: dict[str, Any] = field(
        default_factory=lambda: {"session_id": None, "authentications": {}}
    )
