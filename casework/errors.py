"""Domain errors. Domain code raises these; service/errors.py maps them to HTTP in one place.

Every error that casework/ and service/ raise is in this tree; a few are defined beside the code
that raises them (its casework module in brackets). An error's HTTP status is that of the
nearest class in its hierarchy (``__mro__``) that the table in service/errors.py lists.

CaseworkError                  base; ``code`` is machine-readable, ``str()`` is for people
├── NotAuthenticated           401: no console session, or it expired (the console asks to log in)
│   └── LoginFailed            wrong e-mail or password, or a disabled account: never says which
├── NotFound                   404: the object does not exist, or the caller may not know it does
│   ├── CaseNotFound           wrong case ID or PIN, or a locked case: never says which (401:
│   │                          they are the victim's credentials)
│   ├── InvalidApiKey          a malformed, unknown, revoked or wrong API key (401) [apikeys]
│   ├── PlatformNotFound       no platform account has this name [platforms]
│   ├── ReportNotFound         no report with this ID is visible to this reporter [reports]
│   └── UnknownTargets         outcomes naming tokens or notices not this platform's [outcomes]
├── InvalidInput               422: a request the domain refuses as it stands
│   ├── InvalidItems           some items of a list were refused; ``problems`` lists them
│   │   ├── InvalidFingerprints    malformed or unusable fingerprints
│   │   │   └── InvalidVideos      malformed or unusable videos of a check [video_checks]
│   │   ├── InvalidUrls            reported URLs that cannot be fetched at all
│   │   ├── InvalidOutcomes        malformed outcomes reported by a platform [outcomes]
│   │   └── InvalidLines           lines of an imported hash list, by line number [banks]
│   ├── IncompleteNotice       a takedown notice lacks fields its legal regime requires
│   ├── BundleInvalid          an evidence file that does not verify; the message says why
│   ├── TooManyFingerprints    over the per-request or per-case limit (413)
│   ├── BodyTooLarge           a request body over the cap of its path (413)
│   ├── ImageTooLarge          an upload needs more memory to decode and hash than one may use
│   └── UploadAsForm           an upload sent as a form instead of as the body itself (415)
├── Conflict                   409: the object's state forbids the operation
│   ├── CaseWithdrawn          the case was withdrawn; nothing can be added to it
│   ├── TransitionRefused      a notice cannot move to that status, or not by this actor
│   ├── AdultRouteBlocked      the case is flagged under 18: adult notice routes are closed
│   └── SecretsExist           `takedown init` found secrets already there: it replaces none
├── NotAllowed                 403: authenticated, but not permitted
│   ├── RequestForgery         a console form without its CSRF token, or from another origin
│   └── ApiKeyRefused          an API key on a route for victims or caseworkers
├── RateLimited                429: over the caller's request budget; retry after the time given
├── Unavailable                503: a dependency (database, index) is not ready; retry later
│   ├── CredentialChecksBusy   every argon2 slot stayed taken: the PIN was not checked at all
│   └── HashingBusy            every upload-hashing process is busy and the queue is full
└── Misconfigured              500: the installation cannot work as set up; the operator must act
    ├── RegistryInvalid        the platform registry file cannot be used: which entry and why
    └── SealedDataUnreadable   sealed data does not open with this process's secret key

Outside the tree on purpose: the pure core, hashing/, imports nothing from here (the victim CLI
installs without the service), so its InvalidFingerprint and ImageRejected are caught where
casework uses it and told as item problems or reasons, and its CliError and PhotoTooLarge stay
in the CLI; the workers' FetchFailed, DeliveryFailed, NotificationFailed and RetryLater tell a
job to record a failure or retry, and never leave the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hashing.translations import N_


class CaseworkError(Exception):
    """Base of every domain error."""

    code = "error"
    #: Commit the unit of work before propagating (e.g. a failed-attempt counter).
    persist = False


class NotFound(CaseworkError):
    """The object does not exist, or its existence must not be confirmed."""

    code = "not_found"


class CaseNotFound(NotFound):
    """Unknown case, wrong PIN or paused case; one message for all three.

    ``retry_at`` must come from the request time and the lockout policy alone (never from the
    case), so that it is true for a paused case and tells nothing about an unknown one.
    """

    code = "case_not_found"
    persist = True

    def __init__(self, retry_at: datetime) -> None:
        self.retry_at = retry_at
        super().__init__(
            "No case matches this case ID and PIN, or the case is paused after too many wrong "
            f"PINs. Check both; if it is paused, try again after {retry_at:%H:%M} UTC."
        )


class InvalidInput(CaseworkError):
    """A request the domain refuses as it stands."""

    code = "invalid_input"


@dataclass(frozen=True)
class ItemProblem:
    """Why one submitted item (by its position in the request) was refused."""

    index: int
    reason: str


class InvalidItems(InvalidInput):
    """Some items of a list were refused; ``problems`` says which and why; nothing was stored."""

    noun = "item"

    def __init__(self, problems: list[ItemProblem]) -> None:
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{self.noun} {first.index}: {first.reason}{more}; nothing was stored")


class InvalidFingerprints(InvalidItems):
    """One or more fingerprints were refused."""

    code = "invalid_fingerprints"
    noun = "fingerprint"


class TooManyFingerprints(InvalidInput):
    """Over the per-request or per-case limit, in fingerprints or photos; ``per_request`` and
    ``photos_per_request`` are the request's limits, if a request broke one."""

    code = "too_many_fingerprints"

    def __init__(
        self,
        message: str,
        *,
        per_request: int | None = None,
        photos_per_request: int | None = None,
    ) -> None:
        self.per_request = per_request
        self.photos_per_request = photos_per_request
        super().__init__(message)


class Conflict(CaseworkError):
    """The object's state forbids the operation."""

    code = "conflict"


class CaseWithdrawn(Conflict):
    """The case was withdrawn."""

    code = "case_withdrawn"

    def __init__(self) -> None:
        super().__init__(N_("this case was withdrawn; open a new case to submit images again"))


class TransitionRefused(Conflict):
    """A notice's status may not move there from where it is, or not by this actor."""

    code = "transition_refused"


class NotAllowed(CaseworkError):
    """Authenticated, but not permitted."""

    code = "not_allowed"


class Unavailable(CaseworkError):
    """A dependency is not ready; the caller should retry later."""

    code = "unavailable"


class CredentialChecksBusy(Unavailable):
    """No argon2 slot came free in time; nothing was checked, so nothing was counted."""

    code = "busy"

    def __init__(self) -> None:
        super().__init__(N_("too many sign-in checks are running right now; try again shortly"))


class HashingBusy(Unavailable):
    """Every upload-hashing slot and waiting place is taken; the upload was not read."""

    code = "busy"

    def __init__(self) -> None:
        super().__init__("too many uploads are being checked right now; try again shortly")


class ImageTooLarge(InvalidInput):
    """An upload within the pixel caps that needs more memory to hash than one may use."""

    code = "image_too_large"

    def __init__(self) -> None:
        super().__init__(
            "decoding and hashing this image needs more memory than an upload may use; "
            "nothing was checked"
        )


class InvalidUrls(InvalidItems):
    """One or more reported URLs are unusable."""

    code = "invalid_urls"
    noun = "url"


class NotAuthenticated(CaseworkError):
    """No console session, or it expired."""

    code = "not_authenticated"


class LoginFailed(NotAuthenticated):
    """Wrong e-mail address or password, or a disabled account; one message for all."""

    code = "login_failed"
    #: The failed attempt is written to the audit log, which must survive the error.
    persist = True

    def __init__(self) -> None:
        super().__init__(N_("That e-mail address and password do not match an active account."))


class UploadAsForm(InvalidInput):
    """A file to check sent as a form (multipart or urlencoded) instead of as the body itself."""

    code = "upload_as_form"

    def __init__(self) -> None:
        super().__init__(
            "send the file's bytes as the request body (Content-Type: application/octet-stream "
            "or the image's type), not as a form: multipart is not accepted"
        )


class IncompleteNotice(InvalidInput):
    """A notice lacks fields its legal regime requires; ``missing`` names them for people."""

    code = "incomplete_notice"

    def __init__(self, regime: str, missing: list[str]) -> None:
        self.missing = missing
        names = ", ".join(f"“{name}”" for name in missing)
        noun = "field is" if len(missing) == 1 else "fields are"
        super().__init__(
            f"This notice cannot be approved: the required {noun} missing: {names}. "
            f"{regime} requires {'it' if len(missing) == 1 else 'them'}; fill "
            f"{'it' if len(missing) == 1 else 'them'} in and approve again."
        )


class AdultRouteBlocked(Conflict):
    """The case is flagged under 18: only child-protection channels apply."""

    code = "adult_route_blocked"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "This case is flagged as concerning someone under 18. Adult notice routes are "
                "blocked: use the child-protection channels shown on the case (NCMEC Take It Down "
                "and CyberTipline, IWF; in the Netherlands Offlimits and Helpwanted.nl)."
            )
        )


class RequestForgery(NotAllowed):
    """A console form without its CSRF token, or sent from another origin."""

    code = "csrf_failed"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "This form could not be accepted: it was missing its security token or came from "
                "another site. Reload the page and try again."
            )
        )


class ApiKeyRefused(NotAllowed):
    """An API key sent to a route where only a victim or a caseworker may act."""

    code = "api_key_refused"

    def __init__(self) -> None:
        super().__init__(
            "API keys are not accepted here: this route is for victims (case ID and PIN) or "
            "caseworkers (console sign-in)"
        )


class RateLimited(CaseworkError):
    """Over the caller's request budget; ``retry_after`` is in whole seconds."""

    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(f"too many requests for this key; retry in {self.retry_after} s")


class Misconfigured(CaseworkError):
    """The installation cannot work as set up: its files or secrets need the operator."""

    code = "misconfigured"


class RegistryInvalid(Misconfigured):
    """The platform registry file cannot be used; the message names the entry and the problem."""

    code = "registry_invalid"


class SealedDataUnreadable(Misconfigured):
    """Sealed data does not open with this process's secret key: another installation's key."""

    code = "sealed_data_unreadable"

    def __init__(self, key_id: str, source: str) -> None:
        self.key_id = key_id
        super().__init__(
            f"the stored data was sealed with another secret key than the one used here "
            f"({source}, key id {key_id}); run the command from the folder where `takedown up` "
            "keeps its data, or set TAKEDOWN_DATA_DIR (or TAKEDOWN_SECRET_KEY) to that "
            "installation's"
        )


class BundleInvalid(InvalidInput):
    """An evidence file that does not verify; the message says why."""

    code = "bundle_invalid"


class BodyTooLarge(InvalidInput):
    """A request body over the cap of its path, counted as it streams in."""

    code = "body_too_large"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"request bodies are limited to {limit} bytes")


class SecretsExist(Conflict):
    """A secret file is there already: replacing it would lock the service out of its data."""

    code = "secrets_exist"

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        super().__init__(f"these secrets exist already, nothing was written: {', '.join(paths)}")
