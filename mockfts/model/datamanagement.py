"""The ``/dm/*`` data-management operations on ``mock://`` storage.

Facts, from fts-rest-flask 3.13.4 ``controllers/datamanagement.py`` and
``lib/gfal2_wrapper.py`` and gfal2's mock plugin (``src/plugins/mock``):

* ``list``/``stat`` read ``surl`` from the query (``request.values``): empty -> 400
  ``Missing surl parameter``; scheme ``file`` -> 400 ``Forbiden SURL scheme``; only
  then the delegated credential is looked up. ``mkdir``/``unlink``/``rmdir``/``rename``
  look up the credential first, then read a JSON body (``surl``; ``old`` and ``new``);
  they never check the scheme.
* Credential: the stored delegation of (delegation id, user DN); none -> 419
  ``No delegated proxy available``; a certificate user's expired proxy -> 419
  ``Delegated proxy expired (<id>)``; a token user's expired record -> 419
  ``Token with delegationId (<id>), has expired``. 3.13.4 never stores a credential
  for a token user (the OAuth2 method does not save tokens there, and delegation
  needs a certificate), so token users always get the first 419 unless a test seeded
  a record with :meth:`FtsState.delegate`.
* The POST body is JSON only when ``Content-Type`` is exactly ``application/json``;
  otherwise the server calls ``unquote_plus`` on the body *bytes*, which raises
  ``TypeError`` -> 400 ``Malformed request: a bytes-like object is required, not 'str'``.
  Unparsable JSON -> 400 ``Invalid value within the request: <json error>``.
* gfal2 runs in a forked child: a gfal2 error leaves through the exit status (so
  errno modulo 256) with the message on a pipe; any Python exception in the child
  (a missing ``surl`` key, a body that is not an object, an empty ``surl``) leaves
  as ``EIO`` with ``str(exception)``. The child has a 30 s alarm: a ``wait=N`` of 30 s
  or more ends as ``ETIMEDOUT`` ``Timeout expired``. Messages are ``[<errno>] <text>``.
* The mock plugin answers stat, opendir/readdir, mkdir and unlink; rmdir and rename
  find no plugin: ``EPROTONOSUPPORT`` ``Protocol not supported or path/url invalid:
  <url>`` (gfal2 messages are cut at 511 characters). stat: mode ``0755`` plus
  ``S_IFDIR`` when ``list`` is non-empty, else ``S_IFREG``; nlink and times 0.
  opendir of a non-directory -> ``ENOTDIR``. mkdir -> ``EPERM`` when an ``rd_path``
  starts with the directory URL (without query). unlink only stats.
* A successful mkdir/unlink answers gfal2's return value: ``0``.

Decisions of the double (documented deviations):

* Only ``mock:`` URLs have storage. Any other SURL (``https://``, ``root://``, and
  ``file://`` on the POST routes, which the real server would hand to gfal2's file
  plugin on its own disk) answers as gfal2 does for a protocol it has no plugin for:
  ``EPROTONOSUPPORT`` -> 400.
* The real server answers 500 for every errno it does not map, and for the
  child's Python exceptions (``[5] 'surl'``). The double never answers 500 for what
  the client caused: the child's exceptions give 400 with the real message, and
  unmapped errnos use :data:`EXTRA_STATUS` (409 for ``EEXIST``/``ENOTEMPTY``, 400 for
  argument errors, 403 for ``EROFS``/``EDQUOT``, 404 for ``ENODATA``), and 424 Failed
  Dependency for the rest (the storage failed, not the REST server).
* An errno that is a multiple of 256 leaves the child with exit status 0, and the
  real server then fails to parse the message as JSON (POST: 400 ``Invalid value
  within the request: ...``, reproduced; GET: an unhandled 500, answered 424 here).
* ``wait`` is never slept and ``signal`` is ignored (the shipped plugin config has
  ``SIGNALS=0``); dropbox SURLs are not special.
"""

from __future__ import annotations

import errno as E
import json
import re
from stat import S_IFDIR, S_IFREG, S_ISDIR
from typing import Any
from urllib.parse import urlparse

from mockfts import errors
from mockfts.model.delegations import DelegationRegistry
from mockfts.model.identity import Identity
from mockfts.model.mockurl import MockUrl, strerror

# --- errno -> HTTP status --------------------------------------------------------------

REAL_STATUS: dict[int, type[errors.GfalError]] = {
    E.EPERM: errors.GfalForbidden,
    E.EACCES: errors.GfalForbidden,
    E.ENOENT: errors.GfalNotFound,
    E.EAGAIN: errors.GfalUnavailable,
    E.EBUSY: errors.GfalUnavailable,
    E.ETIMEDOUT: errors.GfalUnavailable,
    E.ENOTDIR: errors.GfalBadRequest,
    E.EPROTONOSUPPORT: errors.GfalBadRequest,
}
"""The real server's table (``_http_status_from_errno``)."""

EXTRA_STATUS: dict[int, type[errors.GfalError]] = {
    E.EEXIST: errors.GfalConflict,
    E.ENOTEMPTY: errors.GfalConflict,
    E.EINVAL: errors.GfalBadRequest,
    E.EISDIR: errors.GfalBadRequest,
    E.ENAMETOOLONG: errors.GfalBadRequest,
    E.ELOOP: errors.GfalBadRequest,
    E.EXDEV: errors.GfalBadRequest,
    E.ENOSYS: errors.GfalBadRequest,
    E.EOPNOTSUPP: errors.GfalBadRequest,
    E.EROFS: errors.GfalForbidden,
    E.EDQUOT: errors.GfalForbidden,
    E.ENODATA: errors.GfalNotFound,
}
"""The double's choice where the real server answers 500; anything else is 424."""


def gfal_error(code: int, text: str) -> errors.GfalError:
    kind = REAL_STATUS.get(code) or EXTRA_STATUS.get(code) or errors.GfalFailedDependency
    return kind(errno=code, text=text)


class _Gfal2Failure(Exception):
    """A GError raised by gfal2 inside the child."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message[:511]  # gfal2_set_error's 512-byte buffer


class _ChildTimeout(Exception):
    """The child's 30 s alarm went off."""


# --- the caller's credential --------------------------------------------------------


def check_credential(registry: DelegationRegistry, identity: Identity) -> None:
    """What ``_get_credentials`` demands before any storage operation (419s)."""
    entry = registry.find(identity)
    if entry is None or entry.dn != identity.user_dn:
        raise errors.NoDelegatedProxy()
    if entry.termination_time <= registry.clock.time():
        if identity.method == "oauth2":
            raise errors.DmTokenExpired(dlg_id=identity.delegation_id)
        raise errors.DmProxyExpired(dlg_id=identity.delegation_id)


# --- request input ------------------------------------------------------------------


def query_surl(value: str | None) -> str:
    """``surl`` of ``GET /dm/list`` and ``/dm/stat`` (``_get_valid_surl``)."""
    if not value:
        raise errors.MissingSurl()
    try:
        scheme = urlparse(value).scheme
    except ValueError as exc:  # e.g. "Invalid IPv6 URL": an unhandled 500 on the real server
        raise errors.UnparsableSurl(detail=str(exc)) from None
    if scheme == "file":
        raise errors.ForbiddenSurlScheme()
    return value


def parse_body(content_type: str | None, raw: bytes) -> Any:
    """The POST routes' body: JSON only under exactly ``application/json``."""
    if content_type != "application/json":
        raise errors.MalformedRequest(detail="a bytes-like object is required, not 'str'")
    try:
        return json.loads(raw)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
        raise errors.InvalidValue(detail=str(exc)) from None


# --- C conversions the plugin uses --------------------------------------------------

_C_NUMBER = re.compile(r"[ \t\n\v\f\r]*([+-]?)(\d*)")
_LONG = 1 << 63
_S_IFMT = 0o170000  # file type bits (stat.S_IFMT is a function)


def _strtol(text: str, start: int, base: int) -> tuple[int, int]:
    """``strtol(text + start, &end, base)``: value (clamped to long) and end index."""
    match = _C_NUMBER.match(text, start)
    digits = ""
    for ch in match.group(2) if match else "":
        if int(ch) >= base:
            break
        digits += ch
    if not digits:
        return 0, start
    assert match is not None  # digits came from it
    value = int(digits, base) * (-1 if match.group(1) == "-" else 1)
    end = match.start(2) + len(digits)
    return max(-_LONG, min(_LONG - 1, value)), end


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _buffer(url: MockUrl, key: str, size: int) -> str:
    """``gfal_plugin_mock_get_value`` into a ``size``-byte buffer."""
    return (url.raw(key) or "")[: size - 1]


def _atoll(text: str) -> int:
    return _strtol(text, 0, 10)[0]


def _strtoull(text: str) -> int:
    match = _C_NUMBER.match(text)
    if not match or not match.group(2):
        return 0
    value = int(match.group(2))
    if value >= 1 << 64:
        return (1 << 64) - 1
    return (-value if match.group(1) == "-" else value) & ((1 << 64) - 1)


# --- the mock plugin ------------------------------------------------------------------


def _plugin_missing(url: str) -> _Gfal2Failure:
    return _Gfal2Failure(E.EPROTONOSUPPORT, f"Protocol not supported or path/url invalid: {url}")


def _is_mock(url: str) -> bool:
    return url.startswith("mock:")


def _mock_stat(url: str) -> dict[str, int]:
    parsed = MockUrl(url)
    wait = _atoll(_buffer(parsed, "wait", 64)) & 0xFFFFFFFF  # sleep(unsigned int)
    if wait >= 30:
        raise _ChildTimeout()
    code = _signed(_atoll(_buffer(parsed, "errno", 64)), 32)
    if code > 0:
        raise _Gfal2Failure(code, strerror(code))
    size = _signed(_strtoull(_buffer(parsed, "size", 64)), 64)
    mode = 0o755 | (S_IFDIR if _buffer(parsed, "list", 64) else S_IFREG)
    return {"mode": mode, "nlink": 0, "size": size, "atime": 0, "mtime": 0, "ctime": 0}


def _mock_entries(url: str) -> list[tuple[str, int, int]]:
    """``opendir`` + ``readdirpp``: (name, mode, size) per ``list`` item, in order."""
    if not S_ISDIR(_mock_stat(url)["mode"]):
        raise _Gfal2Failure(E.ENOTDIR, strerror(E.ENOTDIR))
    text = _buffer(MockUrl(url), "list", 1024)
    entries = []
    for token_match in re.finditer(r"[^,]+", text):
        token, end = token_match.group(), token_match.end()
        position = token_match.start()
        # strtok_r wrote a NUL where the token ends; past the last one is garbage (read as 0)
        buf = text[:end] + "\0" + text[end + 1 :] if end < len(text) else text + "\0"
        colon = token.find(":")
        if colon < 0:
            entries.append((token[:255], 0, 0))
            continue
        mode, sep = _strtol(buf, position + colon + 1, 8)
        mode &= 0xFFFFFFFF
        if not mode & _S_IFMT:
            mode |= S_IFREG
        size, _ = _strtol(buf, sep + 1, 10) if sep + 1 <= len(buf) else (0, 0)
        entries.append((token[:colon][:255], mode, size))
    return entries


def _mock_mkdir(url: str) -> int:
    without_query = MockUrl(url).without_query
    if any(path and path.startswith(without_query) for path in MockUrl(url).all("rd_path")):
        raise _Gfal2Failure(E.EPERM, strerror(E.EPERM))
    return 0


# --- the forked child: how results and failures come back -----------------------------


class _ChildException(Exception):
    """A Python exception inside the child: it leaves as EIO with ``str(exception)``."""


def _run(operation, *args: Any, body_route: bool) -> Any:
    try:
        return operation(*args)
    except _ChildTimeout:
        raise errors.GfalUnavailable(errno=E.ETIMEDOUT, text="Timeout expired") from None
    except _ChildException as exc:
        raise errors.DmChildRejected(errno=E.EIO, text=str(exc)) from None
    except _Gfal2Failure as failure:
        status = failure.code & 0xFF  # os._exit(code)
        if status:
            raise gfal_error(status, failure.message) from None
        try:  # exit status 0: the parent reads the message as the JSON result
            return json.loads(failure.message)
        except ValueError as exc:
            if body_route:
                raise errors.InvalidValue(detail=str(exc)) from None
            raise errors.GfalStatusLost(errno=failure.code, text=failure.message) from None


def _field(body: Any, key: str) -> Any:
    try:
        return body[key]
    except (KeyError, TypeError) as exc:
        raise _ChildException(str(exc)) from None


def _non_empty(value: Any) -> bool:
    try:
        return len(value) != 0
    except TypeError as exc:
        raise _ChildException(str(exc)) from None


def _surl_of(body: Any) -> str:
    value = _field(body, "surl")
    if not _non_empty(value):
        raise _ChildException('400 Bad Request: No parameter "surl" specified')
    return str(value)


# --- the operations -------------------------------------------------------------------


def _stat(surl: str) -> dict[str, int]:
    if not _is_mock(surl):
        raise _plugin_missing(surl)
    return _mock_stat(surl)


def _list(surl: str) -> dict[str, dict[str, int]]:
    if not _is_mock(surl):
        raise _plugin_missing(surl)
    listing: dict[str, dict[str, int]] = {}
    for name, mode, size in _mock_entries(surl):
        listing[name + "/" if S_ISDIR(mode) else name] = {"size": size, "mode": mode, "mtime": 0}
    return listing


def _mkdir(body: Any) -> int:
    surl = _surl_of(body)
    if not _is_mock(surl):
        raise _plugin_missing(surl)
    return _mock_mkdir(surl)


def _unlink(body: Any) -> int:
    surl = _surl_of(body)
    if not _is_mock(surl):
        raise _plugin_missing(surl)
    _mock_stat(surl)
    return 0


def _rmdir(body: Any) -> int:
    raise _plugin_missing(_surl_of(body))  # no plugin (the mock one included) removes dirs


def _rename(body: Any) -> int:
    if not _non_empty(_field(body, "old")) or not _non_empty(_field(body, "new")):
        raise _ChildException("400 Bad Request: No old or name specified")
    raise _plugin_missing(str(_field(body, "old")))  # gfal2 looks the old URL's plugin up


def stat(surl: str) -> dict[str, int]:
    """``{mode, nlink, size, atime, mtime, ctime}`` of a SURL."""
    return _run(_stat, surl, body_route=False)


def listing(surl: str) -> dict[str, dict[str, int]]:
    """``{"<name>[/]": {size, mode, mtime}}`` of a directory SURL."""
    return _run(_list, surl, body_route=False)


def mkdir(body: Any) -> int:
    return _run(_mkdir, body, body_route=True)


def unlink(body: Any) -> int:
    return _run(_unlink, body, body_route=True)


def rmdir(body: Any) -> int:
    return _run(_rmdir, body, body_route=True)


def rename(body: Any) -> int:
    return _run(_rename, body, body_route=True)
