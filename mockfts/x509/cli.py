"""``mockfts make-ca`` and ``mockfts make-proxy``: a grid credential for a shell user.

::

    $ mockfts make-ca --dir /tmp/pki
    $ eval "$(mockfts make-proxy --ca-dir /tmp/pki --dn '/DC=org/DC=example/CN=Me' \\
              --vo dteam --out /tmp/x509up)"
    $ fts-rest-whoami -s https://localhost:8446

Both print shell ``export`` lines (and ``#`` comments), so ``eval "$(...)"`` sets
``X509_USER_PROXY`` and ``X509_CERT_DIR`` for the ``fts3`` client, curl
(``--capath``) and gfal, and ``X509_VOMS_DIR`` for ``voms-proxy-info --all``, which
then verifies the VOMS AC that ``--vo``/``--fqan`` put in the proxy. The CA directory is a :class:`~mockfts.x509.TestPKI`
directory: ``make-proxy`` creates the CA if it is missing and reuses the user's
certificate and key from there on later calls.

Each sub-command's handler is stored as both ``func`` and ``handler`` in the parsed
namespace; it takes the namespace and returns an exit code.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import TextIO

from mockfts.x509.pki import DEFAULT_CA_DN, DEFAULT_KEY_BITS
from mockfts.x509.testpki import TestPKI, _shell_quote

__all__ = ["add_commands", "make_ca", "make_proxy"]


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Add ``make-ca`` and ``make-proxy`` to an argparse sub-command set."""
    ca = subparsers.add_parser(
        "make-ca",
        help="create a test CA directory (X509_CERT_DIR with hashed names, bundle)",
        description="Create (or reuse) a test CA in DIR and print X509_CERT_DIR.",
    )
    ca.add_argument("--dir", required=True, help="directory for the CA and its capath")
    ca.add_argument("--dn", default=DEFAULT_CA_DN, help="CA subject, slash form")
    ca.add_argument("--key-bits", type=int, default=DEFAULT_KEY_BITS, choices=(1024, 2048, 4096))
    ca.set_defaults(func=make_ca, handler=make_ca)

    proxy = subparsers.add_parser(
        "make-proxy",
        help="mint a user certificate and an X509_USER_PROXY file from a test CA",
        description="Mint an RFC 3820 (or legacy) proxy, optionally with a VOMS "
        "attribute certificate signed by the CA's test VOMS server, and print the "
        "environment a grid client needs.",
    )
    proxy.add_argument("--ca-dir", required=True, help="a make-ca directory (created if missing)")
    proxy.add_argument("--dn", required=True, help='user DN, e.g. "/DC=org/DC=example/CN=Me"')
    proxy.add_argument("--vo", help="VO name; alone it gives /<vo>/Role=NULL/Capability=NULL")
    proxy.add_argument(
        "--fqan", action="append", default=[], help="FQAN to include (repeatable, in order)"
    )
    proxy.add_argument(
        "--vomslife",
        type=float,
        metavar="HOURS",
        help="lifetime of the VOMS AC (default: the proxy's), as voms-proxy-fake -vomslife",
    )
    life = proxy.add_mutually_exclusive_group()
    life.add_argument("--hours", type=float, default=12.0, help="proxy lifetime (default 12)")
    life.add_argument("--expired", action="store_true", help="a proxy that expired an hour ago")
    proxy.add_argument("--legacy", action="store_true", help="legacy CN=proxy instead of RFC 3820")
    proxy.add_argument("--key-bits", type=int, default=DEFAULT_KEY_BITS, choices=(1024, 2048, 4096))
    proxy.add_argument("--out", required=True, help="where to write the proxy file (mode 0600)")
    proxy.set_defaults(func=make_proxy, handler=make_proxy)


def make_ca(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    pki = TestPKI(args.dir, ca_dn=args.dn, key_bits=args.key_bits)
    out.write(f"# CA {pki.ca.dn} (hash {pki.ca.hash})\n")
    out.write(f"# CA bundle: {pki.ca_bundle}\n")
    out.write(f"export X509_CERT_DIR={_shell_quote(str(pki.capath))}\n")
    return 0


def make_proxy(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    pki = TestPKI(args.ca_dir, key_bits=args.key_bits)
    try:
        user = pki.user(args.dn)
    except ValueError as exc:
        sys.stderr.write(f"mockfts make-proxy: bad --dn: {exc}\n")
        return 2
    proxy = user.proxy(
        vo=args.vo,
        fqans=args.fqan or None,
        lifetime=timedelta(hours=args.hours),
        voms_lifetime=timedelta(hours=args.vomslife) if args.vomslife is not None else None,
        expired=args.expired,
        legacy=args.legacy,
        path=args.out,
    )
    kind = "legacy" if args.legacy else "RFC 3820"
    out.write(f"# {kind} proxy for {proxy.user_dn}\n")
    out.write(f"# subject {proxy.dn}\n")
    if proxy.voms is not None:
        out.write(f"# VO {proxy.vo}, FQANs {' '.join(proxy.fqans)}\n")
        out.write(
            f"# VOMS AC by {proxy.voms.issuer} until {proxy.voms.not_after:%Y-%m-%dT%H:%M:%SZ}\n"
        )
    out.write(f"# delegation id {proxy.delegation_id}\n")
    out.write(f"# valid until {proxy.cert.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}\n")
    out.write(pki.shell_exports(proxy))
    return 0
