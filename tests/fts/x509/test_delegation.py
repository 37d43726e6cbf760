"""Server-side delegation: the request, every refusal of the PUT, and the real client."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from flask import Flask, Response, request

from mockfts.x509.delegation import (
    DelegationError,
    DelegationStore,
    accept_credential,
    new_request,
)
from mockfts.x509.identity import identity_from_chain
from mockfts.x509.pki import _key_usage, _proxy_cert_info

from .conftest import USER_DN

PREFIX = "Could not process the proxy: "


@pytest.fixture(scope="module")
def pending():
    return new_request(1024, delegation_id="abc", user_dn=USER_DN, voms_cred=["/dteam/Role=NULL"])


def _with_cn(name, value, oid=x509.NameOID.COMMON_NAME):
    return x509.Name([*name.rdns, x509.RelativeDistinguishedName([x509.NameAttribute(oid, value)])])


def test_the_request_is_a_sha256_csr_for_o_dummy_with_the_asked_key_size(pending):
    csr = x509.load_pem_x509_csr(pending.csr_pem.encode())
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == "O=Dummy"
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)
    assert csr.public_key().key_size == 1024 == pending.key_size
    assert csr.public_key() == pending.private_key.public_key()


def test_the_request_key_defaults_to_2048_bits():
    assert new_request().key_size == 2048


def test_a_proxy_signed_for_the_request_is_accepted(user, pending):
    proxy = user.proxy(key=pending.private_key)
    stored = accept_credential(pending, proxy.chain_pem)
    assert stored.termination_time == proxy.cert.not_valid_after_utc
    assert stored.voms_attrs_list == ["/dteam/Role=NULL"]
    assert stored.to_json() == {
        "termination_time": proxy.cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%S"),
        "voms_attrs": ["/dteam/Role=NULL"],
    }
    certs = x509.load_pem_x509_certificates(stored.proxy_pem.encode())
    assert certs == [proxy.cert, user.cert]
    assert "-----BEGIN RSA PRIVATE KEY-----" in stored.proxy_pem


def test_the_termination_time_is_the_earliest_not_after_of_the_chain(pki, spare_key, pending):
    short = pki.ca.user("/DC=org/DC=example/CN=Short", key=spare_key, lifetime=timedelta(hours=3))
    proxy = short.proxy(key=pending.private_key, lifetime=timedelta(hours=1))
    longer = proxy.cert.not_valid_after_utc
    chain = proxy.chain_pem
    stored = accept_credential(pending, chain)
    assert stored.termination_time == min(longer, short.cert.not_valid_after_utc)


def test_a_put_without_a_request_is_refused():
    with pytest.raises(DelegationError) as err:
        accept_credential(None, "")
    assert err.value.message == "No credential cache found" and err.value.status == 400


@pytest.mark.parametrize(
    "body", ["", "garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
)
def test_a_body_without_two_certificates_is_a_malformed_proxy(pending, body):
    with pytest.raises(DelegationError, match=re.escape(PREFIX + "Malformed proxy")):
        accept_credential(pending, body)


def test_a_single_certificate_is_a_malformed_proxy(user, pending):
    proxy = user.proxy(key=pending.private_key)
    with pytest.raises(DelegationError) as err:
        accept_credential(pending, proxy.cert_pem)
    assert err.value.message == PREFIX + "Malformed proxy"


def test_a_proxy_for_another_key_does_not_match_the_stored_key(user, spare_key, pending):
    proxy = user.proxy(key=spare_key)
    with pytest.raises(DelegationError) as err:
        accept_credential(pending, proxy.chain_pem)
    assert err.value.message == (
        PREFIX + "The proxy does not match the stored associated private key"
    )


def test_a_proxy_signed_by_another_key_fails_verification(user, other_user, pending, sign):
    forged = sign(
        _with_cn(user.cert.subject, "1"),
        user.cert.subject,
        pending.private_key.public_key(),
        other_user.key,
        extensions=[(_proxy_cert_info(), True)],
    )
    with pytest.raises(DelegationError) as err:
        accept_credential(pending, _pem(forged, user.cert))
    assert err.value.message == (
        PREFIX + "Failed to verify the proxy, maybe signed with the wrong private key?"
    )


def test_a_proxy_not_named_after_its_issuer_is_refused_with_both_names(
    user, other_user, pending, sign
):
    bad = sign(
        _with_cn(other_user.cert.subject, "1"),
        user.cert.subject,
        pending.private_key.public_key(),
        user.key,
    )
    with pytest.raises(DelegationError) as err:
        accept_credential(pending, _pem(bad, user.cert))
    assert err.value.message == (
        PREFIX + "The subject and the issuer of the proxy do not match: "
        "DC=org, DC=example, CN=Other User, CN=1 != DC=org, DC=example, CN=Test User"
    )


def test_a_proxy_ending_without_a_common_name_is_refused(user, pending, sign):
    bad = sign(
        _with_cn(user.cert.subject, "x", x509.NameOID.ORGANIZATIONAL_UNIT_NAME),
        user.cert.subject,
        pending.private_key.public_key(),
        user.key,
        extensions=[(_key_usage(digital_signature=True), True)],
    )
    with pytest.raises(DelegationError) as err:
        accept_credential(pending, _pem(bad, user.cert))
    assert err.value.message == PREFIX + "Missing trailing Common Name in the proxy"


def test_the_store_reuses_a_request_until_the_key_size_changes(user):
    store = DelegationStore()
    first = store.request("id1", USER_DN, key_size=1024)
    assert store.request("id1", USER_DN, key_size=1024) is first
    assert store.request("id1", "/DC=org/CN=Someone Else", key_size=1024) is not first
    resized = store.request("id1", USER_DN, key_size=2048)
    assert resized is not first and resized.key_size == 2048


def test_the_store_keeps_gets_and_deletes_credentials(user):
    store = DelegationStore()
    pending = store.request("id1", USER_DN, key_size=1024, voms_cred=["/a", "/b"])
    assert store.get("id1", USER_DN) is None
    proxy = user.proxy(key=pending.private_key)
    stored = store.put("id1", USER_DN, proxy.chain_pem)
    assert stored.voms_attrs_list == ["/a /b"]  # space-joined, split on newlines: the quirk
    assert store.get("id1", USER_DN) is stored
    assert store.delete("id1", USER_DN) and not store.delete("id1", USER_DN)
    with pytest.raises(DelegationError, match="No credential cache found"):
        store.put("other", USER_DN, proxy.chain_pem)


def _pem(*certs):
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


# --------------------------------------------------------------- the real client

ENDPOINT = "https://fts.example:8446"


class _Harness:
    """A throwaway FTS front: just the routes the client's delegate() calls."""

    def __init__(self, identity, *, lie_about_key=False):
        self.store = DelegationStore()
        self.identity = identity
        self.lie_about_key = lie_about_key
        self.app = self._build()

    def _build(self):
        app = Flask(__name__)
        ident = self.identity

        @app.get("/")
        def root():
            return {"api": {"major": 3, "minor": 13, "patch": 4}}

        @app.get("/whoami")
        def whoami():
            return {"user_dn": ident.user_dn, "delegation_id": ident.delegation_id}

        @app.get("/delegation/<dlg_id>")
        def view(dlg_id):
            cred = self.store.get(dlg_id, ident.user_dn)
            return Response(
                json.dumps(cred.to_json() if cred else None), mimetype="application/json"
            )

        @app.get("/delegation/<dlg_id>/request")
        def csr(dlg_id):
            pending = self.store.request(
                dlg_id, ident.user_dn, key_size=ident.key_size, voms_cred=ident.voms_cred
            )
            if self.lie_about_key:
                pending = new_request(ident.key_size)
            return Response(
                pending.csr_pem, mimetype="text/plain", headers={"X-Delegation-ID": dlg_id}
            )

        @app.route("/delegation/<dlg_id>/credential", methods=["PUT", "POST"])
        def credential(dlg_id):
            try:
                self.store.put(dlg_id, ident.user_dn, request.get_data())
            except DelegationError as exc:
                return {"status": "400 Bad Request", "message": exc.message}, 400
            return Response("", status=201)

        return app

    def __enter__(self):
        client = self.app.test_client()

        def forward(prepared):
            path = re.sub("/+", "/", prepared.path_url)  # Apache merges slashes
            resp = client.open(
                path, method=prepared.method, data=prepared.body, headers=dict(prepared.headers)
            )
            return resp.status_code, dict(resp.headers), resp.get_data()

        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.mock.__enter__()
        for method in ("GET", "PUT", "POST", "DELETE"):
            self.mock.add_callback(method, re.compile(re.escape(ENDPOINT) + "/.*"), forward)
        return self

    def __exit__(self, *exc):
        self.mock.__exit__(*exc)


@pytest.fixture
def fts3_client():
    return pytest.importorskip("fts3.rest.client")


def test_the_real_fts3_client_delegates_and_the_server_accepts_it(
    pki, user, spare_key, clock, fts3_client
):
    from fts3.rest.client.delegator import Delegator

    proxy = user.proxy(key=spare_key, vo="dteam")
    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    with _Harness(ident) as harness:
        context = fts3_client.Context(
            ENDPOINT, ucert=str(proxy.path), ukey=str(proxy.path), capath=str(pki.capath)
        )
        delegator = Delegator(context)
        assert delegator.delegate(lifetime=timedelta(hours=1)) == ident.delegation_id
        stored = harness.store.get(ident.delegation_id, ident.user_dn)
        info = delegator.get_info()
        # A second call finds the fresh delegation and does not delegate again.
        assert delegator.delegate(delegate_when_lifetime_lt=timedelta(minutes=30)) == (
            ident.delegation_id
        )
        assert harness.store.get(ident.delegation_id, ident.user_dn) is stored
    delegated = x509.load_pem_x509_certificates(stored.proxy_pem.encode())
    assert delegated[1:] == [proxy.cert, user.cert]
    assert delegated[0].issuer == proxy.cert.subject
    assert info == stored.to_json()
    assert stored.voms_attrs_list == ["/dteam/Role=NULL/Capability=NULL"]
    assert stored.termination_time <= clock.now() + timedelta(hours=1, minutes=1)
    # The server-side proxy chain is itself a valid grid chain for the same user.
    # (The client stamps notBefore with the real time, a little after our frozen clock.)
    later = clock.now() + timedelta(minutes=1)
    assert identity_from_chain(delegated, pki.trusted, later).user_dn == user.dn


def test_the_real_client_in_legacy_mode_delegates_a_cn_proxy(
    pki, user, spare_key, clock, fts3_client
):
    from fts3.rest.client.delegator import Delegator

    proxy = user.proxy(key=spare_key, legacy=True)
    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    with _Harness(ident) as harness:
        context = fts3_client.Context(ENDPOINT, ucert=str(proxy.path), capath=str(pki.capath))
        Delegator(context).delegate(legacy_mode=True)
        stored = harness.store.get(ident.delegation_id, ident.user_dn)
    delegated = x509.load_pem_x509_certificate(stored.proxy_pem.encode())
    assert delegated.subject.rfc4514_string().startswith("CN=proxy,CN=proxy,CN=Test User")


def test_the_real_client_reports_the_servers_refusal(pki, user, spare_key, clock, fts3_client):
    from fts3.rest.client.delegator import Delegator

    proxy = user.proxy(key=spare_key)
    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    with _Harness(ident, lie_about_key=True):
        context = fts3_client.Context(ENDPOINT, ucert=str(proxy.path), capath=str(pki.capath))
        with pytest.raises(fts3_client.ClientError) as err:
            Delegator(context).delegate()
    # delegate() wraps the ClientError in another one, hence the doubled prefix.
    assert str(err.value) == (
        "Client error: Client error: Bad request: Could not process the proxy: "
        "The proxy does not match the stored associated private key"
    )
