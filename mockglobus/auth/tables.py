"""What the parts of the Auth model share: its settings, and every table that
:meth:`AuthModel.reset <mockglobus.auth.model.AuthModel.reset>` empties and seeds again."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from mockglobus.auth.entities import (
    AuthorizationCode,
    Client,
    Consent,
    Identity,
    IdentityProvider,
    Policy,
    Project,
    Scope,
    Session,
    Token,
)

ACCESS_TOKEN_LIFETIME = 172_800  # 48 h, as the real service


@dataclass
class Settings:
    """How lenient the double is, and how long what it issues lives (see :mod:`.model`)."""

    permissive: bool = True
    rotate_refresh_tokens: bool = False
    access_token_lifetime: int = ACCESS_TOKEN_LIFETIME


@dataclass
class Tables:
    """Every table of the model, with its indexes. One object for the model's lifetime:
    :meth:`clear` empties it in place, so the parts holding it stay valid."""

    idps: dict[str, IdentityProvider] = field(default_factory=dict)
    identities: dict[str, Identity] = field(default_factory=dict)
    by_username: dict[str, str] = field(default_factory=dict)  # lower-case username -> id
    clients: dict[str, Client] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    scopes: dict[str, Scope] = field(default_factory=dict)
    scope_by_string: dict[str, str] = field(default_factory=dict)  # scope string -> id
    policies: dict[str, Policy] = field(default_factory=dict)
    consents: dict[int, Consent] = field(default_factory=dict)
    consent_seq: int = 100_000
    sessions: dict[str, Session] = field(default_factory=dict)
    #: The session of the non-interactive browser (see :mod:`.sessions`).
    browser_session: str | None = None
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    #: Username the non-interactive "browser" is logged in as: when set, the authorize
    #: URL redirects at once instead of showing the login page.
    browser_user: str | None = None
    #: Who ``get_auth_code()``/``token_for()`` act as when no user is named.
    default_user: str | None = None
    #: Bumped by :meth:`changed` whenever what a token's holder is changes (identities,
    #: links, sessions, consents; a reset): caches of resolved callers compare it.
    generation: int = 0

    def changed(self) -> None:
        self.generation += 1

    def clear(self) -> None:
        """Every table empty, every index and counter back to its start (except
        :attr:`generation`, which moves on)."""
        fresh = Tables()
        generation = self.generation + 1
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))
        self.generation = generation


__all__ = ["ACCESS_TOKEN_LIFETIME", "Settings", "Tables"]
