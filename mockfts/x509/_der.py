"""A minimal DER reader and writer for the few structures ``cryptography`` leaves to us.

``cryptography`` builds and verifies certificates but has no public generic ASN.1
codec. Three places need one: the value of the RFC 3820 ``proxyCertInfo`` extension,
our mock VOMS attribute extension, and OpenSSL's canonical subject-name encoding
used for ``<hash>.0`` file names. This is serialization only (X.690 DER tag-length-
value), no cryptography. Supports definite lengths and single-byte tags, which is all
those structures use; anything else is refused with :class:`DERError`.
"""

from __future__ import annotations

from datetime import datetime, timezone

# Universal tags (X.680) used by our structures.
INTEGER = 0x02
OCTET_STRING = 0x04
OID = 0x06
UTF8_STRING = 0x0C
PRINTABLE_STRING = 0x13
T61_STRING = 0x14
IA5_STRING = 0x16
GENERALIZED_TIME = 0x18
VISIBLE_STRING = 0x1A
UNIVERSAL_STRING = 0x1C
BMP_STRING = 0x1E
SEQUENCE = 0x30
SET = 0x31


class DERError(ValueError):
    """The bytes are not the DER this module understands."""


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, value: bytes) -> bytes:
    """Encode one element: tag, DER length, value."""
    return bytes([tag]) + _length(len(value)) + value


def sequence(*items: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(items))


def set_of(*items: bytes) -> bytes:
    """A DER SET OF: elements sorted by their encodings (X.690 11.6)."""
    return tlv(SET, b"".join(sorted(items)))


def integer(value: int) -> bytes:
    length = max(1, (value.bit_length() + 8) // 8)  # room for the sign bit
    return tlv(INTEGER, value.to_bytes(length, "big", signed=True))


def utf8(text: str) -> bytes:
    return tlv(UTF8_STRING, text.encode("utf-8"))


def octets(data: bytes) -> bytes:
    return tlv(OCTET_STRING, data)


def generalized_time(when: datetime) -> bytes:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return tlv(GENERALIZED_TIME, when.astimezone(timezone.utc).strftime("%Y%m%d%H%M%SZ").encode())


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    if len(arcs) < 2:
        raise DERError(f"an OID needs at least two arcs: {dotted!r}")
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OID, bytes(body))


def read(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """Read the element at ``offset``: (tag, value, offset after the element)."""
    try:
        tag = data[offset]
        if tag & 0x1F == 0x1F:
            raise DERError("multi-byte tags are not supported")
        first = data[offset + 1]
        pos = offset + 2
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            if count == 0 or count > 4:
                raise DERError("indefinite or oversized length")
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
    except IndexError as exc:
        raise DERError("truncated element") from exc
    end = pos + length
    if end > len(data):
        raise DERError("element longer than its container")
    return tag, data[pos:end], end


def children(value: bytes) -> list[tuple[int, bytes]]:
    """Split the content of a constructed element into (tag, value) pairs."""
    out = []
    offset = 0
    while offset < len(value):
        tag, inner, offset = read(value, offset)
        out.append((tag, inner))
    return out


def read_single(data: bytes, expected_tag: int) -> bytes:
    """The value of ``data``, which must be exactly one element with ``expected_tag``."""
    tag, value, end = read(data)
    if tag != expected_tag:
        raise DERError(f"expected tag 0x{expected_tag:02x}, found 0x{tag:02x}")
    if end != len(data):
        raise DERError("trailing bytes after the element")
    return value


def decode_integer(value: bytes) -> int:
    return int.from_bytes(value, "big", signed=True)


def decode_generalized_time(value: bytes) -> datetime:
    try:
        return datetime.strptime(value.decode("ascii"), "%Y%m%d%H%M%SZ").replace(
            tzinfo=timezone.utc
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise DERError(f"bad GeneralizedTime {value!r}") from exc


def decode_oid(value: bytes) -> str:
    if not value:
        raise DERError("empty OID")
    arcs = list(divmod(value[0], 40)) if value[0] < 80 else [2, value[0] - 80]
    current = 0
    for byte in value[1:]:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(current)
            current = 0
    return ".".join(str(a) for a in arcs)
