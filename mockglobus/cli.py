"""``mockglobus serve``: Globus Auth, Transfer, Groups, Search and Timers on one localhost port.

It prints the environment that points globus-sdk and globus-cli at it, then serves
until Ctrl-C or SIGTERM. The clock runs ``--speed`` times faster than real time, so
Transfer tasks finish sooner (access tokens, 48 virtual hours, then also expire
sooner; the SDK renews them on the 401).

Client-identity mode of globus-cli needs a client id and secret: give your own with
``--client-id``/``--client-secret`` (registered as a client identity), or use the one
the scenario provides (printed). In the default permissive mode any UUID client id with
any secret is accepted on first use and remembered; ``--strict`` turns that off.
"""

from __future__ import annotations

import argparse
import sys
import uuid

from mockcore import serving
from mockcore.clock import ScaledClock


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockglobus", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser(
        "serve", help="serve Auth, Transfer, Groups, Search and Timers on one port"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8447, help="0 picks a free port")
    serve.add_argument("--seed", type=int, default=0, help="seed of ids and fake data")
    serve.add_argument(
        "--scenario",
        default="default",
        help="scenario file (YAML/JSON) or name in fixtures/globus/",
    )
    serve.add_argument(
        "--speed", type=float, default=10.0, help="virtual seconds per real second (default 10)"
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        help="refuse unknown clients and scopes instead of registering them",
    )
    serve.add_argument("--client-id", help="client id globus-cli will use (a UUID)")
    serve.add_argument("--client-secret", help="its secret")
    serving.add_server_arguments(serve)
    sub.add_parser("routes", help="print the routes the double serves, as a Markdown table")
    return parser


def routes() -> int:
    """The route coverage tables, generated from the services' route tables."""
    from mockcore.routes import coverage_markdown
    from mockglobus import control
    from mockglobus.auth import routes as auth
    from mockglobus.groups import routes as groups
    from mockglobus.search import routes as search
    from mockglobus.timers import routes as timers
    from mockglobus.transfer import routes as transfer

    tables = [
        ("Auth", auth.ROUTES, ""),
        ("Transfer", transfer.ROUTES, "/v0.10"),
        ("Groups", groups.ROUTES, groups.PREFIX),
        ("Search", search.ROUTES, ""),
        ("Timers", timers.ROUTES, ""),
        ("Double only", control.ROUTES, ""),
    ]
    print(
        "\n\n".join(
            f"**{name}**\n\n"
            + coverage_markdown(table, upstream_heading="globus_sdk method", prefix=prefix)
            for name, table, prefix in tables
        )
    )
    return 0


def serve(args: argparse.Namespace) -> int:
    from mockglobus.double import GlobusDouble

    if bool(args.client_id) != bool(args.client_secret):
        print("mockglobus: give both --client-id and --client-secret, or neither", file=sys.stderr)
        return 2
    if args.client_id:
        try:
            args.client_id = str(uuid.UUID(args.client_id))
        except ValueError:
            print(
                f"mockglobus: --client-id must be a UUID, not {args.client_id!r}", file=sys.stderr
            )
            return 2
    try:
        double = GlobusDouble(
            seed=args.seed,
            clock=ScaledClock(args.speed),
            scenario=args.scenario,
            permissive=not args.strict,
        )
    except (OSError, ValueError) as exc:
        print(f"mockglobus: {exc}", file=sys.stderr)
        return 2
    durable = serving.prepare(double, args)
    if args.client_id:
        auth = double.auth
        if args.client_id in auth.clients:
            auth.add_credential(args.client_id, "mockglobus serve", args.client_secret)
        else:
            auth.add_client(
                "mockglobus serve client",
                "client_identity",
                id=args.client_id,
                secret=args.client_secret,
            )
    client_id = args.client_id or double.cli_client_id  # (registers one if there is none)
    if durable is not None:
        durable.checkpoint()  # before the first request: what startup made survives too
    try:
        server = double.serve(
            args.host, args.port, threads=args.threads, limits=serving.limits_from(args)
        ).start()
    except OSError as exc:
        print(f"mockglobus: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        if durable is not None:
            durable.close()
        return 1
    env = double.env(server.url, client_id, args.client_secret)
    users = ", ".join(u.username for u in double.auth.users[:5])
    lines = [
        f"# mockglobus: Globus Auth, Transfer, Groups, Search and Timers on {server.url}/ (Ctrl-C to stop)",
        f"# users: {users}",
        f"# dashboard: {server.url}/_mock/ui",
        *([f"# state kept in {args.state}"] if durable is not None else []),
        "# export these to point globus-sdk and globus-cli at it:",
        *(f"export {name}={value}" for name, value in env.items()),
        "# globus-cli caches tokens under ~/.globus/cli; give it a fresh HOME per server run:",
        "#   export HOME=$(mktemp -d)",
    ]
    print("\n".join(lines), flush=True)
    return serving.serve_until_signalled(
        server, durable=durable, on_stop=lambda: print("# mockglobus: stopped", flush=True)
    )


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "serve")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "routes":
        return routes()
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
