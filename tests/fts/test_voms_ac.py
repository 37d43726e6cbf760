"""Real VOMS attribute certificates: ours read by ``voms-proxy-info``, and a proxy
made by ``voms-proxy-fake`` (Debian ``voms-clients``) read by the double over TLS.

Both tools come from ``make system-deps``; without them these tests are skipped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import fts3.rest.client.easy as easy
import pytest
from cryptography import x509

from mockfts import FtsDouble
from mockfts.cli import main
from mockfts.x509 import TestPKI, UntrustedAttributes, identity_from_chain, voms
from tests.fts.conftest import transfer

DN = "/DC=org/DC=example/OU=Users/CN=Voms User"
FQANS = ["/dteam/Role=NULL/Capability=NULL", "/dteam/Role=production/Capability=NULL"]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package voms-clients; make system-deps)")
    return path


def _voms_proxy_info(proxy: Path, pki_dir: Path) -> str:
    env = {
        **os.environ,
        "X509_CERT_DIR": str(pki_dir / "certificates"),
        "X509_VOMS_DIR": str(pki_dir / "vomsdir"),
    }
    done = subprocess.run(
        [_tool("voms-proxy-info"), "--all", "--file", str(proxy)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _vomsapi_verifies(proxy: Path, vomsdir: Path, certdir: Path) -> str | None:
    """Full AC verification by libvomsapi (``VOMS_RetrieveFromFile``, verification
    ``VERIFY_FULL``; italiangrid/voms ``src/api/ccapi/cinterface.cc``): None if the AC
    verifies, else the library's message. ``voms-proxy-info`` silently falls back to
    showing an unverified AC (``src/utils/voms_proxy_info.cc``), so this is the check."""
    try:
        lib = ctypes.CDLL("libvomsapi.so.1")
    except OSError:
        pytest.skip("libvomsapi.so.1 is not installed (Debian package voms-clients)")
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    lib.VOMS_Init.restype = ctypes.c_void_p
    lib.VOMS_Init.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.VOMS_RetrieveFromFile.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_int),
    ]
    lib.VOMS_ErrorMessage.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.VOMS_Destroy.argtypes = [ctypes.c_void_p]
    data = lib.VOMS_Init(str(vomsdir).encode(), str(certdir).encode())
    handle = libc.fopen(str(proxy).encode(), b"r")
    error = ctypes.c_int(0)
    try:
        ok = lib.VOMS_RetrieveFromFile(handle, 0, data, ctypes.byref(error))  # RECURSE_CHAIN
        message = ctypes.create_string_buffer(1024)
        if not ok:
            lib.VOMS_ErrorMessage(data, error.value, message, len(message))
    finally:
        libc.fclose(handle)
        lib.VOMS_Destroy(data)
    return None if ok else message.value.decode() or f"error {error.value}"


def _fields(text: str) -> list[tuple[str, str]]:
    return [
        (key.strip(), value.strip())
        for key, sep, value in (line.partition(":") for line in text.splitlines())
        if sep
    ]


def test_voms_proxy_info_verifies_and_shows_the_ac_of_make_proxy(tmp_path, capsys):
    out = tmp_path / "x509up"
    argv = ["make-proxy", "--ca-dir", str(tmp_path / "pki"), "--dn", DN, "--vo", "dteam"]
    code = main([*argv, "--fqan", "/dteam/Role=production", "--hours", "2", "--out", str(out)])
    assert code == 0 and "export X509_VOMS_DIR=" in capsys.readouterr().out

    text = _voms_proxy_info(out, tmp_path / "pki")

    section = _fields(text.split("=== VO dteam extension information ===")[1])
    assert ("VO", "dteam") in section
    assert ("attribute", "/dteam/Role=production") in section
    assert ("issuer", "/DC=org/DC=example/OU=computers/CN=voms.example.org") in section
    assert ("subject", DN) in section
    assert ("uri", "voms.example.org:15000") in section
    hours, minutes, _ = dict(section)["timeleft"].split(":")
    assert timedelta(hours=int(hours), minutes=int(minutes)) > timedelta(hours=1, minutes=55)


def test_libvomsapi_verifies_our_ac_with_the_vomsdir_and_only_with_it(tmp_path):
    pki = TestPKI(tmp_path / "pki")
    proxy = pki.user(DN).proxy(fqans=FQANS, path=tmp_path / "x509up")
    assert proxy.path is not None

    assert _vomsapi_verifies(proxy.path, pki.vomsdir, pki.capath) is None
    empty = tmp_path / "empty-vomsdir"
    empty.mkdir()
    assert _vomsapi_verifies(proxy.path, empty, pki.capath) == "Cannot verify AC signature!"


@pytest.fixture(scope="module")
def grid():
    double = FtsDouble()
    double.pki  # noqa: B018 - create it now
    return double


def _fake_proxy(pki: TestPKI, out: Path, *fqans: str, hostcert=None, hostkey=None) -> Path:
    """``voms-proxy-fake`` with the test PKI's user and VOMS server (reference recipe of
    italiangrid/voms ``src/utils/vomsfake.cc``)."""
    user = pki.user(DN)
    assert user.path is not None
    home = user.path.parent
    argv = [
        _tool("voms-proxy-fake"),
        "-cert", str(home / "usercert.pem"),
        "-key", str(home / "userkey.pem"),
        "-hostcert", str(hostcert or pki.voms.path),
        "-hostkey", str(hostkey or pki.voms_key_path),
        "-voms", "dteam",
        "-uri", "voms.example.org:15000",
        "-rfc", "-bits", "2048", "-hours", "2",
        "-certdir", str(pki.capath),
        "-out", str(out),
    ]  # fmt: skip
    for fqan in fqans:
        argv += ["-fqan", fqan]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=out.parent)
    assert done.returncode == 0, done.stderr
    return out


def test_a_voms_proxy_fake_proxy_submits_with_its_vo_and_fqans_over_tls(grid, tmp_path):
    proxy = _fake_proxy(grid.pki, tmp_path / "x509up", *FQANS)
    grid.reset()
    with grid.serve_tls() as server:
        ctx = easy.Context(
            server.url, ucert=str(proxy), ukey=str(proxy), capath=str(grid.pki.capath)
        )
        me = easy.whoami(ctx)
        job_id = easy.submit(ctx, easy.new_job([easy.new_transfer(*transfer())]))
        status = easy.get_job_status(ctx, job_id)

    assert me["user_dn"] == DN and me["voms_cred"] == FQANS
    assert me["vos"] == ["dteam"] and me["roles"] == ["production"]
    assert status["vo_name"] == "dteam" and status["user_dn"] == DN
    assert grid.state.job(job_id).vo_name == "dteam"


def test_the_double_reads_a_voms_proxy_fake_ac_like_its_own(grid, tmp_path):
    proxy = _fake_proxy(grid.pki, tmp_path / "x509up", *FQANS)
    ours = grid.pki.user(DN).proxy(fqans=FQANS, path=tmp_path / "ours")
    certs = x509.load_pem_x509_certificates(proxy.read_bytes())
    theirs = voms.read(certs[0])[0]
    mine = ours.voms

    assert (theirs.vo, theirs.fqans, theirs.issuer, theirs.uri) == (
        mine.vo, mine.fqans, mine.issuer, mine.uri
    )  # fmt: skip
    assert theirs.holder_issuer == DN  # voms-proxy-fake's default "old" holder format
    ident = identity_from_chain(certs, grid.pki.trusted, grid.clock.now())
    assert ident.voms_cred == FQANS and ident.ignored_voms == []


def test_an_ac_from_a_voms_server_of_an_untrusted_ca_is_ignored_not_refused(grid, tmp_path):
    foreign = grid.pki.foreign_ca().voms_server()
    cert, key = tmp_path / "vomscert.pem", tmp_path / "vomskey.pem"
    cert.write_text(foreign.cert_pem)
    key.write_text(foreign.key_pem)
    key.chmod(0o600)
    proxy = _fake_proxy(grid.pki, tmp_path / "x509up", *FQANS, hostcert=cert, hostkey=key)
    grid.reset()
    with grid.serve_tls() as server:
        ctx = easy.Context(
            server.url, ucert=str(proxy), ukey=str(proxy), capath=str(grid.pki.capath)
        )
        me = easy.whoami(ctx)

    assert me["user_dn"] == DN and me["voms_cred"] == []  # gridsite drops the FQANs
    assert me["vos"] == [me["delegation_id"]]  # so FTS falls back to the virtual VO


def test_a_trusted_voms_server_list_pins_the_signer(grid):
    proxy = grid.pki.user(DN).proxy(vo="dteam")
    other = grid.pki.foreign_ca().voms_server()
    pinned = identity_from_chain(
        proxy.chain_pem, grid.pki.trusted, grid.clock.now(), voms_servers=[other.cert]
    )
    assert pinned.voms_cred == [] and "not signed by" in pinned.ignored_voms[0]
    listed = identity_from_chain(
        proxy.chain_pem, grid.pki.trusted, grid.clock.now(), voms_servers=[grid.pki.voms.cert]
    )
    assert listed.voms_cred == ["/dteam/Role=NULL/Capability=NULL"]


def test_an_ac_for_another_user_certificate_is_ignored(grid):
    proxy = grid.pki.user(DN).proxy(vo="dteam")
    stranger = grid.pki.user("/DC=org/DC=example/CN=Someone Else")
    with pytest.raises(UntrustedAttributes, match="holder"):
        voms.check(proxy.voms, stranger.cert, grid.clock.now(), trusted=grid.pki.trusted)


def test_our_ac_names_the_user_certificate_and_carries_the_signing_voms_certificate(grid):
    user = grid.pki.user(DN)
    attrs = user.proxy(fqans=FQANS).voms

    # RFC 3281 ("new" format): the issuer and serial of the user certificate
    assert (attrs.holder_issuer, attrs.holder_serial) == (grid.pki.ca.dn, user.cert.serial_number)
    assert attrs.issuer == grid.pki.voms.dn and attrs.certificates == (grid.pki.voms.cert,)
    assert attrs.uri == "voms.example.org:15000" and attrs.fqans == tuple(FQANS)
