"""Fixtures for the X.509 suite: one CA and a few users per session, 1024-bit keys.

Key generation dominates the cost, so keys are made once; tests that need a fresh
credential mint proxies (cheap at 1024 bits) from the shared users.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from mockcore.clock import ManualClock
from mockfts.x509.pki import generate_key
from mockfts.x509.testpki import TestPKI

USER_DN = "/DC=org/DC=example/CN=Test User"
OTHER_DN = "/DC=org/DC=example/CN=Other User"


@pytest.fixture(scope="session")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory, clock: ManualClock) -> TestPKI:
    return TestPKI(tmp_path_factory.mktemp("pki"), key_bits=1024, clock=clock)


@pytest.fixture(scope="session")
def user(pki: TestPKI):
    return pki.user(USER_DN)


@pytest.fixture(scope="session")
def other_user(pki: TestPKI):
    return pki.user(OTHER_DN)


@pytest.fixture(scope="session")
def spare_key() -> rsa.RSAPrivateKey:
    """A key for proxies whose key does not matter."""
    return generate_key(1024)


@pytest.fixture(scope="session")
def sign(clock: ManualClock) -> Callable[..., x509.Certificate]:
    """Build an arbitrary (possibly malformed) certificate, for negative tests."""

    def build(
        subject: x509.Name,
        issuer: x509.Name,
        public_key: rsa.RSAPublicKey,
        signer: rsa.RSAPrivateKey,
        *,
        start: datetime | None = None,
        lifetime: timedelta = timedelta(hours=12),
        extensions: list[tuple[x509.ExtensionType, bool]] = (),
        serial: int = 4242,
    ) -> x509.Certificate:
        start = start or clock.now() - timedelta(minutes=5)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(start + lifetime)
        )
        for ext, critical in extensions:
            builder = builder.add_extension(ext, critical=critical)
        return builder.sign(signer, hashes.SHA256())

    return build
