"""Grid users: X.509 proxies from the double's test PKI, delegation with the official
client, and the certificate-only routes. In-process (the transport verifies the chain
``requests`` presents) and over real TLS (the handshake does)."""

from __future__ import annotations

import json
import re

import fts3.rest.client.easy as easy
import pytest
import requests
from fts3.rest.client.exceptions import Unauthorized

from mockfts import FtsDouble
from tests.fts.conftest import transfer

DN = "/DC=org/DC=example/OU=Users/CN=Grid User"


@pytest.fixture(scope="module")
def grid():
    """One double (and PKI) for the module: minting a CA costs more than a test."""
    double = FtsDouble()
    double.pki  # noqa: B018 - create it now
    yield double


@pytest.fixture(params=["inprocess", "tls"])
def grid_fts(request, grid):
    grid.reset()
    if request.param == "inprocess":
        with grid.intercept(["https://fts3.mock:8446"]):
            grid.endpoint = "https://fts3.mock:8446"
            yield grid
    else:
        with grid.serve_tls() as server:
            grid.endpoint = server.url
            yield grid


@pytest.fixture
def proxy(grid):
    return grid.proxy(DN, vo="dteam")


def context(fts, credential):
    return easy.Context(
        fts.endpoint,
        ucert=str(credential.path),
        ukey=str(credential.path),
        capath=str(fts.pki.capath),
    )


def test_whoami_with_a_voms_proxy(grid_fts, proxy):
    me = easy.whoami(context(grid_fts, proxy))
    assert me["method"] == "certificate" and me["user_dn"] == DN
    assert me["dn"][0] == DN and len(me["dn"]) == 2
    assert me["voms_cred"] == ["/dteam/Role=NULL/Capability=NULL"]
    assert me["vos"] == ["dteam"] and me["delegation_id"] == proxy.delegation_id
    assert me["level"] == {"transfer": "vo", "datamanagement": "all"}


def test_submission_needs_a_delegation_then_works(grid_fts, proxy):
    from fts3.rest.client.exceptions import NeedDelegation

    ctx = context(grid_fts, proxy)
    job = easy.new_job([easy.new_transfer(*transfer())])
    with pytest.raises(NeedDelegation):
        ctx.post_json("/jobs", job)
    dlg_id = easy.delegate(ctx, lifetime=__import__("datetime").timedelta(hours=6))
    assert dlg_id == proxy.delegation_id
    info = json.loads(ctx.get(f"/delegation/{dlg_id}"))
    assert set(info) == {"termination_time", "voms_attrs"}
    job_id = easy.submit(ctx, job)
    status = easy.get_job_status(ctx, job_id)
    assert status["cred_id"] == dlg_id and status["job_metadata"] == {"auth_method": "certificate"}
    assert grid_fts.run_job(job_id).job_state == "FINISHED"


def test_no_delegation_reads_as_empty_for_new_clients_and_null_for_curl(grid_fts, proxy):
    ctx = context(grid_fts, proxy)
    assert json.loads(ctx.get(f"/delegation/{proxy.delegation_id}")) == []
    with pytest.raises(Unauthorized, match="The requested ID and the credentials ID do not match"):
        ctx.get("/delegation/0000000000000000")


def test_delegation_can_be_removed(grid_fts, proxy):
    from fts3.rest.client.exceptions import NotFound

    ctx = context(grid_fts, proxy)
    easy.delegate(ctx)
    ctx.delete(f"/delegation/{proxy.delegation_id}")
    with pytest.raises(NotFound):
        ctx.delete(f"/delegation/{proxy.delegation_id}")


def test_whoami_certificate_returns_the_presented_chain(grid_fts, proxy):
    pem = context(grid_fts, proxy).get("/whoami/certificate")
    assert pem.count("BEGIN CERTIFICATE") == 2


def test_token_users_get_certificate_required(grid_fts):
    token = grid_fts.token_for("alice", "dteam")
    reply = requests.get(
        grid_fts.endpoint + "/whoami/certificate",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
        verify=str(grid_fts.pki.ca_bundle),
    )
    assert (reply.status_code, reply.json()) == (
        403,
        {"status": "403 Forbidden", "message": "Certificate required"},
    )


def test_expired_foreign_and_forged_proxies_are_refused(grid_fts, grid, tmp_path):
    from mockfts.x509 import TestPKI

    expired = grid.pki.user(DN).proxy(vo="dteam", expired=True)
    foreign = TestPKI(tmp_path / "elsewhere").user(DN).proxy(vo="dteam")
    impostor = grid.pki.foreign_ca(grid.pki.ca.dn)  # our CA's name, another key: forged
    forged = impostor.user(DN, home=tmp_path / "forged").proxy(vo="dteam")
    forged.write(tmp_path / "forged.pem")
    for credential in (expired, foreign, forged):
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(
                grid_fts.endpoint + "/whoami",
                timeout=10,
                cert=str(credential.path),
                verify=str(grid.pki.ca_bundle),
            )


def test_root_is_the_host_certificate(grid_fts, grid, proxy):
    if grid_fts.endpoint.startswith("https://fts3.mock"):
        grid_fts.state.host_dn = grid.pki.host().dn
    host = grid.pki.host()
    ctx = easy.Context(
        grid_fts.endpoint,
        ucert=str(grid.pki.host_cert_path),
        ukey=str(grid.pki.host_key_path),
        capath=str(grid.pki.capath),
    )
    me = easy.whoami(ctx)
    assert me["is_root"] is True and me["user_dn"] == host.dn
    assert json.loads(ctx.delete("/jobs/all")) == {
        "affected_files": 0,
        "affected_dm": 0,
        "affected_jobs": 0,
    }


def test_voms_extension_of_a_delegated_proxy(grid_fts, proxy):
    ctx = context(grid_fts, proxy)
    easy.delegate(ctx)
    dlg = proxy.delegation_id
    answer = ctx.post_json(f"/delegation/{dlg}/voms", ["dteam:/dteam/Role=lcgadmin"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", answer)
    info = json.loads(ctx.get(f"/delegation/{dlg}"))
    assert info["voms_attrs"] == ["/dteam/Role=lcgadmin/Capability=NULL"]
    from fts3.rest.client.exceptions import ClientError

    with pytest.raises(ClientError, match="Expecting a list of strings"):
        ctx.post_json(f"/delegation/{dlg}/voms", {"not": "a list"})


def test_another_vo_cannot_read_or_cancel_the_job(grid_fts, grid, proxy):
    from fts3.rest.client.exceptions import Unauthorized

    owner = context(grid_fts, proxy)
    job_id = easy.submit(owner, easy.new_job([easy.new_transfer(*transfer())]))
    stranger = context(grid_fts, grid.proxy("/DC=org/DC=example/CN=Atlas User", vo="atlas"))
    with pytest.raises(Unauthorized, match="Not enough permissions to check the job"):
        easy.get_job_status(stranger, job_id)
    with pytest.raises(Unauthorized):
        easy.cancel(stranger, job_id)
    assert easy.get_job_status(owner, job_id)["job_state"] == "SUBMITTED"
