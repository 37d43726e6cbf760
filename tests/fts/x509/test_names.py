"""Slash-form DNs, the compat print form and OpenSSL's subject hash."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from mockfts.x509.names import compat_dn, name_from_slash, slash_dn, subject_hash_hex

M2X509 = pytest.importorskip("M2Crypto.X509")

DNS = [
    "/DC=org/DC=example/CN=Test User",
    "/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=aalvarez/CN=678984/CN=Alejandro Alvarez Ayllon",
    "/DC=org/DC=terena/DC=tcs/C=NL/O=Stichting EGI/CN=Andrea Manzi",
    "/C=CH/O=Mixed Case/CN=  Spaced    Out  Name ",
    "/DC=org/CN=A\\/B\\+C \\xC3\\xA9/emailAddress=a@b.c/UID=u1",
]


def _m2_cert(pki, dn):
    cred = pki.ca.user(dn, key=pki.ca.key)  # key irrelevant: reuse the CA's, no keygen
    return cred.cert, M2X509.load_cert_string(cred.cert.public_bytes(serialization.Encoding.PEM))


@pytest.mark.parametrize("dn", DNS)
def test_slash_dn_is_what_openssl_x509_name_oneline_prints(pki, dn):
    cert, m2 = _m2_cert(pki, dn)
    assert slash_dn(cert.subject) == str(m2.get_subject()) == dn


@pytest.mark.parametrize("dn", DNS)
def test_compat_dn_is_what_m2crypto_as_text_prints(pki, dn):
    cert, m2 = _m2_cert(pki, dn)
    assert compat_dn(cert.subject) == m2.get_subject().as_text()


def test_name_from_slash_keeps_the_rdn_order_of_the_slash_form():
    name = name_from_slash("/DC=org/DC=example/CN=Test User")
    assert [rdn.rfc4514_string() for rdn in name.rdns] == ["DC=org", "DC=example", "CN=Test User"]


@pytest.mark.parametrize("bad", ["DC=org/CN=x", "/DC=org/XYZ=1", "/=x", "/nonsense", "/"])
def test_name_from_slash_refuses_malformed_dns(bad):
    with pytest.raises(ValueError):
        name_from_slash(bad)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not on PATH")
@pytest.mark.parametrize("dn", DNS)
def test_subject_hash_is_what_openssl_x509_hash_prints(pki, dn, tmp_path):
    cert, _ = _m2_cert(pki, dn)
    path = tmp_path / "c.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out = subprocess.run(
        ["openssl", "x509", "-in", str(path), "-noout", "-hash"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert subject_hash_hex(cert.subject) == out


def test_subject_hash_ignores_case_and_extra_whitespace():
    a = name_from_slash("/DC=org/CN=Test   User")
    b = name_from_slash("/DC=ORG/CN= test user ")
    assert subject_hash_hex(a) == subject_hash_hex(b)
    assert subject_hash_hex(a) != subject_hash_hex(name_from_slash("/DC=org/CN=Test Users"))
