"""Every error the FTS3 double answers with, declared once.

The real server has three error shapes (fts-rest-flask ``config/middleware.py``
``handle_exception``, ``controllers/jobs.py``, ``fts3auth/fts3authmiddleware.py``), so
each error says which one it takes:

* ``json``: ``{"status": "<code> <Reason>", "message": "..."}``, raised inside the app;
* ``job``: per-job entries ``{"job_id", "http_status", "http_message"}`` of the by-id
  job routes (a single id answers with that entry and the entry's HTTP code);
* ``html``: Werkzeug's HTML page, written by the authentication middleware.

Rendering lives in :mod:`mockfts.api.render`; nothing else formats an error.
"""

from __future__ import annotations

import copy

from mockcore.errors import ServiceError


class FtsError(ServiceError):
    status: int = 500
    template: str = ""
    shape: str = "json"

    def __init__(self, message: str | None = None, **fields: object) -> None:
        self.fields = fields
        self.message = message if message is not None else self.template.format(**fields)
        super().__init__(self.message)

    def plain(self) -> FtsError:
        """The same error in the ``json`` shape (job sub-resources answer per-job
        errors as ``{"status", "message"}``)."""
        twin = copy.copy(self)
        twin.shape = "json"
        return twin


# --- generic kinds (message given where raised) --------------------------------------


class BadRequest(FtsError):
    status = 400


class RequestRefused(FtsError):
    """What the HTTP server refused before the app saw it (a malformed request line,
    headers or a body too large): Apache answers these on a real FTS host; here the
    status is the one the server chose (``mockcore.wsgi.TRANSPORT_ERROR``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Forbidden(FtsError):
    status = 403


class NotFound(FtsError):
    status = 404


class MethodNotAllowed(FtsError):
    status = 405


class Conflict(FtsError):
    status = 409


class AuthenticationTimeout(FtsError):
    """FTS's own 419: the delegated proxy is missing or expiring."""

    status = 419
    template = "The authentication has expired"


# --- request parsing --------------------------------------------------------------


class BadContentType(BadRequest):
    template = "Expecting application/json or application/x-www-form-urlencoded"


class BadJson(BadRequest):
    template = "Badly formatted JSON request"


class NotADictionary(BadRequest):
    template = "Expecting a dictionary"


class MalformedRequest(BadRequest):
    template = "Malformed request: {detail}"


class MissingParameter(BadRequest):
    template = "Missing parameter: '{name}'"


class InvalidValue(BadRequest):
    template = "Invalid value within the request: {detail}"


# --- submission ---------------------------------------------------------------------


class NoTransfers(BadRequest):
    template = "No transfers operations specified"


class NoOperations(BadRequest):
    """Legacy generation: neither transfers nor deletions."""

    template = "No transfers or namespace operations specified"


class TransfersAndDeletions(BadRequest):
    template = "Simultaneous transfer and namespace operations not supported"


class NoValidPairs(BadRequest):
    template = "No valid pairs available"


class DeletionRefused(MethodNotAllowed):
    template = "Deletion jobs are no longer supported by FTS"


class NeedSid(BadRequest):
    template = "Need sid for deterministic job id generation"


class DuplicateSid(Conflict):
    template = "The sid provided by the user is duplicated"


class IncompatibleOverwrite(BadRequest):
    template = "Incompatible overwrite flags used at the same time"


class OverwriteDiskNeedsArchive(BadRequest):
    template = "'overwrite-when-only-on-disk' requires 'archive-timeout' to be set"


class OverwriteDiskNeedsHttps(BadRequest):
    template = (
        "'overwrite-when-only-on-disk' requires destination to be HTTPs endpoint "
        "(Tape REST API required)"
    )


class OverwriteHopNeedsMultihop(BadRequest):
    template = "'overwrite-hop' requires multihop job submission"


class ReplicaWithMultihop(BadRequest):
    template = (
        "Can not request multiple replica job together with multihop or session reuse "
        "at the same time"
    )


class ReplicaNeedsOneFile(BadRequest):
    template = "Multiple replica jobs must only have one unique file"


class ReuseNeedsOnePair(BadRequest):
    template = "Reuse jobs must only contain transfers for the same source ad destination storage"


class UnknownStrategy(BadRequest):
    template = "{strategy} algorithm is not supported by Scheduler"


class TapeWithTokens(BadRequest):
    template = "Requests to {what} tape using token authentication are not supported"


class UnmanagedTokensRefused(BadRequest):
    template = "Unmanaged tokens are not allowed!"


class StorageBanned(Forbidden):
    template = "{storage} is banned"


class NoDelegation(AuthenticationTimeout):
    template = 'No delegation found for "{user_dn}"'


class DelegationExpired(AuthenticationTimeout):
    template = "The delegated credentials expired {seconds} seconds ago ({dlg_id})"


class DelegationExpiring(AuthenticationTimeout):
    template = "The delegated credentials has less than one hour left ({dlg_id})"


# --- delegation ---------------------------------------------------------------------


class DelegationIdMismatchOnRoute(Forbidden):
    template = "The requested ID and the credentials ID do not match"


class CertificateRequired(Forbidden):
    template = "Certificate required"


class DelegationNotFound(NotFound):
    template = "Delegated credentials not found"


class DelegatedProxyExpired(Forbidden):
    template = "Delegated proxy already expired"


class FailedDependency(FtsError):
    status = 424


# --- authorization ------------------------------------------------------------------


class NotEnoughPermissions(Forbidden):
    template = "Not enough permissions"


class NotRoot(Forbidden):
    template = "User does not have root privileges"


class CannotListJobs(Forbidden):
    template = "User not allowed to list jobs"


class DnMismatch(BadRequest):
    template = "The provided DN and delegation id do not correspond to the same user"


class DelegationIdMismatch(Forbidden):
    template = "The provided delegation id does not match your delegation id"


# --- jobs ---------------------------------------------------------------------------


class JobNotFound(NotFound):
    template = 'No job with the id "{job_id}" has been found'
    shape = "job"


class JobForbidden(Forbidden):
    template = 'Not enough permissions to check the job "{job_id}"'
    shape = "job"


class NoSuchField(NotFound):
    template = "No such field"


class BadLimit(BadRequest):
    template = "The limit must be positive and less or equal than 500"


class CancelWholeJob(BadRequest):
    template = "Multihop or reuse jobs must be cancelled at once ({job_type})"


class InvalidPriority(BadRequest):
    template = "Invalid priority value"


# --- authentication middleware (HTML pages) -----------------------------------------


class AuthFailure(FtsError):
    shape = "html"
    status = 403


class UserBanned(AuthFailure):
    template = "The user has been banned"


class UnauthorizedVo(AuthFailure):
    template = "The user does not belong to any authorized vo"


class InvalidCredentials(AuthFailure):
    template = "Invalid credentials ({reason})"


class UnsupportedAuthMethod(AuthFailure):
    status = 400
    template = "Unsupported authentication method: method={method}"


# --- routing (Werkzeug's own descriptions) -------------------------------------------


class RouteNotFound(NotFound):
    template = (
        "The requested URL was not found on the server. If you entered the URL manually "
        "please check your spelling and try again."
    )


class WrongMethod(MethodNotAllowed):
    template = "The method is not allowed for the requested URL."


# --- operations: banning, optimizer, configuration, archive (mockfts.model.ops) ------


class MalformedInput(BadRequest):
    template = "Malformed input"


class MissingStorage(BadRequest):
    template = "Missing storage parameter"


class BadBanStatus(BadRequest):
    template = "status can only be cancel or wait"


class AllowSubmitWithCancel(BadRequest):
    template = "allow_submit and status = CANCEL can not be combined"


class StorageNotFound(BadRequest):
    template = "Storage not found"


class MissingBanDn(BadRequest):
    template = "Missing dn parameter"


class MissingUnbanDn(BadRequest):
    template = "Missing user_dn parameter"


class SelfBan(Conflict):
    template = "The user tried to ban (her|his)self"


class MissingPair(BadRequest):
    template = "Missing source and/or destination"


class NotAnInteger(BadRequest):
    template = "{name} must be an integer ({detail})"


class NotAFloat(BadRequest):
    template = "{name} must be a float ({detail})"


class NotPositive(BadRequest):
    template = "{name} must be positive ({value})"


class InvalidDrain(BadRequest):
    template = "Invalid drain request"


class HostNotFound(BadRequest):
    template = "Host not found"


class UnknownConfigField(BadRequest):
    template = "Field {key} unknown"


class WrongConfigType(BadRequest):
    template = "Field {key} is expected to be {type}"


class ColumnTooLong(BadRequest):
    """A value longer than its column (``model/base.py: check_string_length``), where the
    controller answers the ``ValueError``'s text (``config/activities.py``) or, as a
    deliberate difference, where the real server lets it escape as a 500."""

    template = "{detail}"


class MissingVoName(BadRequest):
    template = "Missing VO name"


class MissingSymbolicName(BadRequest):
    template = "Missing symbolicname"


class ActiveNotInteger(BadRequest):
    template = "Active must be an integer ({detail})"


class MaxBelowMin(BadRequest):
    template = "max_active is lower than min_active"


class LinkNotFound(NotFound):
    template = "Link {name} does not exist"


class BadShareValue(BadRequest):
    template = "Bad share value"


class MissingShareFields(BadRequest):
    template = "Missing source, destination, vo and/or share"


class InvalidShareStorage(BadRequest):
    template = "Invalid source"


class MissingShareKey(BadRequest):
    template = "Missing source, destination and/or vo"


class MalformedConfiguration(BadRequest):
    template = "Malformed configuration"


class BadTpcSupport(BadRequest):
    template = "Field tpc_support is expected to be one of the following: FULL, PULL, PUSH, NONE"


class MissingSeParameter(BadRequest):
    template = "Missing storage (se)"


class MissingAuthzFields(BadRequest):
    template = "Missing dn and/or operation"


class AdminLevelLocked(BadRequest):
    template = "'admin' level can only be changed via database access"


class MissingAuthzDn(BadRequest):
    template = "Missing DN parameter"


class MissingActivityVo(BadRequest):
    template = "Missing VO"


class MissingActivityShare(BadRequest):
    template = "Missing share"


class ActivityShareFormat(BadRequest):
    template = (
        "share is expected to be a single JSON object with activity names and respective weights"
    )


class ShareWeightNotNumber(BadRequest):
    template = "Share weight must be a number"


class NoActivityShares(NotFound):
    template = "No activity shares for {vo}"


class MissingCloudStorageName(BadRequest):
    template = "Missing storage name"


class CloudUserMissing(BadRequest):
    template = "One of user_dn or vo_name must be specified"


class CloudUserAmbiguous(BadRequest):
    template = "Only one of user_dn or vo_name must be specified"


class CloudStorageNotFound(NotFound):
    template = "The storage does not exist"


class ForceStartContentType(BadRequest):
    template = "Only accepts 'Content-Type: application/json'"


class ForceStartNotIds(BadRequest):
    template = "Only accepts a list of integer fileIDs"


class ArchivedJobNotFound(NotFound):
    template = 'No job with the id "{job_id}" has been found in the archive'


class FilesTimeWindowUnsupported(BadRequest):
    """The real server answers 500 here (it filters files on a job column)."""

    template = (
        "time_window is not supported by GET /files (the real server fails with a 500 "
        "on it); list jobs with GET /jobs?time_window=... instead"
    )


# --- data management (/dm/*, mockfts.model.datamanagement) -----------------------------


class MissingSurl(BadRequest):
    template = "Missing surl parameter"


class ForbiddenSurlScheme(BadRequest):
    template = "Forbiden SURL scheme"  # sic


class UnparsableSurl(BadRequest):
    """The real server answers an unhandled 500 when ``urlparse`` raises."""

    template = "Invalid SURL: {detail}"


class NoDelegatedProxy(AuthenticationTimeout):
    template = "No delegated proxy available"


class DmProxyExpired(AuthenticationTimeout):
    template = "Delegated proxy expired ({dlg_id})"


class DmTokenExpired(AuthenticationTimeout):
    template = "Token with delegationId ({dlg_id}), has expired"


class GfalError(FtsError):
    """A gfal2 error as the real server words it; the status depends on the errno."""

    template = "[{errno}] {text}"


class GfalBadRequest(GfalError):
    status = 400


class GfalForbidden(GfalError):
    status = 403


class GfalNotFound(GfalError):
    status = 404


class GfalConflict(GfalError):
    status = 409


class GfalFailedDependency(GfalError):
    """Errnos the real server answers with 500: the storage failed, not the server."""

    status = 424


class GfalUnavailable(GfalError):
    status = 503


class DmChildRejected(GfalError):
    """A Python exception in the real server's gfal2 child (``[5] 'surl'``): 500 there,
    400 here, since the request caused it."""

    status = 400


class GfalStatusLost(GfalError):
    """An errno that is a multiple of 256 leaves the child with exit status 0."""

    status = 424
    template = (
        "[{errno}] {text} (errno {errno} leaves gfal2's child process with exit status 0; "
        "the real server then fails with a 500 reading the message as JSON)"
    )


class SnapshotRefused(BadRequest):
    """``POST /_mock/restore`` with a blob this double did not sign (double only)."""

    template = "Not a snapshot of this server: {reason}"
