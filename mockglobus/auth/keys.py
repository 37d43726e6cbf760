"""The key Auth signs id_tokens with, and its public half as a JWK set.

RSA key generation cannot be driven by the seeded id source, and takes a noticeable
fraction of a second, so one key is made per process and shared by every double
(id_tokens are therefore not byte-identical between runs; their claims are). Pass a
PEM to :class:`SigningKey` to pin one.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

#: What the real service signs with (its discovery document lists only this).
DEFAULT_ALG = "RS512"
_HASHES = {"RS256": hashlib.sha256, "RS384": hashlib.sha384, "RS512": hashlib.sha512}


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class SigningKey:
    def __init__(self, private_key: rsa.RSAPrivateKey, alg: str = DEFAULT_ALG) -> None:
        if alg not in _HASHES:
            raise ValueError(
                f"unsupported id_token algorithm {alg!r}; use one of {sorted(_HASHES)}"
            )
        self.private_key = private_key
        self.alg = alg

    @classmethod
    def from_pem(cls, pem: bytes, alg: str = DEFAULT_ALG) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("id_token signing key must be RSA")
        return cls(key, alg)

    def jwks(self) -> dict[str, Any]:
        """The JWK set: one key, no ``kid`` (the SDK reads ``keys[0]``)."""
        numbers = self.private_key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "alg": self.alg,
                    "e": _b64(numbers.e),
                    "kty": "RSA",
                    "n": _b64(numbers.n),
                    "use": "sig",
                }
            ]
        }

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm=self.alg, headers={"typ": "JWT"})

    def at_hash(self, access_token: str) -> str:
        """OIDC ``at_hash``: left half of the token's hash under the signing hash."""
        digest = _HASHES[self.alg](access_token.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


@functools.cache
def process_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
