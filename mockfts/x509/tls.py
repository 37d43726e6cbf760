"""HTTPS with client certificates: the Apache + mod_ssl + mod_gridsite front of FTS.

The real server (fts-rest-flask ``src/fts3rest/fts3rest.conf``) runs
``SSLVerifyClient optional`` with ``SSLOptions +StdEnvVars +ExportCertData`` and
mod_gridsite. So:

- a client may connect without a certificate (the app then sees no identity and
  FTS falls back to token or anonymous);
- a client certificate that does not verify (expired, foreign CA, forged, malformed
  proxy) makes the **handshake fail**: with ``optional``, mod_ssl refuses a bad
  certificate outright (only ``optional_no_ca`` lets it through). We do the same, so
  such clients get a TLS error (``requests.exceptions.SSLError`` or a reset), never
  an HTTP answer; :attr:`TLSLiveServer.handshake_failures` records why;
- RFC 3820 proxies are accepted (``VERIFY_ALLOW_PROXY_CERTS``, OpenSSL checks the
  proxy naming rules). Legacy ``CN=proxy`` proxies are refused by OpenSSL: Apache
  accepted them only through gridsite's own verify callback, which we do not have.
  Validity is checked by OpenSSL against the real clock, not the virtual one.

The environ the app sees (per request) mirrors what those modules export:

==========================  =================================================
``HTTPS``                   ``on``
``SSL_PROTOCOL``            e.g. ``TLSv1.3``
``SSL_CIPHER``              the negotiated cipher name
``SSL_SERVER_S_DN``         server certificate subject, slash form
``SSL_SERVER_I_DN``         its issuer, slash form
``SSL_CLIENT_VERIFY``       ``SUCCESS`` with a client certificate, else ``NONE``
``SSL_CLIENT_CERT``         the client's leaf certificate, PEM
``SSL_CLIENT_CERT_CHAIN_n`` the rest of the verified chain (n from 0), PEM
``SSL_CLIENT_S_DN``         leaf subject, slash form (the legacy mod_ssl format)
``SSL_CLIENT_I_DN``         leaf issuer, slash form
``SSL_CLIENT_M_SERIAL``     leaf serial, upper-case hex
``SSL_CLIENT_V_START/END``  leaf validity, ``Mon DD HH:MM:SS YYYY GMT``
``GRST_CRED_AURI_n``        gridsite: ``dn:<EEC DN>``, ``dn:<proxy DN>``...,
                            then ``fqan:<FQAN>``, mildly URL-encoded
``GRST_CRED_VALID_n``       gridsite: ``notbefore=.. notafter=.. delegation=..
                            nist-loa=0``
``GRST_VOMS_FQANS``         gridsite: the FQANs joined with ``;``
``mockfts.x509.identity``   our :class:`~mockfts.x509.identity.X509Identity`
==========================  =================================================

Apache 2.4's default ``SSL_CLIENT_S_DN`` is the RFC 2253 form; we give the slash form
(``SSLOptions +LegacyDNStringFormat``), which is what FTS compares and prints.

The full chain comes from ``SSLSocket.get_verified_chain()`` (public from Python
3.13; on 3.10-3.12 the same method exists on the private ``_sslobj`` and we use it
there). Without it only the leaf is known: the ``SSL_CLIENT_CERT_CHAIN_n`` variables
are absent and the identity comes from the leaf alone (see
:func:`~mockfts.x509.identity.identity_from_leaf`).

Not implemented: TLS session resumption tuning, CRLs, OCSP, renegotiation.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from mockcore.clock import Clock, ScaledClock
from mockcore.live import BackgroundServer
from mockfts.x509.identity import (
    CertificateRefused,
    X509Identity,
    identity_from_chain,
    identity_from_leaf,
)
from mockfts.x509.names import slash_dn

__all__ = [
    "TLSLiveServer",
    "client_environ",
    "server_ssl_context",
]

log = logging.getLogger(__name__)

IDENTITY_KEY = "mockfts.x509.identity"
_HANDSHAKE_TIMEOUT = 30.0


def server_ssl_context(
    cert_file: str | Path,
    key_file: str | Path,
    *,
    cafile: str | Path | None = None,
    capath: str | Path | None = None,
    verify_mode: ssl.VerifyMode = ssl.CERT_OPTIONAL,
) -> ssl.SSLContext:
    """A server context: our certificate, the trusted CAs, optional client certs, proxies."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert_file), str(key_file))
    if cafile is None and capath is None:
        raise ValueError("server_ssl_context needs cafile or capath to verify clients")
    ctx.load_verify_locations(
        cafile=str(cafile) if cafile else None, capath=str(capath) if capath else None
    )
    ctx.verify_mode = verify_mode
    ctx.verify_flags |= ssl.VERIFY_ALLOW_PROXY_CERTS
    return ctx


# --------------------------------------------------------------------- environ


def _mild_encode(text: str) -> str:
    """gridsite's ``GRSThttpUrlMildencode``: A-Z a-z 0-9 . = - _ @ / kept, space as +."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in ".=-/@_"):
            out.append(char)
        elif char == " ":
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _mod_ssl_time(when: datetime) -> str:
    """OpenSSL's ``ASN1_TIME_print``: ``Nov  4 07:44:47 2026 GMT`` (day space-padded)."""
    when = when.astimezone(timezone.utc)
    return f"{when:%b} {when.day:2d} {when:%H:%M:%S %Y} GMT"


def client_environ(identity: X509Identity | None) -> dict[str, Any]:
    """The mod_ssl/gridsite variables for a client identity (see the module table).

    Also what an in-process transport can merge into its environ to present an
    identity without TLS. ``None`` gives the no-certificate variables.
    """
    if identity is None or not identity.certificates:
        return {"SSL_CLIENT_VERIFY": "NONE"}
    leaf, *rest = identity.certificates
    env: dict[str, Any] = {
        "SSL_CLIENT_VERIFY": "SUCCESS",
        "SSL_CLIENT_CERT": _pem(leaf),
        "SSL_CLIENT_S_DN": slash_dn(leaf.subject),
        "SSL_CLIENT_I_DN": slash_dn(leaf.issuer),
        "SSL_CLIENT_M_SERIAL": f"{leaf.serial_number:X}",
        "SSL_CLIENT_V_START": _mod_ssl_time(leaf.not_valid_before_utc),
        "SSL_CLIENT_V_END": _mod_ssl_time(leaf.not_valid_after_utc),
        IDENTITY_KEY: identity,
    }
    for index, cert in enumerate(rest):
        env[f"SSL_CLIENT_CERT_CHAIN_{index}"] = _pem(cert)
    # gridsite: the EEC, then each proxy (EEC side first), then the FQANs.
    by_dn = {slash_dn(c.subject): (position, c) for position, c in enumerate(identity.certificates)}
    auri = 0
    for dn in identity.dn:
        env[f"GRST_CRED_AURI_{auri}"] = "dn:" + _mild_encode(dn)
        if dn in by_dn:
            depth, cert = by_dn[dn]
            env[f"GRST_CRED_VALID_{auri}"] = (
                f"notbefore={int(cert.not_valid_before_utc.timestamp())} "
                f"notafter={int(cert.not_valid_after_utc.timestamp())} "
                f"delegation={depth} nist-loa=0"
            )
        auri += 1
    for fqan in identity.voms_cred:
        env[f"GRST_CRED_AURI_{auri}"] = "fqan:" + _mild_encode(fqan)
        auri += 1
    if identity.voms_cred:
        env["GRST_VOMS_FQANS"] = ";".join(_mild_encode(f) for f in identity.voms_cred)
    return env


def _verified_chain_der(conn: ssl.SSLSocket) -> list[bytes] | None:
    """The verified peer chain (leaf first, root last) as DER, if the ssl module tells."""
    getter = getattr(conn, "get_verified_chain", None)  # public since Python 3.13
    if getter is None:
        getter = getattr(getattr(conn, "_sslobj", None), "get_verified_chain", None)
    if getter is None:
        return None
    try:
        chain = getter()
    except (ValueError, ssl.SSLError):
        return None
    if not chain:
        return None
    out = []
    for item in chain:
        if isinstance(item, bytes):
            out.append(item)
        else:  # _ssl.Certificate on 3.10-3.12
            out.append(item.public_bytes(ssl._ssl.ENCODING_DER))  # type: ignore[attr-defined]
    return out


# ---------------------------------------------------------------------- server


class _Handler(WSGIRequestHandler):
    server: _TLSWSGIServer

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ.update(self.server.tls_environ(self.connection))
        return environ

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s " + message, self.address_string(), *args)


class _TLSWSGIServer(ThreadedWSGIServer):
    """werkzeug's threaded server, with the TLS handshake done in the worker thread.

    werkzeug would wrap the listening socket, so ``accept()`` (in the serving
    thread) would run every handshake and one slow client would stall all others.
    """

    daemon_threads = True

    def __init__(
        self,
        host: str,
        port: int,
        app: Any,
        context: ssl.SSLContext,
        server_cert: x509.Certificate,
        clock: Clock,
    ) -> None:
        super().__init__(host, port, app, handler=_Handler)
        self.ssl_context = context  # after super(): the listener stays plain
        self.server_cert = server_cert
        self.clock = clock
        self.handshake_failures: deque[str] = deque(maxlen=100)

    def finish_request(self, request: Any, client_address: Any) -> None:  # a plain socket
        request.settimeout(_HANDSHAKE_TIMEOUT)
        try:
            assert self.ssl_context is not None
            conn = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.handshake_failures.append(f"{client_address[0]}: {exc}")
            log.info("TLS handshake with %s refused: %s", client_address, exc)
            request.close()
            return
        try:
            conn.settimeout(None)
            self.RequestHandlerClass(conn, client_address, self)  # type: ignore[arg-type]
        finally:
            try:
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            conn.close()

    def shutdown_request(self, request: Any) -> None:
        try:
            request.close()  # already detached into the TLS socket, or closed
        except OSError:
            pass

    def tls_environ(self, conn: ssl.SSLSocket) -> dict[str, Any]:
        env: dict[str, Any] = {
            "HTTPS": "on",
            "SSL_SERVER_S_DN": slash_dn(self.server_cert.subject),
            "SSL_SERVER_I_DN": slash_dn(self.server_cert.issuer),
        }
        if conn.version():
            env["SSL_PROTOCOL"] = conn.version()
        cipher = conn.cipher()
        if cipher:
            env["SSL_CIPHER"] = cipher[0]
        leaf = conn.getpeercert(binary_form=True)
        identity = None
        if leaf:
            identity = self._identity(conn, leaf)
        env.update(client_environ(identity))
        return env

    def _identity(self, conn: ssl.SSLSocket, leaf: bytes) -> X509Identity | None:
        now = self.clock.now()
        chain = _verified_chain_der(conn)
        try:
            if chain and len(chain) >= 2:
                # The verified chain ends with our trust anchor, which the client did
                # not send (mod_ssl's SSL_CLIENT_CERT_CHAIN_n holds what it sent).
                root = x509.load_der_x509_certificate(chain[-1])
                return identity_from_chain(chain[:-1], [root], now, check_validity=False)
            return identity_from_leaf(leaf, now)
        except CertificateRefused as exc:  # OpenSSL accepted what our rules refuse
            log.warning("client chain accepted by OpenSSL but not by gridsite rules: %s", exc)
            return identity_from_leaf(leaf, now)


class TLSLiveServer(BackgroundServer):
    """A threaded HTTPS server for ``app`` with client certificates (like LiveServer).

    ``pki`` is a :class:`~mockfts.x509.testpki.TestPKI` (its host certificate and CA
    are used), or pass ``context`` and ``server_cert`` yourself. Port 0 picks a free
    port; the host must be in the server certificate's SAN (the test PKI's has
    ``localhost`` and ``127.0.0.1``).
    """

    scheme = "https"

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        pki: Any = None,
        *,
        context: ssl.SSLContext | None = None,
        server_cert: x509.Certificate | None = None,
        clock: Clock | None = None,
    ) -> None:
        if context is None:
            if pki is None:
                raise ValueError("TLSLiveServer needs a pki or a context")
            host_cred = pki.host()
            context = server_ssl_context(
                pki.host_cert_path, pki.host_key_path, capath=pki.capath, cafile=pki.ca_bundle
            )
            server_cert = host_cred.cert
        if server_cert is None:
            raise ValueError("TLSLiveServer needs the server certificate with a context")
        super().__init__(host, port)
        self.app = app
        self.context = context
        self.server_cert = server_cert
        self.clock: Clock = (
            clock
            or (getattr(pki, "clock", None) if pki is not None else None)
            or ScaledClock(speed=1.0)
        )
        self._serving = False

    @property
    def handshake_failures(self) -> list[str]:
        """Why recent handshakes were refused (newest last, at most 100)."""
        return list(self._server.handshake_failures) if self._server else []

    def _bind(self) -> None:
        self._server = _TLSWSGIServer(
            self.host, self.port, self.app, self.context, self.server_cert, self.clock
        )
        self.port = self._server.server_address[1]

    def _serve(self) -> None:
        assert self._server is not None
        self._serving = True
        self._server.serve_forever(poll_interval=0.1)  # closes the socket when it ends

    def _close(self, server, thread: threading.Thread | None) -> None:  # noqa: ANN001
        if not self._serving:
            server.server_close()
        elif thread is None or thread is threading.current_thread():
            # serve_forever() runs in this very thread (e.g. we are in its signal
            # handler): shutdown() would wait for ourselves, so ask from another thread.
            threading.Thread(target=server.shutdown, daemon=True).start()
        else:
            server.shutdown()
            thread.join(timeout=5)
        self._serving = False
