"""Login sessions: who authenticated, when and how (MFA), and the session requirements an
authorize request makes (``session_required_*``, ``prompt=login``).

The double has one non-interactive "browser" holding one session at a time. A login by a
user of the account that owns it reuses it (the user is not asked again, so the
authentication times stay); a login by another account starts a new session.

Behaviour chosen where the reference is silent:

* the simulated user is cooperative: when a requirement names an identity, domain or
  policy that one of the user's *linked* identities satisfies, the user also logs in with
  that identity (it joins the session with a fresh ``auth_time``); when no linked
  identity can, the login is refused with ``access_denied`` (the authorize route
  redirects back with it, :meth:`get_auth_code` raises it);
* ``session_required_identities`` and ``session_required_single_domain`` are met by *one*
  of the listed identities / domains; a domain matches the part of an identity's username
  after ``@`` exactly (case-insensitive, no wildcards); policy domain constraints likewise;
* MFA happens only when the login says so (``mfa=True`` / ``login_mfa=true``); it is
  recorded per authentication as ``"amr": ["mfa"]`` (``null`` otherwise). MFA is required
  of the identity the user logs in as; an MFA authentication still in the session counts;
* a policy is met by one identity in the session that passes its domain constraints and,
  if ``required_mfa``, authenticated with MFA and, if ``high_assurance`` with an
  ``authentication_assurance_timeout``, authenticated at most that many seconds ago
  (a stale authentication makes the user authenticate again, renewing ``auth_time``);
* ``prompt=login`` re-authenticates the login identity (its ``auth_time`` renews); any
  other ``prompt`` value is refused with ``invalid_request``; unknown policy ids likewise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockglobus.auth import errors
from mockglobus.auth.entities import Identity, Policy, Session
from mockglobus.auth.part import AuthPart

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.accounts import Accounts
    from mockglobus.auth.tables import Tables

_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no", "")


def _commas(value: str | None) -> list[str]:
    return [s.strip() for s in (value or "").split(",") if s.strip()]


def domain_of(identity: Identity) -> str:
    return identity.username.rsplit("@", 1)[-1].lower()


@dataclass
class SessionRequirements:
    """What an authorize request demands of the session it will be answered in."""

    identities: list[str] = field(default_factory=list)
    single_domain: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    mfa: bool = False
    fresh: bool = False  # prompt=login

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> SessionRequirements:
        """Read the ``session_required_*`` and ``prompt`` parameters; a malformed
        value raises :class:`~.errors.InvalidRequest`."""
        mfa = params.get("session_required_mfa", "").strip().lower()
        if mfa not in _TRUE + _FALSE:
            raise errors.InvalidRequest("session_required_mfa must be true or false")
        prompt = params.get("prompt")
        if prompt not in (None, "", "login"):
            raise errors.InvalidRequest(f"Unsupported prompt value: {prompt}")
        return cls(
            identities=_commas(params.get("session_required_identities")),
            single_domain=[
                d.lower() for d in _commas(params.get("session_required_single_domain"))
            ],
            policies=_commas(params.get("session_required_policies")),
            mfa=mfa in _TRUE,
            fresh=prompt == "login",
        )


class Sessions(AuthPart):
    """Logging a user in to the browser's session so that it meets the requirements."""

    def __init__(self, state: ServiceState, tables: Tables, accounts: Accounts) -> None:
        super().__init__(state, tables)
        self.accounts = accounts

    def _policy_domains_ok(self, policy: Policy, ident: Identity) -> bool:
        domain = domain_of(ident)
        include = [d.lower() for d in policy.domain_constraints_include or []]
        exclude = [d.lower() for d in policy.domain_constraints_exclude or []]
        return (not include or domain in include) and domain not in exclude

    def _policy_met(
        self, policy: Policy, ident: Identity, auth: dict[str, Any], now: float
    ) -> bool:
        if not self._policy_domains_ok(policy, ident):
            return False
        if policy.required_mfa and not auth.get("amr"):
            return False
        timeout = policy.authentication_assurance_timeout
        return not (
            policy.high_assurance and timeout is not None and now - auth["auth_time"] > timeout
        )

    def log_in(self, ident: Identity, wants: SessionRequirements, *, mfa: bool) -> Session:
        """``ident`` logs in (with MFA if ``mfa``) to the browser's session and meets
        ``wants``; the session, updated only if every requirement is met. Raises
        :class:`~.errors.AccessDenied` naming the first unmet requirement."""
        tables = self.tables
        now = self.now()
        session = tables.sessions.get(tables.browser_session or "")
        if session is None or session.account != ident.account:
            session = Session(id=str(self.ids.uuid4()), account=ident.account)
        auths = {k: dict(v) for k, v in session.authentications.items()}
        members = self.accounts.identity_set(ident.id)
        by_id = {i.id: i for i in members}

        def authenticate(i: Identity) -> None:
            auths[i.id] = {
                "acr": None,
                "amr": ["mfa"] if mfa else None,
                "auth_time": int(now),
                "custom_claims": {},
                "idp": i.identity_provider,
            }

        def one_of(candidates: list[Identity], unmet: str) -> None:
            if not candidates:
                raise errors.AccessDenied(unmet)
            if not any(i.id in auths for i in candidates):
                authenticate(candidates[0])

        if wants.fresh or ident.id not in auths:
            authenticate(ident)
        if wants.identities:
            named = {w.lower() for w in wants.identities}
            one_of(
                [i for i in members if i.id in named or i.username.lower() in named],
                "The session requires an identity this user does not have",
            )
        if wants.single_domain:
            one_of(
                [i for i in members if domain_of(i) in wants.single_domain],
                "The session requires an identity from one of these domains, which this "
                "user does not have: " + ", ".join(wants.single_domain),
            )
        if wants.mfa and not auths[ident.id]["amr"]:
            if not mfa:
                raise errors.AccessDenied("The session requires multi-factor authentication")
            authenticate(ident)
        for policy in (tables.policies[p] for p in wants.policies):
            if any(
                self._policy_met(policy, by_id[i], a, now) for i, a in auths.items() if i in by_id
            ):
                continue
            fits = [i for i in members if self._policy_domains_ok(policy, i)]
            if not fits:
                raise errors.AccessDenied(
                    f"No identity of this user satisfies the policy {policy.display_name!r}"
                )
            if policy.required_mfa and not mfa:
                raise errors.AccessDenied(
                    f"The policy {policy.display_name!r} requires multi-factor authentication"
                )
            authenticate(next((i for i in fits if i.id in auths), fits[0]))
        session.authentications = auths
        for i in members:
            if i.id in auths and i.status == "unused":
                i.status = "used"
        tables.sessions[session.id] = session
        tables.browser_session = session.id
        tables.changed()
        return session
