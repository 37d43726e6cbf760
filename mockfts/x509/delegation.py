"""The server side of FTS proxy delegation, as a pure model (no HTTP).

The protocol (facts read from fts-rest-flask ``controllers/delegation.py`` and the ``fts3``
client's ``fts3/rest/client/delegator.py``):

1. ``GET /delegation/{id}/request``: the server makes an RSA key and a PKCS#10 request
   with subject ``O=Dummy`` signed with SHA-256, keeps the key in its credential cache
   under (delegation id, user DN) together with the user's FQANs (space-joined), and
   returns the PEM request. The key has the size of the client certificate's key
   (2048 bits when unknown); a cached request is reused until that size changes.
2. The client signs a proxy for the request's public key with its own credential and
   ``PUT``s the PEM chain: the new proxy, then the client's chain.
3. The server checks, in this order, each failure a 400 with the exact text below
   (all but the first prefixed ``Could not process the proxy: ``):

   - no cached request: ``No credential cache found``;
   - fewer than two PEM certificates (reading stops at the first unreadable block):
     ``Malformed proxy``;
   - the proxy's public key is not the cached key's:
     ``The proxy does not match the stored associated private key``;
   - the proxy's signature does not verify with the second certificate's key:
     ``Failed to verify the proxy, maybe signed with the wrong private key?``;
   - the proxy subject minus its last component is not the issuer, comparing the
     ``X509_NAME_print`` forms split on ``", "``:
     ``The subject and the issuer of the proxy do not match: <subject> != <issuer>``
     (both in that printed form, see :func:`mockfts.x509.names.compat_dn`);
   - the last subject component does not start with ``CN=``:
     ``Missing trailing Common Name in the proxy``.

   On success it stores the full proxy (proxy, cached key, rest of the chain) with
   ``termination_time`` = the earliest notAfter over the chain and the cached FQANs.

Like the real server we do not check the delegated chain against the trusted CAs, nor
that it belongs to the caller, nor its validity period: the caller's own TLS identity
was checked already. Not implemented: ``POST /delegation/{id}/voms`` (running
``voms-proxy-init`` on the delegated proxy); the browser delegation page.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from mockfts.x509.names import compat_dn
from mockfts.x509.pki import generate_key

__all__ = [
    "DEFAULT_REQUEST_KEY_BITS",
    "DelegatedCredential",
    "DelegationError",
    "DelegationRequest",
    "DelegationStore",
    "accept_credential",
    "new_request",
]

DEFAULT_REQUEST_KEY_BITS = 2048
_PREFIX = "Could not process the proxy: "
_PEM_BLOCK = re.compile(
    r"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----", re.DOTALL
)


class DelegationError(Exception):
    """A refused delegation step; the server answers HTTP 400 with :attr:`message`."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class DelegationRequest:
    """A credential-cache entry: the request sent to the client and its private key."""

    csr_pem: str
    private_key: rsa.RSAPrivateKey = field(repr=False)
    delegation_id: str = ""
    user_dn: str = ""
    voms_attrs: str = ""  # the caller's FQANs joined with spaces, as the server stores them

    @property
    def key_size(self) -> int:
        return self.private_key.key_size

    @property
    def private_key_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode("ascii")


@dataclass
class DelegatedCredential:
    """A stored delegated proxy."""

    delegation_id: str
    user_dn: str
    proxy_pem: str = field(repr=False)  # proxy, private key, then the rest of the chain
    termination_time: datetime  # aware UTC
    voms_attrs: str = ""

    @property
    def termination_time_text(self) -> str:
        """``YYYY-MM-DDTHH:MM:SS``, as ``GET /delegation/{id}`` renders it."""
        return self.termination_time.strftime("%Y-%m-%dT%H:%M:%S")

    @property
    def voms_attrs_list(self) -> list[str]:
        """The stored string split on newlines, as the server renders it.

        The server stores FQANs space-joined, so this is a one-element list, and
        ``[""]`` for a user without FQANs (a real-server quirk we keep).
        """
        return self.voms_attrs.split("\n")

    def to_json(self) -> dict[str, object]:
        return {"termination_time": self.termination_time_text, "voms_attrs": self.voms_attrs_list}


def new_request(
    key_size: int | None = None,
    *,
    delegation_id: str = "",
    user_dn: str = "",
    voms_cred: list[str] | tuple[str, ...] = (),
) -> DelegationRequest:
    """A fresh certificate request (``O=Dummy``, SHA-256) and its private key."""
    key = generate_key(key_size or DEFAULT_REQUEST_KEY_BITS)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Dummy")]))
        .sign(key, hashes.SHA256())
    )
    return DelegationRequest(
        csr_pem=csr.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        private_key=key,
        delegation_id=delegation_id,
        user_dn=user_dn,
        voms_attrs=" ".join(voms_cred),
    )


def _read_pem_certificates(body: str) -> list[x509.Certificate]:
    """PEM certificates in order, stopping at the first unreadable one (as M2Crypto)."""
    certs = []
    for match in _PEM_BLOCK.finditer(body):
        try:
            certs.append(x509.load_pem_x509_certificate(match.group(0).encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            break
    return certs


def _signature_verifies(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """The raw signature check only: names are compared separately, later."""
    key = issuer.public_key()
    algorithm = cert.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algorithm))
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError):
        return False
    return True


def _same_key(cert: x509.Certificate, private_key: rsa.RSAPrivateKey) -> bool:
    public = cert.public_key()
    return (
        isinstance(public, rsa.RSAPublicKey)
        and public.public_numbers().n == private_key.public_key().public_numbers().n
    )


def accept_credential(request: DelegationRequest | None, body: str | bytes) -> DelegatedCredential:
    """Check a ``PUT /delegation/{id}/credential`` body against the cached request.

    Raises :class:`DelegationError` with the real server's message on refusal.
    """
    if request is None:
        raise DelegationError("No credential cache found")
    text = body.decode("latin-1") if isinstance(body, bytes) else body
    certs = _read_pem_certificates(text)
    if len(certs) < 2:
        raise DelegationError(_PREFIX + "Malformed proxy")
    proxy, issuer = certs[0], certs[1]
    if not _same_key(proxy, request.private_key):
        raise DelegationError(
            _PREFIX + "The proxy does not match the stored associated private key"
        )
    if not _signature_verifies(proxy, issuer):
        raise DelegationError(
            _PREFIX + "Failed to verify the proxy, maybe signed with the wrong private key?"
        )
    subject_text, issuer_text = compat_dn(proxy.subject), compat_dn(proxy.issuer)
    subject_parts, issuer_parts = subject_text.split(", "), issuer_text.split(", ")
    if subject_parts[:-1] != issuer_parts:
        raise DelegationError(
            _PREFIX
            + f"The subject and the issuer of the proxy do not match: {subject_text} != {issuer_text}"
        )
    if not subject_parts[-1].startswith("CN="):
        raise DelegationError(_PREFIX + "Missing trailing Common Name in the proxy")

    pem = [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs]
    return DelegatedCredential(
        delegation_id=request.delegation_id,
        user_dn=request.user_dn,
        proxy_pem=pem[0] + request.private_key_pem + "".join(pem[1:]),
        termination_time=min(c.not_valid_after_utc for c in certs),
        voms_attrs=request.voms_attrs,
    )


class DelegationStore:
    """The server's credential cache and delegated credentials, keyed by (id, DN).

    Thread-safe; holds no clock (expiry is the caller's comparison of
    ``termination_time`` with its own clock).
    """

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str], DelegationRequest] = {}
        self._credentials: dict[tuple[str, str], DelegatedCredential] = {}
        self._lock = threading.Lock()

    def request(
        self,
        delegation_id: str,
        user_dn: str,
        *,
        key_size: int | None = None,
        voms_cred: list[str] | tuple[str, ...] = (),
    ) -> DelegationRequest:
        """The cached request for (id, DN), or a new one if none or the key size differs."""
        wanted = key_size or DEFAULT_REQUEST_KEY_BITS
        with self._lock:
            cached = self._requests.get((delegation_id, user_dn))
            if cached is not None and cached.key_size == wanted:
                return cached
        fresh = new_request(
            wanted, delegation_id=delegation_id, user_dn=user_dn, voms_cred=voms_cred
        )
        with self._lock:
            self._requests[(delegation_id, user_dn)] = fresh
        return fresh

    def put(self, delegation_id: str, user_dn: str, body: str | bytes) -> DelegatedCredential:
        with self._lock:
            cached = self._requests.get((delegation_id, user_dn))
        credential = accept_credential(cached, body)
        with self._lock:
            self._credentials[(delegation_id, user_dn)] = credential
        return credential

    def get(self, delegation_id: str, user_dn: str) -> DelegatedCredential | None:
        with self._lock:
            return self._credentials.get((delegation_id, user_dn))

    def delete(self, delegation_id: str, user_dn: str) -> bool:
        """Forget the delegated credential; False when there was none (the 404 case)."""
        with self._lock:
            return self._credentials.pop((delegation_id, user_dn), None) is not None

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._credentials.clear()
