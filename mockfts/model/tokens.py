"""Bearer tokens: the double is its own OAuth2 provider for FTS3.

A test mints a WLCG-profile JWT for a named user and VO (:meth:`TokenAuthority.mint`);
the server validates it offline the way fts-rest-flask does (``oauth2.py``,
``openidconnect.py``): RS256 signature with the provider's keys, ``exp``/``nbf``/
``iat`` against the clock (the double's virtual one), audience among the authorized
audiences, issuer among the configured providers.

A token that fails any of these is treated as **absent**: the caller becomes
anonymous (so ``/whoami`` answers anonymously and protected routes answer 403), as
the real server does. The identity built from a valid token follows
``_build_vo_from_token_auth``: VO from the provider's configured VO, else each
``wlcg.groups`` entry without its leading slash, else the issuer's host name;
``voms_cred`` holds the scopes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mockcore.clock import Clock
from mockcore.ids import IdSource
from mockfts.model.identity import Identity, levels_for, token_delegation_id

WLCG_AUDIENCE = "https://wlcg.cern.ch/jwt/v1/any"
DEFAULT_ISSUER = "https://iam.mockfts.example/"
DEFAULT_SCOPES = ("openid", "offline_access", "fts")


@functools.lru_cache(maxsize=1)
def _process_key() -> rsa.RSAPrivateKey:
    """One signing key per process: RSA generation is slow and key bits need no seed."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def normalize_issuer(issuer: str) -> str:
    return issuer if issuer.endswith("/") else issuer + "/"


@dataclass
class Provider:
    issuer: str
    public_key: Any  # a cryptography public key, as PyJWT takes it
    vo: str | None = None


class TokenAuthority:
    """Mints tokens and validates the bearer tokens presented to the double."""

    def __init__(self, clock: Clock, ids: IdSource, issuer: str = DEFAULT_ISSUER) -> None:
        self.clock = clock
        self.ids = ids
        self.issuer = normalize_issuer(issuer)
        self._key = _process_key()
        self.kid = "mockfts-" + self._fingerprint()
        self.audiences = {WLCG_AUDIENCE}
        self.providers: dict[str, Provider] = {
            self.issuer: Provider(self.issuer, self._key.public_key())
        }
        # token -> (claims, identity) for tokens whose signature and issuer checked out;
        # time claims are still checked on every use. Decoding a JWT costs far more
        # than answering a request, and clients send the same token every time.
        self._verified: dict[str, tuple[dict, Identity]] = {}

    def _fingerprint(self) -> str:
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        import hashlib

        return hashlib.sha1(der).hexdigest()[:12]

    def add_provider(self, issuer: str, public_key_pem: bytes | str, vo: str | None = None) -> None:
        """Trust another issuer (e.g. tokens from a real IAM or the Globus double)."""
        if isinstance(public_key_pem, str):
            public_key_pem = public_key_pem.encode()
        key = serialization.load_pem_public_key(public_key_pem)
        issuer = normalize_issuer(issuer)
        self.providers[issuer] = Provider(issuer, key, vo)
        self._verified.clear()

    def mint(
        self,
        subject: str,
        vo: str | list[str] | None = None,
        *,
        scopes: tuple[str, ...] | list[str] = DEFAULT_SCOPES,
        lifetime: float = 3600.0,
        audience: str | None = WLCG_AUDIENCE,
        issuer: str | None = None,
        not_before: float | None = None,
        extra: dict | None = None,
    ) -> str:
        now = int(self.clock.time())
        groups = [vo] if isinstance(vo, str) else list(vo or [])
        claims: dict = {
            "iss": issuer or self.issuer,
            "sub": subject,
            "iat": now,
            "nbf": int(not_before) if not_before is not None else now,
            "exp": int(now + lifetime),
            "scope": " ".join(scopes),
            "jti": str(self.ids.uuid4()),
            "client_id": "mockfts-client",
            "wlcg.ver": "1.0",
        }
        if audience is not None:
            claims["aud"] = audience
        if groups:
            claims["wlcg.groups"] = ["/" + g.lstrip("/") for g in groups]
        claims.update(extra or {})
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def validate(self, token: str) -> dict | None:
        """The token's claims if the server would accept it, else None (treated as absent)."""
        checked = self._checked(token)
        return None if checked is None or not self._current(checked[0]) else checked[0]

    def identity(self, token: str) -> Identity | None:
        checked = self._checked(token)
        if checked is None or not self._current(checked[0]):
            return None
        return checked[1]

    def _current(self, claims: dict) -> bool:
        now = self.clock.time()
        if "exp" not in claims or now >= claims["exp"]:
            return False
        return not (claims.get("nbf", 0) > now or claims.get("iat", 0) > now + 60)

    def _checked(self, token: str) -> tuple[dict, Identity] | None:
        cached = self._verified.get(token)
        if cached is not None:
            return cached
        claims = self._verify(token)
        if claims is None:
            return None
        if len(self._verified) >= 4096:
            self._verified.clear()
        self._verified[token] = (claims, self._identity_of(claims, token))
        return self._verified[token]

    def _verify(self, token: str) -> dict | None:
        """Signature, issuer and audience; None when any fails."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or unverified.get("sub") is None:
            return None
        provider = self.providers.get(normalize_issuer(issuer))
        if provider is None:
            return None
        try:
            claims = jwt.decode(
                token,
                provider.public_key,
                algorithms=["RS256"],
                # Time claims are checked against the double's clock, on every use.
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                },
            )
        except jwt.PyJWTError:
            return None
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if not self.audiences.intersection(audiences):
            return None
        return claims

    def _identity_of(self, claims: dict, token: str) -> Identity:
        issuer = normalize_issuer(claims["iss"])
        subject = str(claims["sub"])
        scope = claims.get("scope") or ""
        scopes = sorted(scope.split()) if isinstance(scope, str) else sorted(scope)
        provider = self.providers[issuer]
        if provider.vo:
            vos = [provider.vo]
        elif claims.get("wlcg.groups") is not None:
            vos = []
            for group in claims["wlcg.groups"]:
                group = group[1:] if group.startswith("/") else group
                if group not in vos:
                    vos.append(group)
        else:
            vos = [urlparse(issuer).hostname or issuer]
        return Identity(
            user_dn=subject,
            dn=[subject],
            method="oauth2",
            vos=vos,
            voms_cred=scopes,
            roles=[],
            level=levels_for([]),
            delegation_id=token_delegation_id(issuer, subject),
            oauth2_scope=" ".join(scopes) if scopes else None,
            wlcg_profile="wlcg.ver" in claims,
            token=token,
        )
