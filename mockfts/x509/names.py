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
from pyasn1.codec.der import decoder, encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import char, univ
from pyasn1_modules import rfc5280

__all__ = [
    "compat_dn",
    "name_from_slash",
    "slash_dn",
    "slash_dn_from_der",
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


# String types whose text OpenSSL canonicalises (``asn1_string_canon``); any other
# value type is hashed as it is.
_STRING_TYPES = (
    char.UTF8String,
    char.PrintableString,
    char.IA5String,
    char.VisibleString,
    char.TeletexString,
    char.BMPString,
    char.UniversalString,
)


def _attributes(der: bytes) -> list[list[tuple[str, univ.Any]]]:
    """The RDNs of a DER Name, each attribute as (dotted OID, its value's DER)."""
    try:
        name, rest = decoder.decode(der, asn1Spec=rfc5280.Name())
    except PyAsn1Error as exc:
        raise ValueError(f"malformed name: {exc}") from exc
    if rest:
        raise ValueError("trailing bytes after the name")
    return [
        [(atv["type"].prettyPrint(), atv["value"]) for atv in rdn] for rdn in name["rdnSequence"]
    ]


def _value(encoded: univ.Any) -> object:
    try:
        value, _ = decoder.decode(bytes(encoded))
    except PyAsn1Error:
        return None
    return value


def _raw(encoded: univ.Any) -> bytes:
    """The bytes OpenSSL prints for a value: a string's own bytes, else the whole DER."""
    value = _value(encoded)
    return value.asOctets() if isinstance(value, _STRING_TYPES) else bytes(encoded)


def slash_dn(name: x509.Name) -> str:
    """``X509_NAME_oneline()``: ``/DC=org/DC=example/CN=Test User``.

    Values print as their raw bytes (escaped), as OpenSSL does whatever the string type.
    """
    return slash_dn_from_der(name.public_bytes())


def slash_dn_from_der(der: bytes) -> str:
    """:func:`slash_dn` of a DER-encoded Name (as found inside a VOMS AC)."""
    return "".join(
        f"/{_SHORT_NAMES.get(dotted, dotted)}={_escape(_raw(value))}"
        for rdn in _attributes(der)
        for dotted, value in rdn
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


def _canonical_value(encoded: univ.Any) -> univ.Any:
    """A string value as OpenSSL canonicalises it (UTF8String, trimmed, whitespace
    runs collapsed, ASCII lower-cased); any other value unchanged."""
    value = _value(encoded)
    if not isinstance(value, _STRING_TYPES):
        return encoded
    raw = str(value).encode("utf-8", errors="surrogateescape")
    # OpenSSL's ossl_isspace: space, \t, \n, \v, \f, \r; only ASCII is lower-cased.
    spaces = b" \t\n\x0b\x0c\r"
    raw = raw.strip(spaces)
    raw = re.sub(rb"[ \t\n\x0b\x0c\r]+", b" ", raw)
    lowered = bytes(b + 32 if 0x41 <= b <= 0x5A else b for b in raw)
    return univ.Any(encoder.encode(char.UTF8String(lowered.decode("utf-8"))))


def canonical_encoding(name: x509.Name) -> bytes:
    """OpenSSL's canonical name encoding (the input of the subject hash): each RDN's
    DER SET of canonical values, concatenated without the outer SEQUENCE."""
    out = []
    for rdn in _attributes(name.public_bytes()):
        encoded = rfc5280.RelativeDistinguishedName()
        for index, (dotted, value) in enumerate(rdn):
            encoded[index]["type"] = univ.ObjectIdentifier(dotted)
            encoded[index]["value"] = _canonical_value(value)
        out.append(encoder.encode(encoded))
    return b"".join(out)


def subject_hash(name: x509.Name) -> int:
    """``X509_NAME_hash_ex()``: what ``openssl x509 -hash`` prints, as an int."""
    digest = hashlib.sha1(canonical_encoding(name)).digest()  # noqa: S324 (OpenSSL's choice)
    return int.from_bytes(digest[:4], "little")


def subject_hash_hex(name: x509.Name) -> str:
    """The hash as the 8 lower-case hex digits of a ``capath`` file name."""
    return f"{subject_hash(name):08x}"
