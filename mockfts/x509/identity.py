"""Verify a presented certificate chain and derive the FTS identity from it.

How the real server gets there (facts read from gridsite ``GRSTx509ChainLoadCheck``
and ``GRST_save_ssl_creds``, and fts-rest-flask ``fts3auth/methods/ssl.py``,
``credentials.py``):

- gridsite walks the chain from the CA down. A non-CA certificate issued by a CA is
  the end-entity certificate (EEC); every certificate issued by a non-CA is a proxy,
  whose subject must be its issuer's subject plus one ``/CN=...``; a proxy of a
  limited proxy is refused.
- It exports ``GRST_CRED_AURI_n``: first ``dn:<EEC DN>``, then ``dn:<proxy DN>`` for
  each proxy from the EEC down to the leaf (so a one-proxy chain gives the user DN
  and the proxy DN, as the seeds' ``/whoami`` ``dn`` list shows), then
  ``fqan:<FQAN>`` for the FQANs of the VOMS ACs in the *last* proxy that carries a
  valid one (``GRST_save_ssl_creds`` in ``src/canl_mod_gridsite.c``). Certificates
  with errors (bad time, bad signature) export nothing; an AC that does not check
  out (holder, time, signature: :func:`mockfts.x509.voms.check`) is dropped the same
  way and listed in :attr:`X509Identity.ignored_voms`.
- FTS takes ``user_dn = dn[0]``, ``voms_cred`` = the FQANs, ``vos`` = the distinct
  VO parts of the FQANs (path before the first ``Role=``), ``roles`` = ``Role=`` values
  other than ``NULL``, ``delegation_id`` = first 16 hex of SHA-1(user_dn + FQANs); with
  no FQANs, ``vos`` is the gridmap VO if any, else ``[delegation_id]``.

Verification (what Apache's mod_ssl + OpenSSL with proxy support would refuse),
checked in this order, each refusal a :class:`CertificateRefused` subclass:

1. :class:`MalformedChain`: nothing parseable, or a certificate's issuer is not the
   next certificate's subject;
2. :class:`UntrustedIssuer`: the chain does not end at one of the trusted CAs
   (foreign CA, a presented self-signed CA that is not ours, self-signed user);
3. :class:`ForgedSignature`: a signature does not verify with its issuer's key
   (including a certificate that names our CA as issuer but was signed by another
   key, e.g. by an impostor CA that was not presented);
4. :class:`CertificateNotYetValid` / :class:`CertificateExpired` at ``now`` (the
   virtual clock), for every certificate including the CA;
5. :class:`MalformedProxy`: proxy naming and signing rules above, a CA certificate
   below the EEC, a non-proxy signed by a non-CA, a proxy of a limited proxy.

Not implemented: CRLs, ``pCPathLenConstraint``, name constraints and signing
policies, the GT3 draft proxy OID, intermediate CAs' path lengths, VOMS LSC
files (see :mod:`mockfts.x509.voms` for whose ACs are trusted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mockfts.model.identity import roles_from_fqans, vo_from_fqan
from mockfts.x509 import voms
from mockfts.x509.names import slash_dn
from mockfts.x509.pki import delegation_id, proxy_type

__all__ = [
    "CertificateExpired",
    "CertificateNotYetValid",
    "CertificateRefused",
    "ForgedSignature",
    "MalformedChain",
    "MalformedProxy",
    "UntrustedIssuer",
    "X509Identity",
    "identity_from_chain",
    "identity_from_leaf",
    "load_certificates",
    "roles_from_fqans",
    "verify_chain",
    "vo_from_fqan",
]


class CertificateRefused(Exception):
    """The presented certificate chain is not acceptable; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MalformedChain(CertificateRefused):
    pass


class UntrustedIssuer(CertificateRefused):
    pass


class ForgedSignature(CertificateRefused):
    pass


class CertificateExpired(CertificateRefused):
    pass


class CertificateNotYetValid(CertificateRefused):
    pass


class MalformedProxy(CertificateRefused):
    pass


# ----------------------------------------------------------------------- parsing

_PEM_CERT = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----", re.DOTALL
)

CertLike = x509.Certificate | bytes | str


def load_certificates(items: CertLike | Iterable[CertLike]) -> list[x509.Certificate]:
    """Certificates from PEM text (one or many, keys in between are skipped), DER
    bytes, ``x509.Certificate`` objects, or a list of any of those; order kept."""
    if isinstance(items, x509.Certificate | bytes | str):
        items = [items]
    out: list[x509.Certificate] = []
    for item in items:
        if isinstance(item, x509.Certificate):
            out.append(item)
            continue
        data = item.encode("ascii", errors="replace") if isinstance(item, str) else item
        if isinstance(item, str) or b"-----BEGIN" in data:  # text is PEM or nothing
            for block in _PEM_CERT.findall(data):
                try:
                    out.append(x509.load_pem_x509_certificate(block))
                except ValueError as exc:
                    raise MalformedChain(f"unreadable PEM certificate: {exc}") from exc
        else:
            try:
                out.append(x509.load_der_x509_certificate(data))
            except ValueError as exc:
                raise MalformedChain(f"unreadable DER certificate: {exc}") from exc
    return out


# -------------------------------------------------------------------- FQAN rules


# ---------------------------------------------------------------------- identity


@dataclass(frozen=True)
class X509Identity:
    """How the FTS server sees a certificate user (fields as in ``/whoami``).

    ``verified`` is True when :func:`identity_from_chain` checked the whole chain, and
    False for :func:`identity_from_leaf`, where the TLS handshake did the checking.
    ``certificates`` is the chain as presented, leaf first (``/whoami/certificate``).
    """

    user_dn: str
    dn: list[str]
    voms_cred: list[str]
    vos: list[str]
    roles: list[str]
    delegation_id: str
    vo: str | None
    not_after: datetime
    key_size: int | None
    verified: bool
    certificates: list[x509.Certificate] = field(repr=False, default_factory=list)
    ignored_voms: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        return "certificate"

    @property
    def chain_pem(self) -> str:
        return "".join(
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in self.certificates
        )


def _fqan_identity(
    eec: x509.Certificate | None,
    proxies: Sequence[x509.Certificate],
    now: datetime,
    trust: dict[str, Any],
) -> tuple[list[str], str | None, list[str]]:
    """The FQANs (and VO) of the last proxy with a valid AC, and why others were not."""
    fqans: list[str] = []
    vo: str | None = None
    ignored: list[str] = []
    for proxy in proxies:  # EEC side first: the last one with valid attributes wins
        where = slash_dn(proxy.subject)
        try:
            acs = voms.read(proxy) or []
        except ValueError as exc:
            ignored.append(f"{where}: {exc}")
            continue
        valid = []
        for ac in acs:
            try:
                voms.check(ac, eec, now, **trust)
                valid.append(ac)
            except voms.UntrustedAttributes as exc:
                ignored.append(f"{where}: {exc}")
        if valid:
            fqans = [fqan for ac in valid for fqan in ac.fqans]
            vo = valid[0].vo
    return fqans, vo, ignored


def _key_size(cert: x509.Certificate) -> int | None:
    key = cert.public_key()
    return key.key_size if isinstance(key, rsa.RSAPublicKey) else None


def _utc(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    return bc.ca


@dataclass(frozen=True)
class VerifiedChain:
    """The outcome of :func:`verify_chain`: the path leaf first, split by role."""

    path: list[x509.Certificate]  # presented certificates from the leaf to below the anchor
    anchor: x509.Certificate
    eec: x509.Certificate
    proxies: list[x509.Certificate]  # from the EEC down to the leaf


def verify_chain(
    chain: CertLike | Iterable[CertLike],
    trusted: Iterable[x509.Certificate],
    now: datetime,
    *,
    check_validity: bool = True,
) -> VerifiedChain:
    """Check a presented chain (leaf first) against the trusted CAs at ``now``.

    ``check_validity=False`` skips the validity periods, for a chain whose times a TLS
    handshake has already checked against the real clock.
    """
    certs = load_certificates(chain)
    if not certs:
        raise MalformedChain("no certificate presented")
    anchors = list(trusted)
    now = _utc(now)

    # 1-3: walk up from the leaf until a trusted CA signs the current certificate.
    path: list[x509.Certificate] = []
    anchor: x509.Certificate | None = None
    for index, cert in enumerate(certs):
        if any(cert == a for a in anchors):  # the client also sent the root: stop here
            anchor = cert
            break
        path.append(cert)
        named = [a for a in anchors if a.subject == cert.issuer]
        signer = next((a for a in named if _signed_by(cert, a)), None)
        if signer is not None:
            anchor = signer
            break
        following = certs[index + 1] if index + 1 < len(certs) else None
        if cert.issuer == cert.subject:
            raise UntrustedIssuer(f"{slash_dn(cert.subject)!r} is self-signed and not trusted")
        if following is None or following.subject != cert.issuer:
            if named:
                # Our CA's name but not our CA's signature, and nothing else to try.
                raise ForgedSignature(
                    f"the signature of {slash_dn(cert.subject)!r} does not verify with the "
                    f"trusted CA {slash_dn(cert.issuer)!r}"
                )
            if following is None:
                raise UntrustedIssuer(
                    f"the chain ends at {slash_dn(cert.subject)!r}, whose issuer "
                    f"{slash_dn(cert.issuer)!r} is not a trusted CA"
                )
            raise MalformedChain(
                f"the issuer of {slash_dn(cert.subject)!r} is {slash_dn(cert.issuer)!r} but "
                f"the next certificate is {slash_dn(following.subject)!r}"
            )
    if anchor is None:
        raise UntrustedIssuer(
            f"the chain ends at {slash_dn(certs[-1].subject)!r}, which is not trusted"
        )
    if not path:
        raise MalformedChain("only a CA certificate was presented")
    for lower, upper in zip(path, path[1:], strict=False):
        if not _signed_by(lower, upper):
            raise ForgedSignature(
                f"the signature of {slash_dn(lower.subject)!r} does not verify with the key "
                f"of its issuer {slash_dn(upper.subject)!r}"
            )

    # 4: validity at the virtual time.
    for cert in (*path, anchor) if check_validity else ():
        if now < cert.not_valid_before_utc:
            raise CertificateNotYetValid(
                f"{slash_dn(cert.subject)!r} is not valid before "
                f"{cert.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ} (now {now:%Y-%m-%dT%H:%M:%SZ})"
            )
        if now > cert.not_valid_after_utc:
            raise CertificateExpired(
                f"{slash_dn(cert.subject)!r} expired at "
                f"{cert.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ} (now {now:%Y-%m-%dT%H:%M:%SZ})"
            )

    # 5: roles, from the anchor down (as gridsite): CAs, then the EEC, then proxies.
    top_down = list(reversed(path))
    position = 0
    while position < len(top_down) and _is_ca(top_down[position]):
        position += 1
    if position == len(top_down):
        raise MalformedChain("the chain has no end-entity certificate")
    eec = top_down[position]
    proxies = top_down[position + 1 :]
    issuer = eec
    for proxy in proxies:
        subject_rdns = list(proxy.subject.rdns)
        where = slash_dn(proxy.subject)
        if _is_ca(proxy):
            raise MalformedProxy(f"{where!r} is a CA certificate signed by a non-CA")
        if subject_rdns[:-1] != list(issuer.subject.rdns) or not subject_rdns:
            raise MalformedProxy(
                f"the proxy subject {where!r} is not its issuer {slash_dn(issuer.subject)!r} "
                "plus one CN"
            )
        last = list(subject_rdns[-1])
        if len(last) != 1 or last[0].oid != x509.NameOID.COMMON_NAME:
            raise MalformedProxy(f"the proxy subject {where!r} does not end with one CN")
        kind = proxy_type(proxy)
        if kind is None:
            raise MalformedProxy(
                f"{where!r} is signed by {slash_dn(issuer.subject)!r}, which is not a CA, "
                "but it is not a proxy"
            )
        if proxy_type(issuer) == "legacy-limited":
            raise MalformedProxy(f"{where!r} is a proxy of a limited proxy")
        issuer = proxy
    return VerifiedChain(path=path, anchor=anchor, eec=eec, proxies=proxies)


def identity_from_chain(
    chain: CertLike | Iterable[CertLike],
    trusted: Iterable[x509.Certificate],
    now: datetime,
    *,
    gridmap_vo: str | None = None,
    check_validity: bool = True,
    voms_servers: Iterable[x509.Certificate] | None = None,
) -> X509Identity:
    """Verify ``chain`` (leaf first) and derive the identity, as Apache + gridsite + FTS.

    ``gridmap_vo`` is the VO the server's gridmap table gives this DN, used only when
    the chain carries no valid VOMS attributes. ``now`` also decides whether VOMS
    attributes are current; ``check_validity=False`` skips only the certificates' own
    periods. A VOMS AC counts if a VOMS server certificate issued by one of
    ``trusted`` signed it, or, given ``voms_servers``, one of those
    (:func:`mockfts.x509.voms.check`).
    """
    now = _utc(now)
    anchors = list(trusted)
    verified = verify_chain(chain, anchors, now, check_validity=check_validity)
    eec_dn = slash_dn(verified.eec.subject)
    dns = [eec_dn, *(slash_dn(p.subject) for p in verified.proxies)]
    return _identity(
        eec_dn,
        dns,
        _fqan_identity(
            verified.eec,
            verified.proxies,
            now,
            {"trusted": anchors, "voms_servers": voms_servers},
        ),
        gridmap_vo,
        not_after=min(c.not_valid_after_utc for c in (*verified.path, verified.anchor)),
        key_size=_key_size(verified.path[0]),
        verified=True,
        certificates=load_certificates(chain),
    )


def identity_from_leaf(
    leaf: CertLike,
    now: datetime | None = None,
    *,
    gridmap_vo: str | None = None,
) -> X509Identity:
    """The identity from the leaf certificate alone; nothing is verified.

    For when only the peer's leaf is known and the TLS handshake has already verified
    the chain. A proxy leaf is taken to be one level below the user certificate, so
    ``user_dn`` is its issuer's DN (true for ``voms-proxy-init``/``grid-proxy-init``
    proxies and for what the ``fts3`` client presents); for a proxy of a proxy the
    result would name the intermediate proxy, which is why :mod:`mockfts.x509.tls`
    prefers the verified chain when the ``ssl`` module exposes it. ``now`` (default:
    the leaf's own validity start) only decides whether VOMS attributes count; their
    holder and signature are not checked (the user certificate is not known).
    """
    certs = load_certificates(leaf)
    if len(certs) != 1:
        raise MalformedChain(f"expected one leaf certificate, got {len(certs)}")
    cert = certs[0]
    now = _utc(now) if now is not None else cert.not_valid_before_utc
    if proxy_type(cert) is not None:
        user_dn = slash_dn(cert.issuer)
        dns = [user_dn, slash_dn(cert.subject)]
        proxies = [cert]
    else:
        user_dn = slash_dn(cert.subject)
        dns = [user_dn]
        proxies = []
    return _identity(
        user_dn,
        dns,
        _fqan_identity(None, proxies, now, {"verify_signature": False}),
        gridmap_vo,
        not_after=cert.not_valid_after_utc,
        key_size=_key_size(cert),
        verified=False,
        certificates=[cert],
    )


def _identity(
    user_dn: str,
    dns: list[str],
    attributes: tuple[list[str], str | None, list[str]],
    gridmap_vo: str | None,
    **presented: Any,
) -> X509Identity:
    """The identity of ``user_dn`` with the FQANs of :func:`_fqan_identity`."""
    fqans, vo, ignored = attributes
    vos: list[str] = []
    for fqan in fqans:
        fqan_vo = vo_from_fqan(fqan)
        if fqan_vo and fqan_vo not in vos:
            vos.append(fqan_vo)
    dlg = delegation_id(user_dn, fqans)
    if not vos:
        vos = [gridmap_vo] if gridmap_vo else [dlg]
    return X509Identity(
        user_dn=user_dn,
        dn=dns,
        voms_cred=fqans,
        vos=vos,
        roles=roles_from_fqans(fqans),
        delegation_id=dlg,
        vo=vo,
        ignored_voms=ignored,
        **presented,
    )
