"""The FTS3 double as a test uses it: state, clock, tokens, journal, faults, transports."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests
import responses

from mockcore.clock import Clock
from mockcore.double import Double
from mockcore.inprocess import EnvironHook, InProcessTransport
from mockcore.live import Limits, LiveServer
from mockcore.mocking import MockContext
from mockcore.scenarios import read_scenario
from mockcore.wsgi import dropping
from mockfts import scenario as scenarios
from mockfts.api.app import shared_app
from mockfts.api.auth import IDENTITY_KEY
from mockfts.model import states
from mockfts.model.daemon import DaemonSettings
from mockfts.model.identity import Identity, certificate_identity
from mockfts.model.records import Job
from mockfts.model.store import FtsState
from mockfts.profiles import VersionProfile

DEFAULT_ENDPOINT = "https://fts3.mock:8446"


class FtsDouble(Double):
    """A fake FTS3 server. ``state`` is the model, ``clock`` its time."""

    state: FtsState
    base_urls = (DEFAULT_ENDPOINT,)  # where intercept() answers unless told

    def __init__(
        self,
        *,
        profile: str | VersionProfile | None = None,
        clock: Clock | None = None,
        seed: int = 0,
        submit_host: str = "fts3.mock",
        daemon: DaemonSettings | None = None,
        scenario: str | Path | dict | None = None,
    ) -> None:
        if profile is None and scenario is not None:  # a scenario may name its generation
            profile = read_scenario(scenario, scenarios.FOLDERS).get("profile")
        super().__init__(
            FtsState(clock, seed, profile=profile, submit_host=submit_host, daemon=daemon),
            lambda _state: shared_app(),
        )
        self.identity: Identity | None = None  # in-process X.509 identity, if any
        #: Where the current transport serves it: the in-process base URL, or :attr:`url`.
        self.endpoint: str | None = None
        self._pki: Any = None  # mockfts.x509.TestPKI, made on first use
        self._pki_dir: tempfile.TemporaryDirectory | None = None
        #: What :meth:`load_scenario` made, by the names the scenario gave them.
        self.scenario = scenarios.Loaded()
        self._baseline: bytes | None = None  # the state a reset goes back to
        if scenario is not None:
            self.load_scenario(scenario)

    def reset(self) -> None:
        """Back to a fresh double, or to the state its scenario made."""
        super().reset()
        self.identity = None
        if self._baseline is not None:
            self.restore(self._baseline)

    def load_scenario(self, scenario: str | Path | dict) -> scenarios.Loaded:
        """Make a scenario true (:mod:`mockfts.scenario`): on top of what the double
        holds, and what :meth:`reset` goes back to from now on."""
        loaded = scenarios.load(self, scenario)
        self.scenario.tokens.update(loaded.tokens)
        self.scenario.identities.update(loaded.identities)
        self.scenario.jobs.extend(loaded.jobs)
        self.journal.clear()
        self._baseline = self.snapshot()
        return loaded

    # --- credentials ---------------------------------------------------------------

    def token_for(self, user: str, vo: str | list[str] | None = None, **claims: Any) -> str:
        """A bearer token the double accepts (``fts_access_token=`` of the fts3 client)."""
        with self.state.lock:
            return self.state.tokens.mint(user, vo, **claims)

    def certificate_user(
        self,
        user_dn: str,
        fqans: list[str] | None = None,
        *,
        delegated: bool = True,
        root: bool = False,
    ) -> Identity:
        """An X.509 identity for in-process requests (no TLS needed), delegated by default."""
        identity = certificate_identity(
            user_dn, fqans, dn=[user_dn, user_dn + "/CN=proxy"], is_root=root
        )
        if delegated:
            self.state.delegate(identity)
        return identity

    def root(self) -> Identity:
        """The server's own host certificate: ``is_root`` and every level ``all``."""
        return certificate_identity(self.state.host_dn, is_root=True)

    def proxy(
        self,
        dn: str = "/DC=org/DC=example/CN=Test User",
        *,
        vo: str | None = "dteam",
        fqans: list[str] | None = None,
        **options: Any,
    ):  # noqa: ANN201
        """A proxy file from :attr:`pki` for ``dn``: pass ``proxy.path`` as the client's
        certificate (``X509_USER_PROXY``), ``self.pki.capath`` as its ``capath``."""
        return self.pki.user(dn).proxy(vo=vo, fqans=fqans, **options)

    @property
    def pki(self):  # noqa: ANN201 - mockfts.x509.TestPKI
        """The test grid PKI this double trusts (created on first use in a temp dir)."""
        if self._pki is None:
            from mockfts.x509 import TestPKI

            self._pki_dir = tempfile.TemporaryDirectory(prefix="mockfts-pki-")
            self._pki = TestPKI(self._pki_dir.name)
        return self._pki

    def _inject_identity(self, request: Any, environ: dict) -> None:
        """In-process, present what a TLS handshake would: the client's certificate chain.

        The chain ``requests`` was given as ``cert=`` is verified against the double's
        PKI, as Apache would during the handshake; a refused chain raises ``SSLError``
        in the client, as a failed handshake does. ``self.identity`` (a test naming an
        identity directly) takes precedence.
        """
        if self.identity is not None:
            if "HTTP_AUTHORIZATION" not in environ:
                environ[IDENTITY_KEY] = self.identity
            return
        cert = getattr(request, "req_kwargs", {}).get("cert")
        path = cert[0] if isinstance(cert, (tuple, list)) else cert
        if not path:
            return
        from mockfts.x509 import CertificateRefused, client_environ, identity_from_chain

        try:
            with open(path, "rb") as handle:
                chain = handle.read()
            presented = identity_from_chain(chain, self.pki.trusted, self.clock.now())
        except (OSError, CertificateRefused) as exc:
            raise requests.exceptions.SSLError(f"TLS handshake refused: {exc}") from None
        environ.update(client_environ(presented))

    # --- time ------------------------------------------------------------------------

    def run_job(self, job_id: str, timeout: float = 7 * 86400) -> Job:
        """Advance virtual time until the job is terminal; returns it. No real sleeping."""
        job = self.state.job(job_id)
        self.state.run_until(lambda: job.job_state in states.JOB_TERMINAL_STATES, timeout)
        return job

    def run_until_state(self, job_id: str, *wanted: str, timeout: float = 7 * 86400) -> Job:
        job = self.state.job(job_id)
        self.state.run_until(lambda: job.job_state in wanted, timeout)
        return job

    # --- transports ------------------------------------------------------------------

    def intercept(
        self,
        base_urls: Iterable[str] | None = None,
        *,
        rsps: responses.RequestsMock | None = None,
        environ_hook: EnvironHook | None = None,
    ) -> InProcessTransport:
        """In-process, with what a TLS handshake would present (:meth:`_inject_identity`)."""
        return super().intercept(
            base_urls, rsps=rsps, environ_hook=environ_hook or self._inject_identity
        )

    def serve(
        self, host: str = "127.0.0.1", port: int = 0, threads: int = 8, limits: Limits | None = None
    ) -> LiveServer:
        return super().serve(host, port, threads, limits)

    def serve_tls(self, host: str = "127.0.0.1", port: int = 0):  # noqa: ANN201
        """HTTPS with client certificates from :attr:`pki` (``mockfts.x509.TLSLiveServer``).

        The server's host certificate DN becomes the root DN, as on a real FTS host.
        """
        from mockfts.x509 import TLSLiveServer

        self.state.host_dn = self.pki.host().dn
        self.server = TLSLiveServer(
            dropping(self.wsgi, ConnectionAbortedError), host, port, pki=self.pki, clock=self.clock
        )
        return self.server


class mock_fts(MockContext):  # noqa: N801 - used like moto's mock_aws
    """Serve a fresh :class:`FtsDouble` at ``endpoint`` in-process.

    ``with mock_fts() as fts: ...`` or ``@mock_fts(endpoint=...)`` on a test function
    (the double is passed as the keyword argument ``fts`` when the function takes one).
    Pass ``rsps=`` to share a ``responses.RequestsMock`` the test already uses; other
    keyword arguments go to :class:`FtsDouble`.
    """

    argument = "fts"

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        rsps: responses.RequestsMock | None = None,
        **double_options: Any,
    ) -> None:
        super().__init__(rsps=rsps, **double_options)
        self.endpoint = endpoint

    def make_double(self) -> FtsDouble:
        double = FtsDouble(**self.options)
        double.endpoint = self.endpoint
        return double

    def intercept(self, double: Double) -> InProcessTransport:
        return double.intercept([self.endpoint], rsps=self.rsps)
