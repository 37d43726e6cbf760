"""Populate an :class:`AuthModel`: Faker-made accounts (seeded) plus a scenario.

A scenario is a YAML or JSON document (a file path, a name of a file in
``fixtures/globus/``, ``"default"`` for the one shipped with the package, or a dict)::

    identity_providers:            # optional; users' domains get one made up otherwise
      - {name: University of Example, domains: [example.edu], short_name: example}
    users:
      - username: alice@globusid.org
        name: Alice Example         # name, email, organization, id: Faker/derived if absent
        linked: [alice@example.edu] # linked identities, created if unknown
    projects:
      - {display_name: SDK Tutorial Project, contact_email: a@b.org, admins: [alice@globusid.org]}
    clients:
      - {name: SDK Tutorial App, id: <uuid>, type: public_installed_client,
         project: SDK Tutorial Project, redirect_uris: [...]}
      - {name: Portal, id: <uuid>, type: confidential_client, secret: "..."}
    scopes:                        # scopes a client serves (its resource server)
      - {client: <uuid>, suffix: all, name: My API, dependent_scopes: [<scope string>]}
    groups:                        # seeded by Groups (mockglobus/groups/model.py), not Auth
      - {name: Lab members, id: <uuid>, members: [alice@globusid.org], admins: [...]}
    consents:
      - {user: alice@globusid.org, client: <uuid>, scope: "<scope string>"}
    browser_user: alice@globusid.org   # authorize URLs then redirect without a login page
    default_user: alice@globusid.org   # who get_auth_code()/token_for() use by default
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockcore.scenarios import read_scenario, scenario_copy

if TYPE_CHECKING:
    from mockglobus.auth.model import AuthModel

#: Where a scenario name is looked up: the package's, then the repository's fixtures.
FOLDERS = (
    Path(__file__).with_name("scenarios"),
    Path(__file__).resolve().parents[2] / "fixtures" / "globus",
)


DEFAULT_SCENARIO = "default"


def load_scenario(scenario: str | Path | dict | None) -> dict[str, Any]:
    """The scenario as a mapping (a copy: a file is parsed once per process while it is
    unchanged, since parsing YAML costs more than seeding from it)."""
    return scenario_copy(scenario, FOLDERS)


def check_scenario(scenario: str | Path | dict | None) -> dict[str, Any]:
    """The scenario as a mapping, a file's shared (do not change it); raises what seeding
    from it would (no such file, not a mapping), for a double that seeds later."""
    return read_scenario(scenario, FOLDERS)


def _fill(model: AuthModel, username: str, entry: dict[str, Any]) -> dict[str, Any]:
    """Name, email and organization from the entry, or made up by the seeded Faker."""
    faker = model.state.ids.faker
    local = username.split("@", 1)[0]
    name = entry.get("name")
    if name is None:
        name = f"{local.replace('.', ' ').replace('_', ' ').title()} {faker.last_name()}"
    return {
        "name": name,
        "email": entry.get(
            "email",
            username if "globusid" not in username else f"{local}@{faker.free_email_domain()}",
        ),
        "organization": entry.get("organization"),
        "id": entry.get("id"),
    }


def seed(model: AuthModel, scenario: str | Path | dict | None, faker_users: int) -> None:
    """Add what ``scenario`` names, and ``faker_users`` made-up users, to ``model``."""
    data = load_scenario(scenario)
    accounts, registry, tables = model.accounts, model.client_registry, model.tables
    for idp in data.get("identity_providers") or []:
        accounts.add_identity_provider(
            idp["name"], list(idp["domains"]), short_name=idp.get("short_name"), id=idp.get("id")
        )
    for entry in data.get("users") or []:
        username = entry["username"]
        primary = accounts.add_user(username, **_fill(model, username, entry))
        for linked in entry.get("linked") or []:
            if isinstance(linked, str):
                linked = {"username": linked}
            try:
                accounts.link(linked["username"], primary.id)
            except KeyError:
                accounts.add_user(
                    linked["username"],
                    link_to=primary.id,
                    **_fill(model, linked["username"], linked),
                )
    _faker_users(model, faker_users)
    projects: dict[str, str] = {}
    for entry in data.get("projects") or []:
        admins = [accounts.identity(a).id for a in entry.get("admins") or []]
        project = registry.add_project(
            entry["display_name"],
            entry.get("contact_email") or "support@example.org",
            admins,
            id=entry.get("id"),
        )
        projects[project.display_name] = project.id
    for entry in data.get("clients") or []:
        project = entry.get("project")
        registry.add_client(
            entry["name"],
            entry.get("type", "confidential_client"),
            id=entry.get("id"),
            secret=entry.get("secret"),
            project=projects.get(project, project),
            redirect_uris=entry.get("redirect_uris") or [],
            resource_server=entry.get("resource_server"),
            fqdns=entry.get("fqdns") or [],
        )
    for entry in data.get("scopes") or []:
        client = tables.clients[entry["client"]]
        deps = [
            {
                "scope": model.scope_registry.id_of(s.lstrip("*")),
                "optional": s.startswith("*"),
                "requires_refresh_token": False,
            }
            for s in entry.get("dependent_scopes") or []
        ]
        model.scope_registry.register(
            f"https://auth.globus.org/scopes/{client.id}/{entry.get('suffix', 'all')}",
            client.rs_name,
            entry.get("name", client.name),
            client=client.id,
            description=entry.get("description", ""),
            dependent_scopes=deps,
        )
    for entry in data.get("consents") or []:
        model.consents.grant_consent(entry["user"], entry["scope"], entry.get("client"))
    users = accounts.users
    tables.browser_user = data.get("browser_user")
    tables.default_user = data.get("default_user") or (users[0].username if users else None)


def _faker_users(model: AuthModel, count: int) -> None:
    faker = model.state.ids.faker
    for _ in range(count):
        first, last = faker.first_name(), faker.last_name()
        domain = faker.domain_name()
        idp = model.accounts.idp_for_domain(domain)
        assert idp is not None
        username = f"{first.lower()}.{last.lower()}@{domain}"
        if username.lower() in model.tables.by_username:
            continue
        model.accounts.add_user(
            username,
            name=f"{first} {last}",
            email=username,
            organization=idp.name,
            id=str(model.state.ids.uuid4()),
        )
