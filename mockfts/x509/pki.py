"""Mint a test grid PKI: CA, user and host certificates, RFC 3820 and VOMS-style proxies.

Everything is built with ``cryptography``; nothing shells out to ``openssl``. The
shapes follow what real grid tools produce, as far as the FTS server, the ``fts3``
client, OpenSSL and ``requests`` can tell:

- **CA**: self-signed, ``basicConstraints CA:TRUE`` (critical), ``keyUsage
  keyCertSign, cRLSign``, subject key identifier.
- **User (EEC)**: grid-style subject such as ``/DC=org/DC=example/CN=Test User``
  (RDN order exactly as the slash form), ``CA:FALSE``, ``keyUsage digitalSignature,
  keyEncipherment`` (a proxy's issuer must be allowed to sign), EKU clientAuth.
- **Host**: subject ``/DC=org/DC=example/OU=computers/CN=localhost``, SAN DNS
  ``localhost`` + IP ``127.0.0.1``, EKU serverAuth and clientAuth.
- **RFC 3820 proxy** (what ``voms-proxy-init``/``grid-proxy-init -rfc`` and the
  ``fts3`` delegator make): subject = issuer subject + ``CN=<proxy serial in
  decimal>``, critical ``proxyCertInfo`` (OID 1.3.6.1.5.5.7.1.14) with policy language
  id-ppl-inheritAll (1.3.6.1.5.5.7.21.1) and no path length, critical ``keyUsage
  digitalSignature, keyEncipherment``, critical ``CA:FALSE``, authority key id.
  ``notBefore`` is backdated 5 minutes (clock skew, as the VOMS clients do) and
  ``notAfter`` never exceeds the issuer's.
- **Legacy (pre-RFC, "GT2") proxy**: subject + ``CN=proxy`` (``CN=limited proxy`` if
  limited), no ``proxyCertInfo``. OpenSSL does not accept these in a TLS handshake
  (only gridsite's own verify callback did); the identity code accepts them.
- **VOMS proxy**: what ``voms-proxy-init --voms`` makes: an RFC 3281 attribute
  certificate for the user's certificate, signed by a VOMS server, in the proxy's
  non-critical extension 1.3.6.1.4.1.8005.100.100.5 (see :mod:`mockfts.x509.voms`).
  The VOMS server is a host certificate of the same test CA,
  ``/DC=org/DC=example/OU=computers/CN=voms.example.org``
  (:meth:`CertificateAuthority.voms_server`), so ``voms-proxy-info`` verifies it
  with the CA directory and a vomsdir holding that certificate.

The proxy file (``X509_USER_PROXY``) is the proxy certificate, its unencrypted
private key (PKCS#1 ``RSA PRIVATE KEY``, as ``voms-proxy-init`` writes), then the
issuer chain without the root CA; mode 0600. The CA directory (``X509_CERT_DIR``,
``capath``) holds ``<subject hash>.0`` files (OpenSSL's hash, see
:mod:`mockfts.x509.names`); a single-file bundle is written next to it for
``requests``' ``verify=``.

Keys are RSA, 2048 bits by default; 1024 is allowed for fast tests.
Not implemented: intermediate CAs (verification supports them, minting does not),
CRLs and ``.signing_policy``/``.namespaces`` files, EC keys, key encryption.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier
from pyasn1.codec.der import encoder
from pyasn1_modules import rfc3820

from mockcore.clock import Clock, ScaledClock
from mockfts.model.identity import delegation_id_for
from mockfts.x509 import voms
from mockfts.x509.names import compat_dn, name_from_slash, slash_dn, subject_hash_hex
from mockfts.x509.voms import VomsAttributes

__all__ = [
    "DEFAULT_KEY_BITS",
    "PROXY_CERT_INFO_OID",
    "VOMS_EXTENSION_OID",
    "CertificateAuthority",
    "Credential",
    "VomsAttributes",
    "compat_dn",
    "delegation_id",
    "generate_key",
    "is_proxy",
    "name_from_slash",
    "proxy_type",
    "slash_dn",
    "subject_hash_hex",
    "voms_attributes",
    "write_ca_bundle",
    "write_ca_dir",
]

DEFAULT_KEY_BITS = 2048
PROXY_CERT_INFO_OID = ObjectIdentifier("1.3.6.1.5.5.7.1.14")
VOMS_EXTENSION_OID = voms.ACSEQ_OID
_SKEW = timedelta(minutes=5)

DEFAULT_CA_DN = "/DC=org/DC=example/CN=Transfer Doubles Test CA"
DEFAULT_HOST_DN = "/DC=org/DC=example/OU=computers/CN=localhost"
DEFAULT_VOMS_SERVER = "/DC=org/DC=example/OU=computers/CN=voms.example.org"
DEFAULT_VOMS_HOST = "voms.example.org"


def generate_key(bits: int = DEFAULT_KEY_BITS) -> rsa.RSAPrivateKey:
    if bits not in (1024, 2048, 3072, 4096):
        raise ValueError(f"unsupported RSA key size {bits}")
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def delegation_id(user_dn: str, fqans: Iterable[str] = ()) -> str:
    """FTS delegation id (fts-rest-flask ``credentials.generate_delegation_id``), computed by
    the one implementation the REST layer uses too."""
    return delegation_id_for(user_dn, list(fqans))


# --------------------------------------------------------------------------- VOMS


def voms_attributes(cert: x509.Certificate) -> VomsAttributes | None:
    """The first VOMS AC of ``cert``, None if it has no VOMS extension.

    Raises :class:`ValueError` when the extension exists but holds no readable AC.
    Nothing is verified here (see :func:`mockfts.x509.voms.check`).
    """
    acs = voms.read(cert)
    if acs is None:
        return None
    if not acs:
        raise ValueError("the VOMS extension holds no AC")
    return acs[0]


# ----------------------------------------------------------------- classification


def _last_cn(cert: x509.Certificate) -> str | None:
    rdns = list(cert.subject.rdns)
    if not rdns:
        return None
    last = list(rdns[-1])
    if len(last) == 1 and last[0].oid == x509.NameOID.COMMON_NAME:
        value = last[0].value
        return value if isinstance(value, str) else None
    return None


def proxy_type(cert: x509.Certificate) -> str | None:
    """``"rfc3820"``, ``"legacy"``, ``"legacy-limited"`` or None (not a proxy).

    RFC 3820 proxies are recognised by ``proxyCertInfo``; legacy ones by a last RDN of
    ``CN=proxy``/``CN=limited proxy`` directly under their issuer's subject. The GT3
    draft proxies (OID 1.3.6.1.4.1.3536.1.222) are not recognised.
    """
    try:
        cert.extensions.get_extension_for_oid(PROXY_CERT_INFO_OID)
        return "rfc3820"
    except x509.ExtensionNotFound:
        pass
    cn = _last_cn(cert)
    if cn in ("proxy", "limited proxy") and list(cert.subject.rdns)[:-1] == list(cert.issuer.rdns):
        return "legacy" if cn == "proxy" else "legacy-limited"
    return None


def is_proxy(cert: x509.Certificate) -> bool:
    return proxy_type(cert) is not None


def _proxy_cert_info() -> x509.UnrecognizedExtension:
    """RFC 3820 ``ProxyCertInfo``: no path length, policy language inheritAll."""
    info = rfc3820.ProxyCertInfoExtension()
    info["proxyPolicy"]["policyLanguage"] = rfc3820.id_ppl_inheritAll
    return x509.UnrecognizedExtension(PROXY_CERT_INFO_OID, encoder.encode(info))


# ------------------------------------------------------------------- credentials


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


class Credential:
    """A certificate, its private key and the chain above it (root CA excluded).

    For a user this is the user certificate (empty chain); for a proxy, the proxy
    and the certificates that issued it, leaf first. ``path`` is set once the
    credential has been written (:meth:`write`, or automatically by
    :class:`~mockfts.x509.TestPKI`). ``authority`` is the CA whose VOMS server signs
    the attributes of proxies made from this credential.
    """

    def __init__(
        self,
        cert: x509.Certificate,
        key: rsa.RSAPrivateKey,
        chain: Sequence[x509.Certificate] = (),
        *,
        clock: Clock | None = None,
        home: Path | None = None,
        authority: CertificateAuthority | None = None,
    ) -> None:
        self.cert = cert
        self.key = key
        self.chain = tuple(chain)
        self.clock = clock or ScaledClock(speed=1.0)
        self.home = home
        self.authority = authority
        self.path: Path | None = None

    # -- identity as the FTS server derives it from a full chain
    @property
    def dn(self) -> str:
        """Slash-form subject of this certificate (a proxy's includes its CNs)."""
        return slash_dn(self.cert.subject)

    @property
    def user_cert(self) -> x509.Certificate:
        """The end-entity certificate: the first non-proxy from the leaf upwards."""
        for cert in (self.cert, *self.chain):
            if not is_proxy(cert):
                return cert
        raise ValueError("no end-entity certificate in the chain")

    @property
    def user_dn(self) -> str:
        return slash_dn(self.user_cert.subject)

    @property
    def voms(self) -> VomsAttributes | None:
        """The (first) AC of the proxy closest to the leaf that carries one (as gridsite;
        not verified)."""
        for cert in (self.cert, *self.chain):
            attrs = voms_attributes(cert)
            if attrs is not None:
                return attrs
        return None

    @property
    def fqans(self) -> list[str]:
        return list(self.voms.fqans) if self.voms else []

    @property
    def vo(self) -> str | None:
        return self.voms.vo if self.voms else None

    @property
    def delegation_id(self) -> str:
        return delegation_id(self.user_dn, self.fqans)

    @property
    def not_after(self) -> datetime:
        """Earliest notAfter over the certificate and its chain."""
        return min(c.not_valid_after_utc for c in (self.cert, *self.chain))

    @property
    def key_size(self) -> int:
        return self.key.key_size

    @property
    def is_proxy(self) -> bool:
        return is_proxy(self.cert)

    # -- serialisations
    @property
    def cert_pem(self) -> str:
        return _pem(self.cert)

    @property
    def key_pem(self) -> str:
        return _key_pem(self.key)

    @property
    def chain_pem(self) -> str:
        """The certificate then its chain, no key: what a client presents or delegates."""
        return "".join(_pem(c) for c in (self.cert, *self.chain))

    @property
    def pem(self) -> str:
        """``X509_USER_PROXY`` layout: certificate, private key, then the chain."""
        return self.cert_pem + self.key_pem + "".join(_pem(c) for c in self.chain)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write :attr:`pem` to ``path`` with mode 0600 (grid clients insist)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.pem)
        os.chmod(target, 0o600)
        self.path = target
        return target

    # -- minting below this credential
    def proxy(
        self,
        *,
        vo: str | None = None,
        fqans: Sequence[str] | None = None,
        lifetime: timedelta = timedelta(hours=12),
        not_before: datetime | None = None,
        expired: bool = False,
        legacy: bool = False,
        limited: bool = False,
        key_bits: int | None = None,
        key: rsa.RSAPrivateKey | None = None,
        voms_lifetime: timedelta | None = None,
        voms_server: Credential | None = None,
        path: str | os.PathLike[str] | None = None,
    ) -> Credential:
        """A proxy signed by this credential.

        ``vo`` alone gives the FQAN ``/<vo>/Role=NULL/Capability=NULL`` (what
        ``voms-proxy-init --voms <vo>`` returns for a plain member); ``fqans`` alone
        takes the VO from the first FQAN. With either, the proxy carries a VOMS AC
        for the user certificate signed by ``voms_server`` (default: the
        :attr:`authority`'s :meth:`~CertificateAuthority.voms_server`), valid as long
        as the proxy or ``voms_lifetime``. ``expired`` makes the validity end an hour
        ago. ``key_bits`` defaults to this credential's key size; pass ``key`` to
        reuse a key (fast tests). Written to ``path``, or into :attr:`home` if set.
        """
        now = self.clock.now()
        if expired:
            not_before = now - lifetime - timedelta(hours=1)
        start = _aware(not_before) if not_before is not None else now - _SKEW
        end = min(
            start + lifetime + (_SKEW if not_before is None else timedelta(0)),
            self.cert.not_valid_after_utc,
        )
        if fqans is None:
            fqans = [f"/{vo}/Role=NULL/Capability=NULL"] if vo else []
        fqans = list(fqans)
        if fqans and vo is None:
            vo = fqans[0].split("/")[1]
        proxy_key = key or generate_key(key_bits or self.key.key_size)
        serial = secrets.randbelow(2**31 - 1) + 1
        if legacy:
            cn = "limited proxy" if limited else "proxy"
        else:
            cn = str(serial)
        subject = x509.Name(
            [
                *self.cert.subject.rdns,
                x509.RelativeDistinguishedName([x509.NameAttribute(x509.NameOID.COMMON_NAME, cn)]),
            ]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(proxy_key.public_key())
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, key_encipherment=True), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if not legacy:
            builder = builder.add_extension(_proxy_cert_info(), critical=True)
        if vo:
            if voms_server is None:
                if self.authority is None:
                    raise ValueError("a VOMS proxy needs voms_server= or a credential authority")
                voms_server = self.authority.voms_server()
            ac = voms.issue(
                self.user_cert,
                voms_server.cert,
                voms_server.key,
                server_chain=voms_server.chain,
                vo=vo,
                fqans=fqans,
                not_before=start,
                not_after=start + voms_lifetime if voms_lifetime is not None else end,
            )
            builder = builder.add_extension(voms.acseq_extension([ac]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        proxy = Credential(
            cert,
            proxy_key,
            (self.cert, *self.chain),
            clock=self.clock,
            home=self.home,
            authority=self.authority,
        )
        if path is not None:
            proxy.write(path)
        elif self.home is not None:
            proxy.write(self.home / f"x509up_{serial}")
        return proxy

    def __repr__(self) -> str:
        kind = proxy_type(self.cert) or "certificate"
        return f"<Credential {kind} {self.dn!r} until {self.not_after.isoformat()}>"


def _key_usage(**flags: bool) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{n: flags.get(n, False) for n in names})


class CertificateAuthority:
    """A self-signed test CA that issues user and host certificates."""

    def __init__(
        self, cert: x509.Certificate, key: rsa.RSAPrivateKey, *, clock: Clock | None = None
    ) -> None:
        self.cert = cert
        self.key = key
        self.clock = clock or ScaledClock(speed=1.0)
        self.voms: Credential | None = None  # see voms_server()

    @classmethod
    def create(
        cls,
        dn: str = DEFAULT_CA_DN,
        *,
        key_bits: int = DEFAULT_KEY_BITS,
        key: rsa.RSAPrivateKey | None = None,
        lifetime: timedelta = timedelta(days=3650),
        clock: Clock | None = None,
    ) -> CertificateAuthority:
        clock = clock or ScaledClock(speed=1.0)
        key = key or generate_key(key_bits)
        name = name_from_slash(dn)
        now = clock.now()
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + lifetime)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key, clock=clock)

    @classmethod
    def load(
        cls, cert_pem: bytes, key_pem: bytes, *, clock: Clock | None = None
    ) -> CertificateAuthority:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the CA key must be RSA")
        return cls(x509.load_pem_x509_certificate(cert_pem), key, clock=clock)

    @property
    def dn(self) -> str:
        return slash_dn(self.cert.subject)

    @property
    def pem(self) -> str:
        return _pem(self.cert)

    @property
    def key_pem(self) -> str:
        return _key_pem(self.key)

    @property
    def hash(self) -> str:
        """OpenSSL subject hash (``openssl x509 -hash``), the ``capath`` file stem."""
        return subject_hash_hex(self.cert.subject)

    def _issue(
        self,
        subject: x509.Name,
        key: rsa.RSAPrivateKey,
        *,
        lifetime: timedelta,
        not_before: datetime | None,
        extensions: list[tuple[x509.ExtensionType, bool]],
    ) -> x509.Certificate:
        now = self.clock.now()
        if not_before is None:  # backdated a day for skew; the lifetime counts from now
            start, end = now - timedelta(days=1), now + lifetime
        else:
            start = _aware(not_before)
            end = start + lifetime
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        for ext, critical in extensions:
            builder = builder.add_extension(ext, critical=critical)
        return builder.sign(self.key, hashes.SHA256())

    def user(
        self,
        dn: str,
        *,
        key_bits: int = DEFAULT_KEY_BITS,
        key: rsa.RSAPrivateKey | None = None,
        lifetime: timedelta = timedelta(days=365),
        not_before: datetime | None = None,
        expired: bool = False,
        home: Path | None = None,
    ) -> Credential:
        """A user (end-entity) certificate for the slash-form ``dn``."""
        key = key or generate_key(key_bits)
        if expired:
            not_before = self.clock.now() - lifetime - timedelta(days=1)
        cert = self._issue(
            name_from_slash(dn),
            key,
            lifetime=lifetime,
            not_before=not_before,
            extensions=[
                (_key_usage(digital_signature=True, key_encipherment=True), True),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
            ],
        )
        return Credential(cert, key, clock=self.clock, home=home, authority=self)

    def host(
        self,
        dn: str = DEFAULT_HOST_DN,
        *,
        hostnames: Sequence[str] = ("localhost",),
        ips: Sequence[str] = ("127.0.0.1",),
        key_bits: int = DEFAULT_KEY_BITS,
        key: rsa.RSAPrivateKey | None = None,
        lifetime: timedelta = timedelta(days=365),
    ) -> Credential:
        """A TLS server certificate (SAN: ``hostnames`` and ``ips``)."""
        key = key or generate_key(key_bits)
        san: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
        san += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        cert = self._issue(
            name_from_slash(dn),
            key,
            lifetime=lifetime,
            not_before=None,
            extensions=[
                (_key_usage(digital_signature=True, key_encipherment=True), True),
                (
                    x509.ExtendedKeyUsage(
                        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                    ),
                    False,
                ),
                (x509.SubjectAlternativeName(san), False),
            ],
        )
        return Credential(cert, key, clock=self.clock)

    def voms_server(self, *, key_bits: int | None = None) -> Credential:
        """The test VOMS server (``CN=voms.example.org``), made on first use.

        A host certificate of this CA, as a real VOMS server's is one of an IGTF CA;
        set :attr:`voms` to use another (``TestPKI`` keeps it on disk).
        """
        if self.voms is None:
            bits = key_bits or self.key.key_size
            self.voms = self.host(
                DEFAULT_VOMS_SERVER, hostnames=(DEFAULT_VOMS_HOST,), ips=(), key_bits=bits
            )
        return self.voms

    def __repr__(self) -> str:
        return f"<CertificateAuthority {self.dn!r} hash={self.hash}>"


# ------------------------------------------------------------------ trust stores


def write_ca_dir(directory: str | os.PathLike[str], cas: Iterable[x509.Certificate]) -> Path:
    """An OpenSSL ``capath``: each CA as ``<name>.pem`` plus a ``<hash>.N`` symlink.

    ``N`` counts up from 0 when two CAs share a subject hash, as ``c_rehash`` does.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for cert in cas:
        stem = subject_hash_hex(cert.subject)
        fingerprint = cert.fingerprint(hashes.SHA256()).hex()[:16]
        pem_name = f"{stem}-{fingerprint}.pem"
        (target / pem_name).write_text(_pem(cert))
        index = 0
        while True:
            link = target / f"{stem}.{index}"
            if link.is_symlink() and os.readlink(link) == pem_name:
                break
            if not link.exists() and not link.is_symlink():
                link.symlink_to(pem_name)
                break
            index += 1
    return target


def write_ca_bundle(path: str | os.PathLike[str], cas: Iterable[x509.Certificate]) -> Path:
    """All CAs concatenated in one PEM file (``requests``' ``verify=``, curl ``--cacert``)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(_pem(c) for c in cas))
    return target
