"""Chain verification and the identity the FTS server derives from it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mockfts.x509.identity import (
    CertificateExpired,
    CertificateNotYetValid,
    ForgedSignature,
    MalformedChain,
    MalformedProxy,
    UntrustedIssuer,
    identity_from_chain,
    identity_from_leaf,
    load_certificates,
    vo_from_fqan,
)
from mockfts.x509.pki import _key_usage, _proxy_cert_info, delegation_id

from .conftest import USER_DN


def _cn(name: x509.Name, value: str) -> x509.Name:
    return x509.Name(
        [
            *name.rdns,
            x509.RelativeDistinguishedName([x509.NameAttribute(x509.NameOID.COMMON_NAME, value)]),
        ]
    )


def test_a_plain_proxy_gives_the_user_dn_and_the_proxy_dn(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key)
    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    assert ident.user_dn == USER_DN
    assert ident.dn == [USER_DN, proxy.dn]
    assert ident.voms_cred == [] and ident.roles == []
    assert ident.delegation_id == delegation_id(USER_DN)
    assert ident.vos == [ident.delegation_id]  # the "virtual VO" of fts3auth/credentials.py
    assert ident.verified and ident.method == "certificate"


def test_a_gridmap_vo_replaces_the_virtual_vo_without_voms(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key)
    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now(), gridmap_vo="dteam")
    assert ident.vos == ["dteam"]


def test_a_voms_proxy_gives_fqans_vos_roles_and_the_fqan_delegation_id(pki, user, spare_key, clock):
    fqans = [
        "/dteam/Role=NULL/Capability=NULL",
        "/dteam/cern/Role=lcgadmin/Capability=NULL",
        "/dteam/Role=production",
    ]
    proxy = user.proxy(key=spare_key, fqans=fqans)
    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    assert ident.voms_cred == fqans
    assert ident.vos == ["dteam", "dteam/cern"]
    assert ident.roles == ["lcgadmin", "production"]
    assert ident.vo == "dteam"
    assert ident.delegation_id == delegation_id(USER_DN, fqans) != delegation_id(USER_DN)


def test_the_egi_sample_identity_is_reproduced(pki, spare_key, clock):
    dn = "/DC=org/DC=terena/DC=tcs/C=NL/O=Stichting EGI/CN=Andrea Manzi"
    proxy = pki.ca.user(dn, key=spare_key).proxy(key=spare_key, vo="dteam", legacy=True)
    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    assert ident.dn == [dn, dn + "/CN=proxy"]
    assert ident.voms_cred == ["/dteam/Role=NULL/Capability=NULL"]
    assert ident.vos == ["dteam"]
    assert ident.delegation_id == "9ab8068853808c6b"


def test_a_proxy_of_a_proxy_lists_every_dn_and_takes_the_deepest_voms(pki, user, spare_key, clock):
    first = user.proxy(key=spare_key, vo="dteam")
    second = first.proxy(key=spare_key, fqans=["/atlas/Role=pilot"])
    third = second.proxy(key=spare_key)
    ident = identity_from_chain(third.chain_pem, pki.trusted, clock.now())
    assert ident.dn == [USER_DN, first.dn, second.dn, third.dn]
    assert ident.user_dn == USER_DN
    assert ident.voms_cred == ["/atlas/Role=pilot"]
    assert ident.roles == ["pilot"]


def test_expired_voms_attributes_are_ignored_like_gridsite_does(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key, vo="dteam", voms_lifetime=timedelta(minutes=10))
    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now() + timedelta(hours=1))
    assert ident.voms_cred == []
    assert ident.delegation_id == delegation_id(USER_DN)
    assert "VOMS attributes valid" in ident.ignored_voms[0]


def test_the_root_ca_may_be_presented_at_the_end_of_the_chain(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key)
    ident = identity_from_chain([proxy.chain_pem, pki.ca.pem], pki.trusted, clock.now())
    assert ident.user_dn == USER_DN


def test_a_user_certificate_alone_is_its_own_identity(pki, user, clock):
    ident = identity_from_chain(user.cert, pki.trusted, clock.now())
    assert ident.dn == [USER_DN] and ident.user_dn == USER_DN


def test_der_certificates_and_proxy_files_with_keys_are_accepted(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key)
    ders = [c.public_bytes(serialization.Encoding.DER) for c in (proxy.cert, user.cert)]
    assert identity_from_chain(ders, pki.trusted, clock.now()).dn[1] == proxy.dn
    assert load_certificates(proxy.pem) == [proxy.cert, user.cert]


def test_the_key_size_is_that_of_the_leaf(pki, user, clock):
    proxy = user.proxy(key_bits=2048)
    assert identity_from_chain(proxy.chain_pem, pki.trusted, clock.now()).key_size == 2048


# ------------------------------------------------------------------- refusals


def test_a_proxy_signed_with_the_wrong_key_is_refused_as_forged(pki, user, spare_key, sign, clock):
    forged = sign(
        _cn(user.cert.subject, "1"),
        user.cert.subject,
        spare_key.public_key(),
        spare_key,
        extensions=[(_proxy_cert_info(), True)],
    )
    with pytest.raises(ForgedSignature, match="does not verify with the key of its issuer"):
        identity_from_chain([forged, user.cert], pki.trusted, clock.now())


def test_a_user_certificate_naming_our_ca_but_not_signed_by_it_is_forged(
    pki, spare_key, sign, clock
):
    fake = sign(
        x509.Name.from_rfc4514_string("CN=Mallory"),
        pki.ca.cert.subject,
        spare_key.public_key(),
        spare_key,
    )
    with pytest.raises(ForgedSignature, match="does not verify with the trusted CA"):
        identity_from_chain(fake, pki.trusted, clock.now())


def test_an_expired_proxy_is_refused(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key, expired=True)
    with pytest.raises(CertificateExpired, match=r"/CN=\d+' expired at"):
        identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())


def test_a_proxy_of_an_expired_user_certificate_is_refused(pki, spare_key, clock):
    old = pki.ca.user("/DC=org/DC=example/CN=Old User", key=spare_key, expired=True)
    proxy = old.proxy(key=spare_key, not_before=clock.now() - timedelta(days=5))
    with pytest.raises(CertificateExpired, match="CN=Old User"):
        identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())


def test_a_proxy_that_is_not_yet_valid_is_refused(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key, not_before=clock.now() + timedelta(hours=1))
    with pytest.raises(CertificateNotYetValid, match="is not valid before"):
        identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())


def test_the_virtual_clock_decides_validity(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key, lifetime=timedelta(hours=1))
    identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    with pytest.raises(CertificateExpired):
        identity_from_chain(proxy.chain_pem, pki.trusted, clock.now() + timedelta(hours=2))


def test_a_proxy_from_a_foreign_ca_is_refused(pki, spare_key, clock):
    foreign = pki.foreign_ca()
    proxy = foreign.user(USER_DN, key=spare_key).proxy(key=spare_key)
    with pytest.raises(UntrustedIssuer, match="Foreign CA"):
        identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())


def test_an_impostor_ca_with_our_name_is_refused_when_presented(pki, spare_key, clock):
    impostor = type(pki.ca).create(pki.ca.dn, key=spare_key, clock=clock)
    proxy = impostor.user(USER_DN, key=spare_key).proxy(key=spare_key)
    with pytest.raises(UntrustedIssuer, match="self-signed and not trusted"):
        identity_from_chain([proxy.chain_pem, impostor.pem], pki.trusted, clock.now())
    with pytest.raises(ForgedSignature):
        identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())


def test_a_proxy_whose_subject_does_not_extend_its_issuer_is_malformed(
    pki, user, spare_key, sign, clock
):
    bad = sign(
        _cn(x509.Name.from_rfc4514_string("DC=org,DC=other"), "1"),
        user.cert.subject,
        spare_key.public_key(),
        user.key,
        extensions=[(_proxy_cert_info(), True)],
    )
    with pytest.raises(MalformedProxy, match="is not its issuer .* plus one CN"):
        identity_from_chain([bad, user.cert], pki.trusted, clock.now())


def test_a_proxy_adding_two_cns_is_malformed(pki, user, spare_key, sign, clock):
    bad = sign(
        _cn(_cn(user.cert.subject, "1"), "2"),
        user.cert.subject,
        spare_key.public_key(),
        user.key,
        extensions=[(_proxy_cert_info(), True)],
    )
    with pytest.raises(MalformedProxy, match="plus one CN"):
        identity_from_chain([bad, user.cert], pki.trusted, clock.now())


def test_a_proxy_ending_with_something_else_than_a_cn_is_malformed(
    pki, user, spare_key, sign, clock
):
    subject = x509.Name(
        [
            *user.cert.subject.rdns,
            x509.RelativeDistinguishedName(
                [x509.NameAttribute(x509.NameOID.ORGANIZATIONAL_UNIT_NAME, "x")]
            ),
        ]
    )
    bad = sign(
        subject,
        user.cert.subject,
        spare_key.public_key(),
        user.key,
        extensions=[(_proxy_cert_info(), True)],
    )
    with pytest.raises(MalformedProxy, match="does not end with one CN"):
        identity_from_chain([bad, user.cert], pki.trusted, clock.now())


def test_a_non_proxy_signed_by_a_user_is_malformed(pki, user, spare_key, sign, clock):
    bad = sign(
        _cn(user.cert.subject, "Another Person"),
        user.cert.subject,
        spare_key.public_key(),
        user.key,
    )
    with pytest.raises(MalformedProxy, match="is not a CA, but it is not a proxy"):
        identity_from_chain([bad, user.cert], pki.trusted, clock.now())


def test_a_ca_certificate_signed_by_a_proxy_is_malformed(pki, user, spare_key, sign, clock):
    proxy = user.proxy(key=spare_key)
    bad = sign(
        _cn(proxy.cert.subject, "1"),
        proxy.cert.subject,
        spare_key.public_key(),
        proxy.key,
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=None), True),
            (_key_usage(key_cert_sign=True), True),
        ],
    )
    with pytest.raises(MalformedProxy, match="CA certificate signed by a non-CA"):
        identity_from_chain([bad, proxy.cert, user.cert], pki.trusted, clock.now())


def test_a_proxy_of_a_limited_proxy_is_malformed(pki, user, spare_key, clock):
    limited = user.proxy(key=spare_key, legacy=True, limited=True)
    child = limited.proxy(key=spare_key)
    with pytest.raises(MalformedProxy, match="proxy of a limited proxy"):
        identity_from_chain(child.chain_pem, pki.trusted, clock.now())


@pytest.mark.parametrize("chain", ["not a certificate", [], ""])
def test_an_empty_chain_is_malformed(pki, clock, chain):
    with pytest.raises(MalformedChain, match="no certificate"):
        identity_from_chain(chain, pki.trusted, clock.now())


def test_garbage_der_is_malformed(pki, clock):
    with pytest.raises(MalformedChain, match="unreadable DER"):
        identity_from_chain(b"\x30\x03abc", pki.trusted, clock.now())


def test_a_chain_in_the_wrong_order_is_malformed(pki, user, other_user, spare_key, clock):
    proxy = user.proxy(key=spare_key)
    with pytest.raises(MalformedChain, match="but the next certificate is"):
        identity_from_chain([proxy.cert, other_user.cert], pki.trusted, clock.now())


def test_a_lone_proxy_without_its_user_certificate_is_untrusted(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key)
    with pytest.raises(UntrustedIssuer, match="is not a trusted CA"):
        identity_from_chain(proxy.cert, pki.trusted, clock.now())


# ---------------------------------------------------------------- leaf only


def test_the_leaf_of_a_voms_proxy_gives_the_same_identity_as_its_chain(pki, user, spare_key, clock):
    proxy = user.proxy(key=spare_key, vo="dteam")
    full = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    leaf = identity_from_leaf(proxy.cert.public_bytes(serialization.Encoding.DER), clock.now())
    for field in ("user_dn", "dn", "voms_cred", "vos", "roles", "delegation_id", "vo"):
        assert getattr(leaf, field) == getattr(full, field), field
    assert not leaf.verified


def test_the_leaf_of_a_user_certificate_is_the_user(user):
    ident = identity_from_leaf(user.cert_pem)
    assert ident.dn == [USER_DN] and ident.delegation_id == delegation_id(USER_DN)


@pytest.mark.parametrize(
    ("fqan", "vo"),
    [
        ("/dteam/Role=NULL/Capability=NULL", "dteam"),
        ("/dteam/cern/Role=lcgadmin", "dteam/cern"),
        ("/atlas", "atlas"),
        ("/cms/uscms/role=x", "cms/uscms"),
    ],
)
def test_the_vo_of_an_fqan_is_its_path_before_the_role(fqan, vo):
    assert vo_from_fqan(fqan) == vo
