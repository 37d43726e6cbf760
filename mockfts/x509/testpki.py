"""A test PKI on disk: one CA, its trust directory, users, proxies, a host certificate.

What a test or a shell user needs to point the real ``fts3`` client (or curl) at the
fake over TLS::

    pki = TestPKI(tmp_path / "pki")
    proxy = pki.user("/DC=org/DC=example/CN=Test User").proxy(vo="dteam")
    proxy.path            # X509_USER_PROXY file (mode 0600)
    pki.capath            # X509_CERT_DIR / capath (hashed names)
    pki.ca_bundle         # single-file bundle for requests' verify=
    proxy.delegation_id   # what /whoami will report
    pki.vomsdir           # X509_VOMS_DIR: the VOMS server certificate, for voms-proxy-info

Layout of ``directory`` (stable, so ``mockfts make-ca`` and ``make-proxy`` in two
shell commands work on the same CA)::

    ca/cacert.pem, ca/cakey.pem        the CA (reused if present)
    certificates/<hash>.0 -> ...pem    capath
    ca-bundle.pem
    host/hostcert.pem, host/hostkey.pem
    voms/vomscert.pem, voms/vomskey.pem  the test VOMS server that signs every proxy's AC
    vomsdir/voms.example.org.pem       X509_VOMS_DIR: that certificate, which
                                       voms-proxy-info and gridsite look for there
    users/<slug>/usercert.pem, userkey.pem, user.pem (cert+key), x509up_<serial>

TLS needs 2048-bit keys along the whole chain (OpenSSL security level 2 refuses
smaller ones on both sides), so a ``key_bits=1024`` PKI is for tests without TLS;
the host certificate is always at least 2048 bits.

Not implemented: more than one trusted CA per directory (use
:func:`~mockfts.x509.pki.write_ca_dir` directly), revocation.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mockcore.clock import Clock, ScaledClock
from mockfts.x509.pki import (
    DEFAULT_CA_DN,
    DEFAULT_HOST_DN,
    DEFAULT_KEY_BITS,
    DEFAULT_VOMS_HOST,
    CertificateAuthority,
    Credential,
    _pem,
    write_ca_bundle,
    write_ca_dir,
)

__all__ = ["TestPKI"]


def _slug(dn: str) -> str:
    cn = dn.rsplit("=", 1)[-1]
    readable = re.sub(r"[^A-Za-z0-9]+", "-", cn).strip("-").lower() or "user"
    return f"{readable}-{hashlib.sha256(dn.encode()).hexdigest()[:8]}"


class TestPKI:
    """A CA and everything around it, kept in ``directory``."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        ca_dn: str = DEFAULT_CA_DN,
        key_bits: int = DEFAULT_KEY_BITS,
        clock: Clock | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.key_bits = key_bits
        self.clock = clock or ScaledClock(speed=1.0)
        ca_cert = self.directory / "ca" / "cacert.pem"
        ca_key = self.directory / "ca" / "cakey.pem"
        if ca_cert.exists() and ca_key.exists():
            self.ca = CertificateAuthority.load(
                ca_cert.read_bytes(), ca_key.read_bytes(), clock=self.clock
            )
        else:
            self.ca = CertificateAuthority.create(ca_dn, key_bits=key_bits, clock=self.clock)
            _write_pair(ca_cert, ca_key, self.ca)
        self.capath = write_ca_dir(self.directory / "certificates", [self.ca.cert])
        self.ca_bundle = write_ca_bundle(self.directory / "ca-bundle.pem", [self.ca.cert])
        self.vomsdir = self.directory / "vomsdir"
        self.ca.voms = self._voms_server()
        self._host: Credential | None = None

    def _voms_server(self) -> Credential:
        """The VOMS server credential from ``voms/``, made (and put in the vomsdir) once."""
        cert_path = self.directory / "voms" / "vomscert.pem"
        key_path = self.directory / "voms" / "vomskey.pem"
        if cert_path.exists() and key_path.exists():
            loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            assert isinstance(loaded, rsa.RSAPrivateKey)
            cred = Credential(x509.load_pem_x509_certificate(cert_path.read_bytes()), loaded)
        else:
            cred = self.ca.voms_server(key_bits=self.key_bits)
            _write_pair(cert_path, key_path, cred)
        self.vomsdir.mkdir(parents=True, exist_ok=True)
        (self.vomsdir / f"{DEFAULT_VOMS_HOST}.pem").write_text(cred.cert_pem)
        cred.path = cert_path
        return cred

    @property
    def voms(self) -> Credential:
        """The test VOMS server (``cert_pem``, ``key_pem``, ``path``): the signer of
        every VOMS proxy this PKI makes, and a ``-hostcert`` for ``voms-proxy-fake``."""
        return self.ca.voms_server()

    @property
    def voms_key_path(self) -> Path:
        return self.directory / "voms" / "vomskey.pem"

    @property
    def trusted(self) -> list[x509.Certificate]:
        """The trust anchors, for :func:`mockfts.x509.identity.identity_from_chain`."""
        return [self.ca.cert]

    def user(
        self,
        dn: str,
        *,
        key_bits: int | None = None,
        key: rsa.RSAPrivateKey | None = None,
        lifetime: timedelta = timedelta(days=365),
        expired: bool = False,
        fresh: bool = False,
    ) -> Credential:
        """The user certificate for ``dn``, created once and reused from disk after.

        ``fresh`` (or ``expired``) always issues a new one. Proxies made from the
        returned credential are written next to it automatically.
        """
        home = self.directory / "users" / _slug(dn)
        cert_path, key_path = home / "usercert.pem", home / "userkey.pem"
        if not (fresh or expired) and cert_path.exists() and key_path.exists():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            assert isinstance(loaded, rsa.RSAPrivateKey)
            cred = Credential(cert, loaded, clock=self.clock, home=home, authority=self.ca)
            cred.path = home / "user.pem"
            return cred
        cred = self.ca.user(
            dn,
            key_bits=key_bits or self.key_bits,
            key=key,
            lifetime=lifetime,
            expired=expired,
            home=home,
        )
        _write_pair(cert_path, key_path, cred)
        cred.write(home / "user.pem")
        return cred

    def host(self, dn: str = DEFAULT_HOST_DN) -> Credential:
        """The server certificate (SAN localhost, 127.0.0.1), created once per instance.

        ``host_cert_path``/``host_key_path`` are set on the returned credential.
        """
        if self._host is None or self._host.dn != dn:
            # OpenSSL's default security level refuses server keys under 2048 bits.
            cred = self.ca.host(dn, key_bits=max(self.key_bits, 2048))
            _write_pair(self.host_cert_path, self.host_key_path, cred)
            cred.path = self.host_cert_path
            self._host = cred
        return self._host

    @property
    def host_cert_path(self) -> Path:
        return self.directory / "host" / "hostcert.pem"

    @property
    def host_key_path(self) -> Path:
        return self.directory / "host" / "hostkey.pem"

    def foreign_ca(self, dn: str = "/DC=org/DC=elsewhere/CN=Foreign CA") -> CertificateAuthority:
        """A CA this PKI does not trust (same DN as ours is allowed: an impostor)."""
        return CertificateAuthority.create(dn, key_bits=self.key_bits, clock=self.clock)

    def environ(self, credential: Credential) -> dict[str, str]:
        """The environment a grid client needs to use ``credential`` against our CA."""
        if credential.path is None:
            raise ValueError("the credential has not been written to a file")
        return {
            "X509_USER_PROXY": str(credential.path),
            "X509_CERT_DIR": str(self.capath),
            "X509_VOMS_DIR": str(self.vomsdir),
        }

    def shell_exports(self, credential: Credential) -> str:
        return "".join(
            f"export {k}={_shell_quote(v)}\n" for k, v in self.environ(credential).items()
        )

    def __repr__(self) -> str:
        return f"<TestPKI {str(self.directory)!r} ca={self.ca.dn!r}>"


def _write_pair(cert_path: Path, key_path: Path, cred: Credential | CertificateAuthority) -> None:
    """A certificate and its key (mode 0600) side by side, as grid tools keep them."""
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.write_text(_pem(cred.cert))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(cred.key_pem)


def _shell_quote(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:=+-]+", value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"
