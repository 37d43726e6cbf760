"""FTS scenarios: the world a double starts with, written down (YAML or JSON).

Everything is loaded the way a site would have made it, through the double's own REST
API (as root, or as the named user), so the real validation applies and a scenario
the real server would refuse is refused::

    tokens:                        # bearer tokens, minted on load: double.scenario_tokens
      alice: {user: alice, vo: dteam}
    certificates:                  # X.509 users with a delegated proxy: scenario_identities
      carol: {dn: /DC=org/DC=example/CN=Carol, fqans: [/atlas/Role=production]}
    admins: [/DC=org/DC=example/CN=Site Admin]   # admin grants (only a database makes them)
    config:                        # bodies POSTed as root to /config/<name>, in this order
      se: {mock://a.example: {se_info: {inbound_max_active: 10}}}
      links: [{symbolicname: a-b, source: mock://a.example, destination: mock://b.example,
               min_active: 1, max_active: 2}]
      shares: [{source: ..., destination: ..., vo: dteam, share: 10}]
      activity_shares: [{vo: dteam, share: [{express: 9}, {default: 1}]}]
      global: [{vo_name: dteam, retry: 2}]
      authorize: [{dn: ..., operation: config}]
    bans:                          # POST /ban/se and /ban/dn, as an operator of ``vo``
      se: [{storage: mock://bad.example, status: cancel, message: broken disk, vo: dteam}]
      dn: [{user_dn: /DC=org/CN=Mallory}]
    optimizer:                     # POST /optimizer/current: history the scheduler reads
      - {source_se: mock://a.example, dest_se: mock://b.example, active: 4, throughput: 20}
    jobs:                          # POST /jobs as a user above, then driven to a state
      - {as: alice, state: FINISHED, body: {files: [{sources: [...], destinations: [...]}]}}

A job's ``state`` (default SUBMITTED) is where the clock leaves it: jobs to finish run
first (``FINISHED``, ``FAILED``, ``FINISHEDDIRTY`` as their URLs decide), then jobs to
catch ``ACTIVE``, then ``CANCELED`` ones are canceled, then ``SUBMITTED`` ones are
submitted with no time passing. A job that does not reach its state is an error naming
it. Shipped scenarios live in ``mockfts/scenarios/`` (``rucio-site-pair``,
``busy-link``, ``banned-storage``); a name looks there and in ``fixtures/fts/scenarios``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.test import Client

from mockcore.scenarios import read_scenario
from mockfts.api.auth import IDENTITY_KEY
from mockfts.model import states as S

if TYPE_CHECKING:
    from mockfts.double import FtsDouble
    from mockfts.model.identity import Identity

FOLDERS = (
    Path(__file__).with_name("scenarios"),
    Path(__file__).resolve().parents[1] / "fixtures" / "fts" / "scenarios",
)
#: The order ``config`` sections are applied in: storages and links before what names them.
CONFIG_ORDER = ("se", "links", "shares", "activity_shares", "global", "authorize")
_KNOWN = {"tokens", "certificates", "admins", "config", "bans", "optimizer", "jobs", "profile"}
_ENDED = (S.FINISHED, S.FAILED, S.FINISHEDDIRTY)
_DRIVEN = (*_ENDED, S.ACTIVE, S.CANCELED, S.SUBMITTED)


class ScenarioError(ValueError):
    """The scenario says something the double cannot make true (the REST answer or the
    state reached is in the message)."""


class Loaded:
    """What a scenario made that a test refers to: tokens and identities by name, jobs
    in the order written."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.identities: dict[str, Identity] = {}
        self.jobs: list[str] = []


def load(double: FtsDouble, scenario: str | Path | dict) -> Loaded:
    """Make ``scenario`` true in ``double`` (on top of what it holds)."""
    data = read_scenario(scenario, FOLDERS)
    unknown = set(data) - _KNOWN
    if unknown:
        raise ScenarioError(f"unknown scenario sections: {', '.join(sorted(unknown))}")
    loaded = Loaded()
    client = Client(double.wsgi)
    root = double.root()
    for name, spec in (data.get("tokens") or {}).items():
        loaded.tokens[name] = double.token_for(spec["user"], spec.get("vo"))
    for name, spec in (data.get("certificates") or {}).items():
        loaded.identities[name] = double.certificate_user(spec["dn"], spec.get("fqans"))
    for dn in data.get("admins") or ():
        double.state.ops.config.grant_admin(dn)
    config = data.get("config") or {}
    for section in sorted(config, key=_config_rank):
        for body in _bodies(config[section]):
            _call(client, root, "POST", f"/config/{section}", body)
    bans = data.get("bans") or {}
    for kind in ("se", "dn"):
        for body in bans.get(kind) or ():
            body = dict(body)
            vo = body.pop("vo", None)  # a ban is for the banner's first VO (banning.py)
            _call(client, _operator(double, vo) if vo else root, "POST", f"/ban/{kind}", body)
    for body in data.get("optimizer") or ():
        _call(client, root, "POST", "/optimizer/current", body)
    _jobs(double, client, data.get("jobs") or [], loaded)
    return loaded


def _operator(double: FtsDouble, vo: str) -> Identity:
    """An operator of ``vo`` (role lcgadmin: the ``config`` level for the VO)."""
    dn = f"/DC=org/DC=mockfts/CN={vo} operator"
    return double.certificate_user(dn, [f"/{vo}/Role=lcgadmin"], delegated=False)


def _config_rank(section: str) -> int:
    if section not in CONFIG_ORDER:
        raise ScenarioError(f"unknown config section {section!r}: one of {', '.join(CONFIG_ORDER)}")
    return CONFIG_ORDER.index(section)


def _bodies(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _call(client: Client, who: Identity | str, method: str, path: str, body: Any = None) -> Any:
    """One request as ``who`` (an identity, or a bearer token); a refusal is an error."""
    headers, environ = {}, {}
    if isinstance(who, str):
        headers["Authorization"] = f"Bearer {who}"
    else:
        environ[IDENTITY_KEY] = who
    reply = client.open(path, method=method, json=body, headers=headers, environ_overrides=environ)
    if reply.status_code >= 400:
        raise ScenarioError(f"{method} {path}: {reply.status_code} {reply.get_data(as_text=True)}")
    return reply.get_json(silent=True)


def _jobs(double: FtsDouble, client: Client, specs: list[dict], loaded: Loaded) -> None:
    for spec in specs:
        if spec.get("state", S.SUBMITTED) not in _DRIVEN:
            raise ScenarioError(f"a scenario job's state is one of {', '.join(_DRIVEN)}")
    ids: dict[int, str] = {}
    # jobs that need time first, then those that must not see any
    for wanted in (_ENDED, (S.ACTIVE,), (S.CANCELED,), (S.SUBMITTED,)):
        for position, spec in enumerate(specs):
            if spec.get("state", S.SUBMITTED) not in wanted:
                continue
            who = spec["as"]
            caller = loaded.tokens.get(who) or loaded.identities.get(who)
            if caller is None:
                raise ScenarioError(f"job {position}: no token or certificate named {who!r}")
            job_id = _call(client, caller, "POST", "/jobs", spec["body"])["job_id"]
            ids[position] = job_id
            state = spec.get("state", S.SUBMITTED)
            if state in _ENDED:
                double.run_job(job_id)
            elif state == S.ACTIVE:
                double.run_until_state(job_id, S.ACTIVE, *S.JOB_TERMINAL_STATES)
            elif state == S.CANCELED:
                _call(client, caller, "DELETE", f"/jobs/{job_id}")
    for position, spec in enumerate(specs):
        reached = double.state.job(ids[position]).job_state
        if reached != spec.get("state", S.SUBMITTED):
            raise ScenarioError(
                f"job {position} ({ids[position]}) is {reached}, the scenario wants "
                f"{spec.get('state', S.SUBMITTED)}"
            )
        loaded.jobs.append(ids[position])
