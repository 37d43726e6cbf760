"""VOMS attribute certificates (RFC 3281 ACs) in proxies: written, read and checked.

Where they live and how they look, as VOMS writes them (italiangrid/voms
``src/sslutils/proxy.c``, ``src/ac/newformat.c``, ``src/ac/write.c: writeac``):

- a proxy carries the non-critical extension 1.3.6.1.4.1.8005.100.100.5 (``acseq``),
  whose value is ``AC_SEQ ::= SEQUENCE { acs SEQUENCE OF AttributeCertificate }``
  (one AC per VO; note the extra SEQUENCE around the list);
- each AC is RFC 3281 v2: the holder is the end-entity certificate (issuer DN and
  serial: the "new" format; the "old" one, which ``voms-proxy-fake`` writes by
  default, names the EEC's subject instead); the issuer is ``v2Form`` with the VOMS
  server's subject; one attribute ``idatcap`` (…100.100.4) holding an ``IetfAttrSyntax``
  whose policy authority is the URI ``<vo>://<host>:<port>`` and whose values are the
  FQANs as OCTET STRINGs; extensions ``certseq`` (…100.100.10, the VOMS server
  certificate after its issuers), ``noRevAvail`` (NULL) and ``authorityKeyIdentifier``;
  signed with the VOMS server's key and its certificate's signature algorithm.

The structures come from ``pyasn1-modules`` (``rfc5755``, ``rfc5280``); nothing here
writes DER by hand.

Checking follows gridsite (CESNET/gridsite ``src/grst_canl_x509.c:
GRSTx509ChainVomsAdd``, ``GRSTx509VerifyVomsSig``, ``GRSTx509VerifyVomsSigCert``),
which is what FTS relies on (it reads only mod_gridsite's ``GRST_CRED_AURI_n``):

1. the holder must name the EEC (its subject or its issuer) and the EEC's serial;
2. the AC must be current: not before ``notBefore`` minus 300 s, not after ``notAfter``;
3. the signature must verify, either (``voms_servers`` given: gridsite's vomsdir scan)
   with one of the trusted VOMS server certificates, or (default: gridsite's LSC path)
   with the certificate the AC carries in ``certseq``, which must have the AC issuer's
   subject, be signed by a trusted CA and be valid now.

The FQANs of a proxy are those of all its valid ACs, in order. An AC that fails any
of these is *ignored*, not refused: gridsite marks its FQANs
with errors and ``GRST_save_ssl_creds`` (``src/canl_mod_gridsite.c``) skips them, so
FTS sees the user's DN without FQANs (no VO from VOMS, so the gridmap VO or the
delegation id). Not implemented: LSC files (the default trusts any VOMS server
certificate a trusted CA issued, as if every VO had an LSC file for it), AC targets,
generic attributes (``-ga``), non-RSA VOMS keys, revocation.

The VOMS library itself (``voms-proxy-info``; italiangrid/voms
``src/api/ccapi/api_util.cc``) finds the signer the same two ways, in
``$X509_VOMS_DIR``: :class:`~mockfts.x509.TestPKI` puts the VOMS server certificate
there as a PEM file.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ObjectIdentifier
from pyasn1.codec.der import decoder, encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import namedtype, univ, useful
from pyasn1_modules import rfc5280, rfc5755

from mockfts.x509.names import slash_dn, slash_dn_from_der

__all__ = [
    "ACSEQ_OID",
    "UntrustedAttributes",
    "VomsAttributes",
    "acseq_extension",
    "check",
    "decode",
    "issue",
    "read",
]

ACSEQ_OID = ObjectIdentifier("1.3.6.1.4.1.8005.100.100.5")
IDATCAP_OID = "1.3.6.1.4.1.8005.100.100.4"
CERTSEQ_OID = "1.3.6.1.4.1.8005.100.100.10"
NO_REV_AVAIL_OID = "2.5.29.56"
AUTHORITY_KEY_ID_OID = "2.5.29.35"
DEFAULT_PORT = 15000
_FUTURE_SLACK = timedelta(seconds=300)  # gridsite: time1 > now + 300 is a bad time


class _SignedAC(univ.Sequence):
    """An AttributeCertificate with ``acinfo`` kept as its raw DER (what was signed)."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("acinfo", univ.Any()),
        namedtype.NamedType("signatureAlgorithm", rfc5280.AlgorithmIdentifier()),
        namedtype.NamedType("signatureValue", univ.BitString()),
    )


class _AcSeq(univ.Sequence):
    """``AC_SEQ`` of ``src/ac/newformat.c``."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("acs", univ.SequenceOf(componentType=_SignedAC()))
    )


class _CertSeq(univ.Sequence):
    """The ``certseq`` extension value: ``AC_CERTS`` of ``src/ac/newformat.c`` (again a
    SEQUENCE around the list), the VOMS server certificate last."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("certs", univ.SequenceOf(componentType=univ.Any()))
    )


_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "1.2.840.113549.1.1.5": hashes.SHA1,
    "1.2.840.113549.1.1.11": hashes.SHA256,
    "1.2.840.113549.1.1.12": hashes.SHA384,
    "1.2.840.113549.1.1.13": hashes.SHA512,
}


class UntrustedAttributes(ValueError):
    """A VOMS AC that gridsite would not export; the message says why."""


@dataclass(frozen=True)
class VomsAttributes:
    """One VOMS AC as read from a proxy (what ``voms-proxy-info --all`` shows)."""

    vo: str
    fqans: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    issuer: str  # the VOMS server's subject, slash form
    uri: str  # "<host>:<port>" of the policy authority
    holder_issuer: str  # slash DN in Holder.baseCertificateID
    holder_serial: int
    serial: int
    certificates: tuple[x509.Certificate, ...] = field(default=(), repr=False)  # certseq
    signed: bytes = field(default=b"", repr=False)  # the DER of acinfo
    signature: bytes = field(default=b"", repr=False)
    signature_oid: str = ""


# -------------------------------------------------------------------- writing


def _der_of(value: object) -> univ.Any:
    return univ.Any(encoder.encode(value))


def _set_directory_name(names: rfc5280.GeneralNames, name: x509.Name) -> None:
    """Make ``names`` one directoryName (how VOMS names the holder and the issuer)."""
    decoded, _ = decoder.decode(name.public_bytes(), asn1Spec=rfc5280.Name())
    names[0]["directoryName"]["rdnSequence"] = decoded["rdnSequence"]


def _time(when: datetime) -> useful.GeneralizedTime:
    return useful.GeneralizedTime(when.astimezone(timezone.utc).strftime("%Y%m%d%H%M%SZ"))


def _extension(oid: str, value: bytes) -> rfc5280.Extension:
    ext = rfc5280.Extension()
    ext["extnID"] = univ.ObjectIdentifier(oid)
    ext["extnValue"] = value
    return ext


def issue(
    holder: x509.Certificate,
    server_cert: x509.Certificate,
    server_key: rsa.RSAPrivateKey,
    *,
    vo: str,
    fqans: Sequence[str],
    not_before: datetime,
    not_after: datetime,
    server_chain: Sequence[x509.Certificate] = (),
    uri: str | None = None,
    serial: int | None = None,
    old_format: bool = False,
) -> bytes:
    """The DER of an AC for ``holder`` (the user's EEC), as a VOMS server writes it.

    ``uri`` defaults to ``<server CN>:15000``; ``serial`` to a random one (a real
    server's is random; ``voms-proxy-fake`` always writes 1). ``server_chain`` is the
    VOMS certificate's issuers, put before it in ``certseq``.
    """
    if uri is None:
        cns = server_cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        host = cns[-1].value if cns else "localhost"
        uri = f"{host if isinstance(host, str) else host.decode()}:{DEFAULT_PORT}"
    info = rfc5755.AttributeCertificateInfo()
    info["version"] = 1  # v2
    issuer_serial = info["holder"]["baseCertificateID"]
    _set_directory_name(issuer_serial["issuer"], holder.subject if old_format else holder.issuer)
    issuer_serial["serial"] = holder.serial_number
    _set_directory_name(info["issuer"]["v2Form"]["issuerName"], server_cert.subject)
    algorithm = rfc5280.AlgorithmIdentifier()
    algorithm["algorithm"] = univ.ObjectIdentifier(
        server_cert.signature_algorithm_oid.dotted_string
    )
    algorithm["parameters"] = _der_of(univ.Null(""))
    info["signature"] = algorithm
    info["serialNumber"] = serial if serial is not None else secrets.randbelow(2**63) + 1
    info["attrCertValidityPeriod"]["notBeforeTime"] = _time(not_before)
    info["attrCertValidityPeriod"]["notAfterTime"] = _time(not_after)
    ietf = rfc5755.IetfAttrSyntax()
    ietf["policyAuthority"][0]["uniformResourceIdentifier"] = f"{vo}://{uri}"
    for index, fqan in enumerate(fqans):
        ietf["values"][index]["octets"] = fqan.encode("utf-8")
    attribute = rfc5755.Attribute()
    attribute["type"] = univ.ObjectIdentifier(IDATCAP_OID)
    attribute["values"][0] = _der_of(ietf)
    info["attributes"][0] = attribute
    certseq = _CertSeq()
    for index, cert in enumerate((*server_chain, server_cert)):
        certseq["certs"][index] = univ.Any(cert.public_bytes(Encoding.DER))
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(server_key.public_key())
    for index, ext in enumerate(
        (
            _extension(CERTSEQ_OID, encoder.encode(certseq)),
            _extension(NO_REV_AVAIL_OID, encoder.encode(univ.Null(""))),
            _extension(AUTHORITY_KEY_ID_OID, aki.public_bytes()),
        )
    ):
        info["extensions"][index] = ext
    signed = encoder.encode(info)
    digest = _HASHES.get(algorithm["algorithm"].prettyPrint(), hashes.SHA256)
    signature = server_key.sign(signed, padding.PKCS1v15(), digest())
    ac = _SignedAC()
    ac["acinfo"] = univ.Any(signed)
    ac["signatureAlgorithm"] = algorithm
    ac["signatureValue"] = univ.BitString.fromOctetString(signature)
    return encoder.encode(ac)


def acseq_extension(acs: Iterable[bytes]) -> x509.UnrecognizedExtension:
    """The proxy extension (add it non-critical) holding the DER ACs of :func:`issue`."""
    seq = _AcSeq()
    for index, ac in enumerate(acs):
        decoded, _ = decoder.decode(ac, asn1Spec=_SignedAC())
        seq["acs"][index] = decoded
    return x509.UnrecognizedExtension(ACSEQ_OID, encoder.encode(seq))


# -------------------------------------------------------------------- reading


def _dn(general_names: rfc5280.GeneralNames) -> str:
    for general in general_names:
        if general.getName() == "directoryName":
            return slash_dn_from_der(encoder.encode(general["directoryName"]["rdnSequence"]))
    raise ValueError("no directoryName in the GeneralNames")


def _parse_time(value: object) -> datetime:
    return datetime.strptime(str(value), "%Y%m%d%H%M%SZ").replace(tzinfo=timezone.utc)


def _decode_one(signed_ac: _SignedAC) -> VomsAttributes:
    signed = bytes(signed_ac["acinfo"])
    info, rest = decoder.decode(signed, asn1Spec=rfc5755.AttributeCertificateInfo())
    if rest:
        raise ValueError("trailing bytes after the AC info")
    fqans: list[str] = []
    authority = ""
    for attribute in info["attributes"]:
        if attribute["type"].prettyPrint() != IDATCAP_OID:
            continue
        for value in attribute["values"]:
            ietf, _ = decoder.decode(bytes(value), asn1Spec=rfc5755.IetfAttrSyntax())
            for general in ietf["policyAuthority"]:
                if not authority and general.getName() == "uniformResourceIdentifier":
                    authority = str(general["uniformResourceIdentifier"])
            for item in ietf["values"]:
                if item.getName() != "octets":
                    raise ValueError("a VOMS FQAN must be an OCTET STRING")
                fqans.append(bytes(item["octets"]).decode("utf-8"))
    vo, sep, uri = authority.partition("://")
    if not sep:
        raise ValueError(f"the policy authority {authority!r} is not <vo>://<host>:<port>")
    certificates: list[x509.Certificate] = []
    for ext in info["extensions"]:
        if ext["extnID"].prettyPrint() == CERTSEQ_OID:
            certs, _ = decoder.decode(bytes(ext["extnValue"]), asn1Spec=_CertSeq())
            certificates = [x509.load_der_x509_certificate(bytes(c)) for c in certs["certs"]]
    holder = info["holder"]["baseCertificateID"]
    validity = info["attrCertValidityPeriod"]
    return VomsAttributes(
        vo=vo,
        fqans=tuple(fqans),
        not_before=_parse_time(validity["notBeforeTime"]),
        not_after=_parse_time(validity["notAfterTime"]),
        issuer=_dn(info["issuer"]["v2Form"]["issuerName"]),
        uri=uri,
        holder_issuer=_dn(holder["issuer"]),
        holder_serial=int(holder["serial"]),
        serial=int(info["serialNumber"]),
        certificates=tuple(certificates),
        signed=signed,
        signature=signed_ac["signatureValue"].asOctets(),
        signature_oid=signed_ac["signatureAlgorithm"]["algorithm"].prettyPrint(),
    )


def decode(value: bytes) -> list[VomsAttributes]:
    """The ACs of an ``acseq`` extension value; :class:`ValueError` if it is not one."""
    try:
        seq, rest = decoder.decode(value, asn1Spec=_AcSeq())
        if rest:
            raise ValueError("trailing bytes after the AC sequence")
        return [_decode_one(ac) for ac in seq["acs"]]
    except (PyAsn1Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"malformed VOMS extension: {exc}") from exc


def read(cert: x509.Certificate) -> list[VomsAttributes] | None:
    """The VOMS ACs of ``cert`` in order (not checked); None without the extension."""
    try:
        ext = cert.extensions.get_extension_for_oid(ACSEQ_OID)
    except x509.ExtensionNotFound:
        return None
    value = ext.value
    assert isinstance(value, x509.UnrecognizedExtension)
    return decode(value.value)


# ------------------------------------------------------------------- checking


def _verifies(attrs: VomsAttributes, signer: x509.Certificate) -> bool:
    key = signer.public_key()
    digest = _HASHES.get(attrs.signature_oid)
    if digest is None or not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(attrs.signature, attrs.signed, padding.PKCS1v15(), digest())
        return True
    except InvalidSignature:
        return False


def _current(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def _issued_by_trusted(cert: x509.Certificate, trusted: Sequence[x509.Certificate]) -> bool:
    for ca in trusted:
        if ca.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(ca)
            return True
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            continue
    return False


def check(
    attrs: VomsAttributes,
    eec: x509.Certificate | None,
    now: datetime,
    *,
    trusted: Iterable[x509.Certificate] = (),
    voms_servers: Iterable[x509.Certificate] | None = None,
    verify_signature: bool = True,
) -> None:
    """Raise :class:`UntrustedAttributes` if gridsite would not export ``attrs``.

    ``eec`` is the user's certificate (None skips the holder check, when only a
    proxy leaf is known); ``verify_signature=False`` checks the time alone. See the
    module docstring for the rules.
    """
    if eec is not None:
        named = {slash_dn(eec.subject), slash_dn(eec.issuer)}
        if attrs.holder_issuer not in named or attrs.holder_serial != eec.serial_number:
            raise UntrustedAttributes(
                f"the AC holder ({attrs.holder_issuer!r}, serial {attrs.holder_serial}) is "
                f"not the user certificate {slash_dn(eec.subject)!r}"
            )
    if not attrs.not_before - _FUTURE_SLACK <= now <= attrs.not_after:
        raise UntrustedAttributes(
            f"VOMS attributes valid {attrs.not_before:%Y-%m-%dT%H:%M:%SZ}.."
            f"{attrs.not_after:%Y-%m-%dT%H:%M:%SZ}"
        )
    if not verify_signature:
        return
    if voms_servers is not None:
        candidates = [c for c in voms_servers if _current(c, now)]
        where = "the trusted VOMS server certificates"
    else:
        anchors = list(trusted)
        candidates = [
            c
            for c in attrs.certificates[-1:]
            if slash_dn(c.subject) == attrs.issuer
            and _current(c, now)
            and _issued_by_trusted(c, anchors)
        ]
        where = "a VOMS certificate that a trusted CA issued"
    if not any(_verifies(attrs, signer) for signer in candidates):
        raise UntrustedAttributes(
            f"the AC of {attrs.issuer!r} for VO {attrs.vo!r} is not signed by {where}"
        )
