"""``make-ca`` / ``make-proxy``: what a shell user runs to get a grid credential."""

from __future__ import annotations

import argparse
import io
import os
import stat
import subprocess
import sys
from datetime import timedelta

import pytest
from cryptography import x509

from mockfts.x509.cli import add_commands
from mockfts.x509.identity import CertificateExpired, identity_from_chain
from mockfts.x509.pki import delegation_id


def _run(argv):
    parser = argparse.ArgumentParser(prog="mockfts")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out = io.StringIO()
    code = args.func(args, out)
    assert args.handler is args.func
    return code, out.getvalue()


def _exports(text):
    return dict(
        line.removeprefix("export ").split("=", 1)
        for line in text.splitlines()
        if line.startswith("export ")
    )


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli") / "pki"
    code, _ = _run(["make-ca", "--dir", str(directory), "--key-bits", "1024"])
    assert code == 0
    return directory


def test_make_ca_prints_the_cert_dir_holding_the_hashed_ca(tmp_path):
    code, text = _run(["make-ca", "--dir", str(tmp_path / "ca"), "--key-bits", "1024"])
    capath = _exports(text)["X509_CERT_DIR"]
    assert code == 0 and capath == str(tmp_path / "ca" / "certificates")
    [link] = [p for p in os.listdir(capath) if p.endswith(".0")]
    ca = x509.load_pem_x509_certificate((tmp_path / "ca" / "certificates" / link).read_bytes())
    assert ca.subject == ca.issuer


def test_make_proxy_writes_a_voms_proxy_and_prints_the_client_environment(ca_dir, tmp_path):
    out = tmp_path / "x509up"
    code, text = _run(
        [
            "make-proxy",
            "--ca-dir",
            str(ca_dir),
            "--dn",
            "/DC=org/DC=example/CN=Shell User",
            "--vo",
            "dteam",
            "--fqan",
            "/dteam/Role=NULL/Capability=NULL",
            "--fqan",
            "/dteam/Role=lcgadmin/Capability=NULL",
            "--hours",
            "2",
            "--key-bits",
            "1024",
            "--out",
            str(out),
        ]
    )
    env = _exports(text)
    assert code == 0
    assert env == {
        "X509_USER_PROXY": str(out),
        "X509_CERT_DIR": str(ca_dir / "certificates"),
        "X509_VOMS_DIR": str(ca_dir / "vomsdir"),
    }
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    ca = x509.load_pem_x509_certificate((ca_dir / "ca" / "cacert.pem").read_bytes())
    certs = x509.load_pem_x509_certificates(out.read_bytes())
    ident = identity_from_chain(certs, [ca], certs[0].not_valid_before_utc + timedelta(minutes=6))
    fqans = ["/dteam/Role=NULL/Capability=NULL", "/dteam/Role=lcgadmin/Capability=NULL"]
    assert ident.voms_cred == fqans and ident.roles == ["lcgadmin"]
    assert f"# delegation id {delegation_id('/DC=org/DC=example/CN=Shell User', fqans)}" in text
    assert certs[0].not_valid_after_utc - certs[0].not_valid_before_utc == timedelta(
        hours=2, minutes=5
    )


def test_make_proxy_reuses_the_user_certificate_on_a_second_call(ca_dir, tmp_path):
    argv = [
        "make-proxy",
        "--ca-dir",
        str(ca_dir),
        "--dn",
        "/DC=org/DC=example/CN=Again",
        "--key-bits",
        "1024",
        "--out",
    ]
    _run([*argv, str(tmp_path / "one")])
    _run([*argv, str(tmp_path / "two")])
    one = x509.load_pem_x509_certificates((tmp_path / "one").read_bytes())
    two = x509.load_pem_x509_certificates((tmp_path / "two").read_bytes())
    assert one[1] == two[1] and one[0] != two[0]


def test_make_proxy_expired_gives_a_proxy_the_identity_code_refuses(ca_dir, tmp_path):
    out = tmp_path / "old"
    _run(
        [
            "make-proxy",
            "--ca-dir",
            str(ca_dir),
            "--dn",
            "/DC=org/DC=example/CN=Late",
            "--expired",
            "--key-bits",
            "1024",
            "--out",
            str(out),
        ]
    )
    ca = x509.load_pem_x509_certificate((ca_dir / "ca" / "cacert.pem").read_bytes())
    certs = x509.load_pem_x509_certificates(out.read_bytes())
    with pytest.raises(CertificateExpired):
        identity_from_chain(certs, [ca], certs[0].not_valid_after_utc + timedelta(seconds=1))


def test_make_proxy_legacy_gives_a_cn_proxy(ca_dir, tmp_path):
    out = tmp_path / "legacy"
    _, text = _run(
        [
            "make-proxy",
            "--ca-dir",
            str(ca_dir),
            "--dn",
            "/DC=org/DC=example/CN=Old",
            "--legacy",
            "--key-bits",
            "1024",
            "--out",
            str(out),
        ]
    )
    assert "# subject /DC=org/DC=example/CN=Old/CN=proxy" in text
    assert "# legacy proxy" in text


def test_make_proxy_rejects_a_dn_that_is_not_in_slash_form(ca_dir, tmp_path, capsys):
    code, _ = _run(
        [
            "make-proxy",
            "--ca-dir",
            str(ca_dir),
            "--dn",
            "CN=Me,DC=org",
            "--key-bits",
            "1024",
            "--out",
            str(tmp_path / "x"),
        ]
    )
    assert code == 2
    assert "bad --dn" in capsys.readouterr().err


def test_hours_and_expired_cannot_be_combined(ca_dir):
    with pytest.raises(SystemExit):
        _run(
            [
                "make-proxy",
                "--ca-dir",
                str(ca_dir),
                "--dn",
                "/CN=x",
                "--hours",
                "1",
                "--expired",
                "--out",
                "x",
            ]
        )


def test_a_shell_can_eval_the_output(ca_dir, tmp_path):
    script = (
        "import argparse, sys; from mockfts.x509.cli import add_commands; "
        "p = argparse.ArgumentParser(); add_commands(p.add_subparsers()); "
        "a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))"
    )
    command = (
        f'eval "$({sys.executable} -c "{script}" make-proxy --ca-dir {ca_dir} '
        f"--dn '/DC=org/DC=example/CN=Eval User' --key-bits 1024 --out {tmp_path}/p)\" "
        '&& printf "%s\\n%s\\n" "$X509_USER_PROXY" "$X509_CERT_DIR"'
    )
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [f"{tmp_path}/p", str(ca_dir / "certificates")]
