"""Distinguished names as the grid prints them, and OpenSSL's subject hash.

Grid services identify users by the *slash form* of their certificate subject,
``/DC=org/DC=example/CN=Test User``. That is OpenSSL's ``X509_NAME_oneline()``:
mod_gridsite builds every ``GRST_CRED_AURI_n`` ``dn:`` entry with it, and M2Crypto's
``str(X509_Name)`` (what the ``fts3`` client logs) is the same function. Facts we
reproduce, checked against OpenSSL 3.0 (M2Crypto in the venv and ``openssl x509``):

- attributes in certificate order (first RDN first), each as ``/<short name>=<value>``;
  every attribute of a multi-valued RDN gets its own ``/`` (the RDN grouping is lost);
- short names are OpenSSL's (``DC``, ``CN``, ``UID``, ``emailAddress``, ...); unknown
  attribute types print as their dotted OID;
- ``/`` and ``+`` in a value are escaped with a backslash, bytes outside printable
  ASCII print as ``\\xHH`` (upper-case hex) of the string's raw bytes (UTF-8 for
  UTF8String). OpenSSL 1.x did not escape ``/`` and ``+``; we follow 3.0.

:func:`compat_dn` is ``X509_NAME_print()`` (M2Crypto's ``as_text()``), the
comma-separated form the FTS delegation error messages show.

:func:`subject_hash` is ``X509_NAME_hash_ex()`` (``openssl x509 -hash``): the first
four bytes, little-endian, of SHA-1 over the *canonical* encoding of the name, which
is each RDN's DER SET concatenated (no outer SEQUENCE header) after every string value
is converted to UTF8String, stripped of leading/trailing whitespace, with internal
runs of whitespace collapsed to one space and ASCII letters lower-cased. Non-string
values (rare in practice) are kept as they are.

Not implemented: parsing a slash DN does not reconstruct multi-valued RDNs (every
attribute becomes its own RDN, which is how grid CAs issue names anyway), and BMP/
Universal strings are only handled by the hash, never produced.
"""

from __future__ import annotations

import hashlib
import re

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier

from mockfts.x509 import _der

__all__ = [
    "compat_dn",
    "name_from_slash",
    "slash_dn",
    "subject_hash",
    "subject_hash_hex",
]

# OpenSSL short names (OBJ_nid2sn) for the attribute types grid certificates use.
_SHORT_NAMES: dict[str, str] = {
    "2.5.4.3": "CN",
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.9": "street",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.12": "title",
    "2.5.4.17": "postalCode",
    "2.5.4.41": "name",
    "2.5.4.42": "GN",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "0.9.2342.19200300.100.1.1": "UID",
    "0.9.2342.19200300.100.1.25": "DC",
    "1.2.840.113549.1.9.1": "emailAddress",
}

# Accepted when parsing (case-insensitive): short names, long names, common aliases.
_PARSE_ALIASES: dict[str, str] = {sn.lower(): dotted for dotted, sn in _SHORT_NAMES.items()}
_PARSE_ALIASES.update(
    {
        "commonname": "2.5.4.3",
        "countryname": "2.5.4.6",
        "localityname": "2.5.4.7",
        "sp": "2.5.4.8",
        "stateorprovincename": "2.5.4.8",
        "organizationname": "2.5.4.10",
        "organizationalunitname": "2.5.4.11",
        "surname": "2.5.4.4",
        "givenname": "2.5.4.42",
        "userid": "0.9.2342.19200300.100.1.1",
        "domaincomponent": "0.9.2342.19200300.100.1.25",
        "e": "1.2.840.113549.1.9.1",
        "email": "1.2.840.113549.1.9.1",
    }
)

# A new component starts at a "/" followed by "<type>=" (a type is letters, digits,
# dots); an escaped "\/" never starts one.
_COMPONENT = re.compile(r"(?<!\\)/(?=[A-Za-z0-9.]+=)")


def _escape(raw: bytes) -> str:
    out = []
    for byte in raw:
        if byte < 0x20 or byte > 0x7E:
            out.append(f"\\x{byte:02X}")
        elif byte in (0x2F, 0x2B):  # "/" and "+"
            out.append("\\" + chr(byte))
        else:
            out.append(chr(byte))
    return "".join(out)


def _unescape(text: str) -> str:
    raw = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if (
            ch == "\\"
            and text[i + 1 : i + 2] == "x"
            and re.fullmatch(r"[0-9A-Fa-f]{2}", text[i + 2 : i + 4])
        ):
            raw.append(int(text[i + 2 : i + 4], 16))
            i += 4
        elif ch == "\\" and i + 1 < len(text):
            raw.extend(text[i + 1].encode("utf-8"))
            i += 2
        else:
            raw.extend(ch.encode("utf-8"))
            i += 1
    return raw.decode("utf-8")


def _attributes(name: x509.Name) -> list[list[tuple[str, int, bytes]]]:
    """The name's RDNs as read from its DER: (dotted OID, string tag, raw value bytes)."""
    der = _der.read_single(name.public_bytes(), _der.SEQUENCE)
    rdns = []
    for rdn_tag, rdn in _der.children(der):
        if rdn_tag != _der.SET:
            raise _der.DERError("an RDN must be a SET")
        entries = []
        for atv_tag, atv in _der.children(rdn):
            if atv_tag != _der.SEQUENCE:
                raise _der.DERError("an attribute must be a SEQUENCE")
            (oid_tag, oid_value), (value_tag, value) = _der.children(atv)
            if oid_tag != _der.OID:
                raise _der.DERError("an attribute type must be an OID")
            entries.append((_der.decode_oid(oid_value), value_tag, value))
        rdns.append(entries)
    return rdns


def slash_dn(name: x509.Name) -> str:
    """``X509_NAME_oneline()``: ``/DC=org/DC=example/CN=Test User``.

    Values print as their raw bytes (escaped), as OpenSSL does whatever the string type.
    """
    return "".join(
        f"/{_SHORT_NAMES.get(dotted, dotted)}={_escape(raw)}"
        for rdn in _attributes(name)
        for dotted, _tag, raw in rdn
    )


def name_from_slash(dn: str) -> x509.Name:
    """Parse a slash-form DN into an :class:`x509.Name`, one RDN per component, in order.

    String types follow ``cryptography``'s defaults (DC as IA5String, C as
    PrintableString, everything else UTF8String), which is what grid CAs issue.
    """
    if not dn.startswith("/"):
        raise ValueError(f"a slash-form DN starts with '/': {dn!r}")
    attributes = []
    for part in _COMPONENT.split(dn[1:]):
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise ValueError(f"malformed DN component {part!r} in {dn!r}")
        dotted = _PARSE_ALIASES.get(key.lower())
        if dotted is None:
            if not re.fullmatch(r"\d+(\.\d+)+", key):
                raise ValueError(f"unknown attribute type {key!r} in {dn!r}")
            dotted = key
        attributes.append(x509.NameAttribute(ObjectIdentifier(dotted), _unescape(value)))
    return x509.Name([x509.RelativeDistinguishedName([a]) for a in attributes])


def compat_dn(name: x509.Name) -> str:
    """``X509_NAME_print()``: the slash form with ``/XY=`` turned into ``, XY=``.

    Only a ``/`` followed by one or two upper-case letters and ``=`` becomes a
    separator, so ``/emailAddress=`` and ``/UID=`` stay as they are (a quirk the real
    messages have).
    """
    text = slash_dn(name)[1:]
    return re.sub(r"/(?=[A-Z][A-Z]?=)", ", ", text)


def _canonical_value(tag: int, value: bytes) -> bytes | None:
    """UTF-8 bytes of a string value, or None when OpenSSL keeps the value as is."""
    if tag in (_der.UTF8_STRING, _der.PRINTABLE_STRING, _der.IA5_STRING, _der.VISIBLE_STRING):
        text = value.decode("utf-8", errors="surrogateescape")
    elif tag == _der.T61_STRING:
        text = value.decode("latin-1")
    elif tag == _der.BMP_STRING:
        text = value.decode("utf-16-be")
    elif tag == _der.UNIVERSAL_STRING:
        text = value.decode("utf-32-be")
    else:
        return None
    raw = text.encode("utf-8", errors="surrogateescape")
    # OpenSSL's ossl_isspace: space, \t, \n, \v, \f, \r; only ASCII is lower-cased.
    spaces = b" \t\n\x0b\x0c\r"
    raw = raw.strip(spaces)
    raw = re.sub(rb"[ \t\n\x0b\x0c\r]+", b" ", raw)
    return bytes(b + 32 if 0x41 <= b <= 0x5A else b for b in raw)


def canonical_encoding(name: x509.Name) -> bytes:
    """OpenSSL's canonical name encoding (the input of the subject hash)."""
    out = []
    for rdn in _attributes(name):
        entries = []
        for dotted, tag, value in rdn:
            canon = _canonical_value(tag, value)
            encoded = _der.tlv(tag, value) if canon is None else _der.tlv(_der.UTF8_STRING, canon)
            entries.append(_der.sequence(_der.oid(dotted), encoded))
        out.append(_der.set_of(*entries))
    return b"".join(out)


def subject_hash(name: x509.Name) -> int:
    """``X509_NAME_hash_ex()``: what ``openssl x509 -hash`` prints, as an int."""
    digest = hashlib.sha1(canonical_encoding(name)).digest()  # noqa: S324 (OpenSSL's choice)
    return int.from_bytes(digest[:4], "little")


def subject_hash_hex(name: x509.Name) -> str:
    """The hash as the 8 lower-case hex digits of a ``capath`` file name."""
    return f"{subject_hash(name):08x}"
