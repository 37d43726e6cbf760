"""``mockfts``: run the FTS3 double as a standalone server, and its helper commands."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from mockcore import serving
from mockcore.clock import ScaledClock
from mockfts.double import FtsDouble
from mockfts.profiles import PROFILES


def _tls_setup(double: FtsDouble, args: argparse.Namespace) -> list[str]:
    """Point the double at a PKI directory and mint a proxy for the default grid user."""
    from mockfts.x509 import TestPKI

    directory = Path(args.pki or Path(tempfile.gettempdir()) / "mockfts-pki")
    double._pki = TestPKI(directory)
    proxy = double.pki.user(args.grid_user).proxy(vo=args.grid_vo)
    return [f"export X509_USER_PROXY={proxy.path}", f"export X509_CERT_DIR={double.pki.capath}"]


def _serve(args: argparse.Namespace) -> int:
    try:
        double = FtsDouble(
            profile=args.profile,
            clock=ScaledClock(speed=args.speed),
            seed=args.seed,
            scenario=args.scenario,
        )
    except (OSError, ValueError) as exc:  # no such scenario, or one the double refuses
        print(f"mockfts: scenario {args.scenario}: {exc}", file=sys.stderr)
        return 2
    durable = serving.prepare(double, args)
    exports = _tls_setup(double, args) if args.tls else []
    tokens = []
    for spec in args.user:
        user, _, vo = spec.partition(":")
        token = double.token_for(user, vo or "dteam", lifetime=args.token_lifetime)
        tokens.append(f"token for {user} ({vo or 'dteam'}): {token}")
    for name, token in double.scenario.tokens.items():
        tokens.append(f"token for {name} (scenario): {token}")
    if durable is not None:
        durable.checkpoint()  # before the first request: the tokens survive a restart too
    server = (
        double.serve_tls(args.host, args.port)
        if args.tls
        else double.serve(
            args.host, args.port, threads=args.threads, limits=serving.limits_from(args)
        )
    )
    try:
        server.start()
    except OSError as exc:
        print(f"mockfts: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        if durable is not None:
            durable.close()
        return 1
    print(f"mockfts {double.state.profile.name} serving on {server.url}", flush=True)
    for line in tokens + exports:
        print(line, flush=True)
    if durable is not None:
        print(f"state kept in {args.state}", flush=True)
    if args.tls:
        print(f"try: fts-rest-whoami -s {server.url}", flush=True)
    else:
        print(f"try: fts-rest-whoami -s {server.url} --fts-access-token <token>", flush=True)
    print(f"dashboard: {server.url}/_mock/ui", flush=True)
    return serving.serve_until_signalled(
        server, durable=durable, on_stop=lambda: print("mockfts stopped", flush=True)
    )


def _routes(args: argparse.Namespace) -> int:
    from mockfts.catalogue import coverage_markdown

    print(coverage_markdown())  # the same for every profile (--profile is accepted)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockfts", description="A fake FTS3 REST server.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the double on a local port")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8446)
    serve.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=None,
        help="FTS REST generation to imitate (default: the scenario's, else today's, 3.14)",
    )
    serve.add_argument(
        "--scenario",
        default=None,
        metavar="NAME|PATH",
        help="start from a scenario (YAML/JSON): a path, or a name in mockfts/scenarios "
        "(rucio-site-pair, busy-link, banned-storage)",
    )
    serve.add_argument(
        "--speed",
        type=float,
        default=4.0,
        help="virtual seconds per real second (default 4: a small mock "
        "transfer finishes in about 2 s)",
    )
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument(
        "--user",
        action="append",
        default=None,
        metavar="NAME[:VO]",
        help="print a bearer token for this user (repeatable; default alice:dteam)",
    )
    serve.add_argument("--token-lifetime", type=float, default=12 * 3600)
    serve.add_argument(
        "--tls",
        action="store_true",
        help="HTTPS with client certificates from a test CA (prints the "
        "X509_USER_PROXY and X509_CERT_DIR to export)",
    )
    serve.add_argument(
        "--pki",
        metavar="DIR",
        help="PKI directory for --tls (created if missing; default: "
        "<tmp>/mockfts-pki); see also 'mockfts make-ca/make-proxy'",
    )
    serve.add_argument(
        "--grid-user",
        default="/DC=org/DC=example/OU=Users/CN=Grid User",
        help="DN of the user whose proxy --tls prints",
    )
    serve.add_argument("--grid-vo", default="dteam")
    serving.add_server_arguments(serve)
    serve.set_defaults(handler=_serve)
    routes = commands.add_parser(
        "routes",
        help="print the REST routes and the double's coverage of them, as a Markdown table",
    )
    routes.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="legacy",
        help="ignored: every profile has the same routes (/snapshot "
        "answers in the legacy one only)",
    )
    routes.set_defaults(handler=_routes)
    x509_cli: Any
    try:
        from mockfts.x509 import cli as x509_cli
    except ImportError:  # the X.509 tools are optional extras of the CLI
        x509_cli = None
    if x509_cli is not None and hasattr(x509_cli, "add_commands"):
        x509_cli.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "user", []) is None:
        args.user = ["alice:dteam"]
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
