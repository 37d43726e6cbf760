"""HTTPS with client certificates: environ as mod_ssl/gridsite, refusals, real clients."""

from __future__ import annotations

import json
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import unquote_plus

import pytest
import requests
from flask import Flask, Response, request

from mockfts.x509.delegation import DelegationError, DelegationStore
from mockfts.x509.identity import identity_from_chain
from mockfts.x509.testpki import TestPKI
from mockfts.x509.tls import IDENTITY_KEY, TLSLiveServer, client_environ

USER_DN = "/DC=org/DC=example/CN=Test User"


@pytest.fixture(scope="module")
def tls_pki(tmp_path_factory, clock):
    """TLS refuses keys under 2048 bits, so this PKI pays for bigger keys (once)."""
    return TestPKI(tmp_path_factory.mktemp("tls-pki"), key_bits=2048, clock=clock)


@pytest.fixture(scope="module")
def tls_user(tls_pki):
    return tls_pki.user(USER_DN)


@pytest.fixture(scope="module")
def voms_proxy(tls_user):
    return tls_user.proxy(key=tls_user.key, vo="dteam")


def _echo(environ, start_response):
    """Echo the TLS/gridsite variables (certificates by name only) and the identity."""
    body = {k: v for k, v in environ.items() if k.startswith(("SSL_", "GRST_", "HTTPS"))}
    ident = environ.get(IDENTITY_KEY)
    body["identity"] = (
        None
        if ident is None
        else {
            "user_dn": ident.user_dn,
            "dn": ident.dn,
            "voms_cred": ident.voms_cred,
            "vos": ident.vos,
            "delegation_id": ident.delegation_id,
            "verified": ident.verified,
        }
    )
    body["path"] = environ["PATH_INFO"]
    if environ["PATH_INFO"] == "/slow":
        time.sleep(0.4)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


@pytest.fixture(scope="module")
def echo_server(tls_pki):
    with TLSLiveServer(_echo, pki=tls_pki) as server:
        yield server


def _get(server, pki, cert=None, path="/"):
    return requests.get(server.url + path, cert=cert, verify=str(pki.ca_bundle), timeout=10)


def test_a_voms_proxy_reaches_the_app_with_mod_ssl_and_gridsite_variables(
    echo_server, tls_pki, tls_user, voms_proxy
):
    env = _get(echo_server, tls_pki, str(voms_proxy.path), "//whoami").json()
    assert env["HTTPS"] == "on"
    assert env["SSL_CLIENT_VERIFY"] == "SUCCESS"
    assert env["SSL_CLIENT_S_DN"] == voms_proxy.dn
    assert env["SSL_CLIENT_I_DN"] == USER_DN
    assert env["SSL_CLIENT_CERT"] == voms_proxy.cert_pem
    assert env["SSL_CLIENT_CERT_CHAIN_0"] == tls_user.cert_pem
    assert "SSL_CLIENT_CERT_CHAIN_1" not in env  # the root was not sent by the client
    assert env["SSL_SERVER_S_DN"] == "/DC=org/DC=example/OU=computers/CN=localhost"
    assert env["GRST_CRED_AURI_0"] == "dn:/DC=org/DC=example/CN=Test+User"
    assert unquote_plus(env["GRST_CRED_AURI_1"][3:]) == voms_proxy.dn
    assert env["GRST_CRED_AURI_2"] == "fqan:/dteam/Role=NULL/Capability=NULL"
    assert "GRST_CRED_AURI_3" not in env
    assert env["identity"] == {
        "user_dn": USER_DN,
        "dn": [USER_DN, voms_proxy.dn],
        "voms_cred": ["/dteam/Role=NULL/Capability=NULL"],
        "vos": ["dteam"],
        "delegation_id": voms_proxy.delegation_id,
        "verified": True,
    }
    assert env["path"] == "/whoami"


def test_a_client_without_certificate_is_served_without_identity(echo_server, tls_pki):
    env = _get(echo_server, tls_pki).json()
    assert env["SSL_CLIENT_VERIFY"] == "NONE"
    assert "SSL_CLIENT_CERT" not in env and "GRST_CRED_AURI_0" not in env
    assert env["identity"] is None


def test_a_plain_user_certificate_is_accepted_too(echo_server, tls_pki, tls_user):
    env = _get(echo_server, tls_pki, (str(tls_user.path), str(tls_user.path))).json()
    assert env["identity"]["dn"] == [USER_DN]
    assert env["SSL_CLIENT_S_DN"] == USER_DN


def _refused(server, pki, cert):
    before = len(server.handshake_failures)
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        _get(server, pki, cert)
    deadline = time.monotonic() + 5
    while len(server.handshake_failures) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.handshake_failures[-1]


def test_an_expired_proxy_is_refused_at_the_handshake(echo_server, tls_pki, tls_user):
    expired = tls_user.proxy(key=tls_user.key, expired=True)
    assert "certificate has expired" in _refused(echo_server, tls_pki, str(expired.path))


def test_a_proxy_from_a_foreign_ca_is_refused_at_the_handshake(echo_server, tls_pki):
    foreign = tls_pki.foreign_ca()
    proxy = foreign.user(USER_DN, key=foreign.key).proxy(key=foreign.key)
    proxy.write(tls_pki.directory / "foreign-proxy.pem")
    assert "unable to get local issuer" in _refused(echo_server, tls_pki, str(proxy.path))


def test_a_legacy_proxy_is_refused_because_openssl_does_not_know_it(echo_server, tls_pki, tls_user):
    legacy = tls_user.proxy(key=tls_user.key, legacy=True)
    assert "certificate verify failed" in _refused(echo_server, tls_pki, str(legacy.path))


def test_clients_are_served_concurrently_even_with_a_stalled_handshake(echo_server, tls_pki):
    host, port = echo_server.url.rsplit("/", 1)[-1].rsplit(":", 1)
    with socket.create_connection((host, int(port))):  # connects, never says hello
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            paths = list(
                pool.map(
                    lambda _: _get(echo_server, tls_pki, path="/slow").json()["path"], range(8)
                )
            )
        elapsed = time.monotonic() - started
    assert paths == ["/slow"] * 8
    assert elapsed < 8 * 0.4 / 2  # far less than serially


def test_the_server_stops_cleanly_and_frees_its_port(tls_pki):
    server = TLSLiveServer(_echo, pki=tls_pki).start()
    url, port = server.url, server.port
    assert _get(server, tls_pki).status_code == 200
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, verify=str(tls_pki.ca_bundle), timeout=2)
    with socket.socket() as probe:  # the port can be bound again
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    server.stop()  # idempotent


def test_the_client_environ_reproduces_the_fts_identity_without_tls(pki, user, spare_key, clock):
    fqans = ["/dteam/Role=NULL/Capability=NULL", "/dteam/Role=lcgadmin/Capability=NULL"]
    proxy = user.proxy(key=spare_key, fqans=fqans)
    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    env = client_environ(ident)
    # What fts-rest-flask's gridsite reader does with these variables:
    dns, creds, index = [], [], 0
    while f"GRST_CRED_AURI_{index}" in env:
        cred = env[f"GRST_CRED_AURI_{index}"]
        (dns if cred.startswith("dn:") else creds).append(unquote_plus(cred.split(":", 1)[1]))
        index += 1
    assert dns == ident.dn == [user.dn, proxy.dn]
    assert creds == fqans
    assert env["SSL_CLIENT_S_DN"] == proxy.dn and env[IDENTITY_KEY] is ident
    m2 = pytest.importorskip("M2Crypto.X509").load_cert_string(proxy.cert_pem.encode())
    assert env["SSL_CLIENT_V_END"] == str(m2.get_not_after())  # OpenSSL's ASN1_TIME_print
    assert client_environ(None) == {"SSL_CLIENT_VERIFY": "NONE"}


# -------------------------------------------------------- the real fts3 client


def _fts_front(store: DelegationStore) -> Flask:
    """A throwaway FTS front over TLS: endpoint info, whoami, delegation."""
    app = Flask(__name__)

    def ident():
        return request.environ.get(IDENTITY_KEY)

    @app.get("/")
    def root():
        return {
            "api": {"major": 3, "minor": 13, "patch": 4},
            "delegation": {"major": 1, "minor": 0, "patch": 0},
        }

    @app.get("/whoami")
    def whoami():
        i = ident()
        return {
            "user_dn": i.user_dn,
            "dn": i.dn,
            "vos": i.vos,
            "voms_cred": i.voms_cred,
            "delegation_id": i.delegation_id,
            "method": "certificate",
        }

    @app.get("/delegation/<dlg_id>")
    def view(dlg_id):
        cred = store.get(dlg_id, ident().user_dn)
        return Response(json.dumps(cred.to_json() if cred else None), mimetype="application/json")

    @app.get("/delegation/<dlg_id>/request")
    def csr(dlg_id):
        i = ident()
        pending = store.request(dlg_id, i.user_dn, key_size=i.key_size, voms_cred=i.voms_cred)
        return Response(pending.csr_pem, mimetype="text/plain")

    @app.route("/delegation/<dlg_id>/credential", methods=["PUT", "POST"])
    def credential(dlg_id):
        try:
            store.put(dlg_id, ident().user_dn, request.get_data())
        except DelegationError as exc:
            return {"status": "400 Bad Request", "message": exc.message}, 400
        return Response("", status=201)

    return app


def test_the_real_fts3_client_loads_the_proxy_and_delegates_over_tls(
    tls_pki, tls_user, voms_proxy, clock
):
    easy = pytest.importorskip("fts3.rest.client.easy")
    store = DelegationStore()
    with TLSLiveServer(_fts_front(store), pki=tls_pki) as server:
        context = easy.Context(
            server.url,
            ucert=str(voms_proxy.path),
            ukey=str(voms_proxy.path),
            capath=str(tls_pki.capath),
        )
        assert context.get_endpoint_info()["api"] == {"major": 3, "minor": 13, "patch": 4}
        who = easy.whoami(context)
        dlg_id = easy.delegate(context, lifetime=timedelta(hours=2))
    assert who["dn"] == [USER_DN, voms_proxy.dn]
    assert who["delegation_id"] == dlg_id == voms_proxy.delegation_id
    stored = store.get(dlg_id, USER_DN)
    assert stored.voms_attrs_list == ["/dteam/Role=NULL/Capability=NULL"]
    assert stored.termination_time <= clock.now() + timedelta(hours=2, minutes=1)


def test_the_real_fts3_client_refuses_an_expired_proxy_before_connecting(tls_pki, tls_user):
    easy = pytest.importorskip("fts3.rest.client.easy")
    expired = tls_user.proxy(key=tls_user.key, expired=True)
    with pytest.raises(Exception, match="Proxy expired!"):
        easy.Context("https://127.0.0.1:1", ucert=str(expired.path), capath=str(tls_pki.capath))


def test_ssl_allows_proxy_certificates_in_the_server_context(echo_server):
    assert echo_server.context.verify_flags & ssl.VERIFY_ALLOW_PROXY_CERTS
    assert echo_server.context.verify_mode == ssl.CERT_OPTIONAL
