"""Minting: CA, users, RFC 3820 / legacy / VOMS proxies, proxy files, capath."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyasn1.codec.der import decoder
from pyasn1_modules import rfc3820

from mockfts.x509 import voms
from mockfts.x509.pki import (
    PROXY_CERT_INFO_OID,
    VOMS_EXTENSION_OID,
    delegation_id,
    proxy_type,
    voms_attributes,
)
from mockfts.x509.testpki import TestPKI

from .conftest import USER_DN


def test_the_ca_is_a_self_signed_ca_certificate(pki):
    cert = pki.ca.cert
    assert cert.subject == cert.issuer
    cert.verify_directly_issued_by(cert)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign


def test_a_user_certificate_carries_the_slash_dn_and_may_sign_proxies(pki, user):
    assert user.dn == USER_DN
    assert user.user_dn == USER_DN
    user.cert.verify_directly_issued_by(pki.ca.cert)
    assert not user.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert user.cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature


def test_an_rfc3820_proxy_is_its_issuer_plus_a_cn_holding_its_serial(user, spare_key):
    proxy = user.proxy(key=spare_key)
    assert proxy.dn == f"{USER_DN}/CN={proxy.cert.serial_number}"
    assert proxy.cert.issuer == user.cert.subject
    proxy.cert.verify_directly_issued_by(user.cert)
    assert proxy.user_dn == USER_DN
    assert proxy_type(proxy.cert) == "rfc3820"


def test_an_rfc3820_proxy_has_a_critical_inherit_all_proxycertinfo(user, spare_key):
    ext = user.proxy(key=spare_key).cert.extensions.get_extension_for_oid(PROXY_CERT_INFO_OID)
    assert ext.critical
    info, rest = decoder.decode(ext.value.value, asn1Spec=rfc3820.ProxyCertInfoExtension())
    assert not rest and not info["pCPathLenConstraint"].isValue  # no path length constraint
    assert info["proxyPolicy"]["policyLanguage"].prettyPrint() == "1.3.6.1.5.5.7.21.1"


def test_a_proxy_has_the_key_usage_of_real_proxies(user, spare_key):
    ext = user.proxy(key=spare_key).cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ext.critical
    assert ext.value.digital_signature and ext.value.key_encipherment
    assert not ext.value.key_cert_sign


def test_a_legacy_proxy_is_cn_proxy_without_proxycertinfo(user, spare_key):
    proxy = user.proxy(key=spare_key, legacy=True)
    assert proxy.dn == f"{USER_DN}/CN=proxy"
    with pytest.raises(x509.ExtensionNotFound):
        proxy.cert.extensions.get_extension_for_oid(PROXY_CERT_INFO_OID)
    assert proxy_type(proxy.cert) == "legacy"
    assert proxy_type(user.proxy(key=spare_key, legacy=True, limited=True).cert) == "legacy-limited"


def test_a_voms_proxy_carries_the_vo_and_fqans_in_the_voms_extension(user, spare_key):
    fqans = ["/dteam/Role=NULL/Capability=NULL", "/dteam/cern/Role=lcgadmin/Capability=NULL"]
    proxy = user.proxy(key=spare_key, vo="dteam", fqans=fqans)
    ext = proxy.cert.extensions.get_extension_for_oid(VOMS_EXTENSION_OID)
    assert not ext.critical
    attrs = voms_attributes(proxy.cert)
    assert (attrs.vo, list(attrs.fqans)) == ("dteam", fqans)
    assert proxy.fqans == fqans and proxy.vo == "dteam"


def test_a_vo_alone_gives_the_plain_member_fqan(user, spare_key):
    assert user.proxy(key=spare_key, vo="atlas").fqans == ["/atlas/Role=NULL/Capability=NULL"]


def test_fqans_alone_give_the_vo_of_the_first_fqan(user, spare_key):
    assert user.proxy(key=spare_key, fqans=["/cms/Role=production"]).vo == "cms"


@pytest.mark.parametrize("garbage", [b"", b"\x30\x00", b"\x02\x01\x01", b"\x30\x03\x02\x01\x02"])
def test_a_voms_extension_value_that_is_no_ac_sequence_is_refused_with_valueerror(garbage):
    with pytest.raises(ValueError):
        voms.decode(garbage)


def test_a_proxy_never_outlives_its_issuer(pki, spare_key):
    short = pki.ca.user(
        "/DC=org/DC=example/CN=Short Lived", key=spare_key, lifetime=timedelta(hours=2)
    )
    proxy = short.proxy(key=spare_key, lifetime=timedelta(hours=12))
    assert proxy.cert.not_valid_after_utc == short.cert.not_valid_after_utc
    assert proxy.not_after == short.cert.not_valid_after_utc


def test_an_expired_proxy_ended_an_hour_ago(user, spare_key, clock):
    proxy = user.proxy(key=spare_key, expired=True)
    assert proxy.cert.not_valid_after_utc == clock.now() - timedelta(hours=1)


def test_the_proxy_file_is_cert_then_key_then_chain_with_mode_0600(user, spare_key, tmp_path):
    proxy = user.proxy(key=spare_key, path=tmp_path / "x509up")
    text = proxy.path.read_text()
    markers = [line for line in text.splitlines() if line.startswith("-----BEGIN")]
    assert markers == [
        "-----BEGIN CERTIFICATE-----",
        "-----BEGIN RSA PRIVATE KEY-----",
        "-----BEGIN CERTIFICATE-----",
    ]
    certs = x509.load_pem_x509_certificates(text.encode())
    assert certs == [proxy.cert, user.cert]
    assert stat.S_IMODE(os.stat(proxy.path).st_mode) == 0o600
    key = serialization.load_pem_private_key(text.encode(), password=None)
    assert key.public_key() == proxy.cert.public_key()


def test_the_testpki_writes_proxies_next_to_their_user(user, spare_key):
    proxy = user.proxy(key=spare_key)
    assert proxy.path.parent == user.path.parent
    assert proxy.path.name == f"x509up_{proxy.cert.serial_number}"


def test_the_capath_holds_the_ca_under_its_hash(pki):
    link = pki.capath / f"{pki.ca.hash}.0"
    assert link.is_symlink()
    assert x509.load_pem_x509_certificate(link.read_bytes()) == pki.ca.cert
    assert x509.load_pem_x509_certificates(pki.ca_bundle.read_bytes()) == [pki.ca.cert]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not on PATH")
def test_openssl_verifies_a_voms_proxy_against_the_capath(pki, user, spare_key, tmp_path):
    proxy = user.proxy(key=spare_key, vo="dteam")
    chain = tmp_path / "chain.pem"
    chain.write_text(proxy.chain_pem)
    result = subprocess.run(
        [
            "openssl",
            "verify",
            "-allow_proxy_certs",
            "-CApath",
            str(pki.capath),
            "-untrusted",
            str(chain),
            str(chain),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_second_testpki_on_the_same_directory_reuses_the_ca_and_users(pki, user):
    again = TestPKI(pki.directory, key_bits=1024, clock=pki.clock)
    assert again.ca.cert == pki.ca.cert
    assert again.user(USER_DN).cert == user.cert


@pytest.mark.parametrize(
    ("dn", "fqans", "expected"),
    [
        ("/DC=ch/DC=cern/CN=Test User", [], "92fbce05ea766c17"),
        (
            "/DC=org/DC=terena/DC=tcs/C=NL/O=Stichting EGI/CN=Andrea Manzi",
            ["/dteam/Role=NULL/Capability=NULL"],
            "9ab8068853808c6b",
        ),
    ],
)
def test_the_delegation_id_matches_the_reference_examples(pki, spare_key, dn, fqans, expected):
    assert delegation_id(dn, fqans) == expected
    proxy = pki.ca.user(dn, key=spare_key).proxy(key=spare_key, fqans=fqans)
    assert proxy.delegation_id == expected
