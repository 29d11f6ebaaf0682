"""Container image references: parsing, Docker Hub normalization and familiar forms.

This module owns the image-reference grammar. It turns a string such as ``nginx:1.25`` into a
``Reference`` (``docker.io/library/nginx`` with tag ``1.25``), rejects malformed strings with
``InvalidReferenceError`` carrying the exact upstream error text, and turns a reference back
into its short "familiar" spelling. Matching and injection live elsewhere; they only compare
``Reference`` values.

Grammar (``:=`` defines a production; ``/…/`` is a regular expression; ``[…]`` is optional)::

    reference        := name [ ":" tag ] [ "@" digest ]
    name             := [ domain "/" ] path
    domain           := host [ ":" port ]
    host             := domain-name | "[" ipv6-address "]"
    domain-name      := domain-label { "." domain-label }
    domain-label     := /[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]/
    ipv6-address     := /[a-fA-F0-9:]+/            (no zone id such as "%eth0")
    port             := /[0-9]+/
    path             := path-component { "/" path-component }    (at most 255 characters)
    path-component   := alphanumeric { separator alphanumeric }
    alphanumeric     := /[a-z0-9]+/
    separator        := /[._]|__|[-]+/
    tag              := /[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/
    digest           := algorithm ":" encoded
    algorithm        := algo-part { /[-_+.]/ algo-part }
    algo-part        := /[A-Za-z][A-Za-z0-9]*/
    encoded          := /[0-9a-fA-F]{32,}/
    identifier       := /[a-f0-9]{64}/              (refused as a bare name)

A digest that fits the grammar is then checked like go-digest does: only ``sha256``,
``sha384`` and ``sha512`` are known, and their encoded part must be exactly 64, 96 or 128
lower-case hex characters.

Normalization (``parse_normalized_named``) decides whether the first ``/``-separated part is a
registry: it is when it is ``localhost``, contains ``.`` or ``:``, or contains an upper-case
letter; otherwise the registry is ``docker.io``, and a single-component Docker Hub path gets
the ``library/`` namespace. No default ``latest`` tag is added.

Ported from github.com/distribution/reference v0.6.0 (facts, not code), together with the
digest validation of github.com/opencontainers/go-digest v1.0.0.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

__all__ = ["InvalidReferenceError", "Reference", "parse", "parse_normalized_named"]


def _optional(*parts: str) -> str:
    """Wrap the parts in a non-capturing group that may be absent."""
    return "(?:" + "".join(parts) + ")?"


def _any_times(*parts: str) -> str:
    """Wrap the parts in a non-capturing group that may repeat zero or more times."""
    return "(?:" + "".join(parts) + ")*"


def _capture(*parts: str) -> str:
    """Wrap the parts in a capturing group."""
    return "(" + "".join(parts) + ")"


# --- grammar fragments -------------------------------------------------------------------
# Every fragment is ASCII-only and is compiled with re.ASCII: Go's \w and character classes
# never match non-ASCII letters, Python's do unless told otherwise.

# One run of lower-case letters and digits; path components are built from these.
_ALPHANUMERIC: Final = r"[a-z0-9]+"

# What may join two alphanumeric runs inside a path component: one period, one or two
# underscores, or any number of dashes. Dashes may repeat so that host-like names
# ("xn--n3h") stay valid; a double underscore was allowed later for older names.
_SEPARATOR: Final = r"(?:[._]|__|[-]+)"

# A path component starts and ends with an alphanumeric run ("my-app", "a__b", "v1.2").
_PATH_COMPONENT: Final = _ALPHANUMERIC + _any_times(_SEPARATOR, _ALPHANUMERIC)

# The path ("remote name"): one or more path components separated by "/".
_REMOTE_NAME: Final = _PATH_COMPONENT + _any_times("/", _PATH_COMPONENT)

# One DNS-like label of a registry host. Unlike path components it may hold upper case, and
# a dash may not start or end it.
_DOMAIN_NAME_COMPONENT: Final = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"

# A registry host name or dotted-decimal IPv4 address: labels joined by ".".
_DOMAIN_NAME: Final = _DOMAIN_NAME_COMPONENT + _any_times(r"\.", _DOMAIN_NAME_COMPONENT)

# An IPv6 address in square brackets. Only hex digits and colons: zone identifiers
# ("%eth0") and IPv4-mapped forms ("::ffff:1.2.3.4") are deliberately not accepted.
_IPV6_ADDRESS: Final = r"\[(?:[a-fA-F0-9:]+)\]"

# The host part of a registry: a name, an IPv4 address or a bracketed IPv6 address.
_HOST: Final = "(?:" + _DOMAIN_NAME + "|" + _IPV6_ADDRESS + ")"

# An optional port number after the host, including its ":" (e.g. ":5000").
_OPTIONAL_PORT: Final = _optional(":", r"[0-9]+")

# A registry: host plus optional port ("gcr.io", "localhost:5000", "[::1]:5000").
_DOMAIN_AND_PORT: Final = _HOST + _OPTIONAL_PORT

# A tag: a word character, then up to 127 word characters, periods or dashes. Tags, unlike
# paths, may contain upper case. (From docker's graph/tags.go.)
_TAG: Final = r"[\w][\w.-]{0,127}"

# The digest as the reference grammar sees it: algorithm, ":", at least 32 hex digits of
# either case. Written as [0-9a-fA-F]: Python has no POSIX classes, and "[[:xdigit:]]"
# would compile into a set that never matches a digest.
_DIGEST: Final = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"

# A content-addressable identifier: 64 lower-case hex digits, as printed by "docker images".
_IDENTIFIER: Final = r"[a-f0-9]{64}"

# go-digest's own, stricter digest grammar. It only decides which error an unknown
# algorithm gets: "unsupported" when the digest fits this, "invalid format" when not.
_GO_DIGEST: Final = r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+"

# The encoded part of a known algorithm's digest: lower-case hex only.
_LOWER_HEX: Final = r"[a-f0-9]+"

# A whole reference, capturing (domain, path, tag, digest); absent parts are None. Go first
# captures the name and then splits it with a second pattern; one pattern gives the same
# split because a domain is always followed by the first "/" and cannot contain one.
_REFERENCE_RE: Final = re.compile(
    _optional(_capture(_DOMAIN_AND_PORT), "/")
    + _capture(_REMOTE_NAME)
    + _optional(":", _capture(_TAG))
    + _optional("@", _capture(_DIGEST)),
    re.ASCII,
)
_IDENTIFIER_RE: Final = re.compile(_IDENTIFIER, re.ASCII)
_GO_DIGEST_RE: Final = re.compile(_GO_DIGEST, re.ASCII)
_LOWER_HEX_RE: Final = re.compile(_LOWER_HEX, re.ASCII)

# --- constants and messages ----------------------------------------------------------------

# The path (not the domain) may be at most this long; v0.6.0 stopped counting the domain.
_REPOSITORY_NAME_TOTAL_LENGTH_MAX: Final = 255

# Docker Hub's canonical domain, its legacy spelling, and the namespace of official images.
_DEFAULT_DOMAIN: Final = "docker.io"
_LEGACY_DEFAULT_DOMAIN: Final = "index.docker.io"
_OFFICIAL_REPO_PREFIX: Final = "library/"
# The one name that is a registry even without a "." or a port.
_LOCALHOST: Final = "localhost"

# The known digest algorithms and the length of their hex encoding (twice the hash size).
_DIGEST_HEX_LENGTHS: Final = {"sha256": 64, "sha384": 96, "sha512": 128}

# Go's error messages, verbatim: reference.go's sentinel errors, then go-digest's.
_ERR_REFERENCE_INVALID_FORMAT: Final = "invalid reference format"
_ERR_NAME_CONTAINS_UPPERCASE: Final = "repository name must be lowercase"
_ERR_NAME_EMPTY: Final = "repository name must have at least one component"
_ERR_NAME_TOO_LONG: Final = (
    f"repository name must not be more than {_REPOSITORY_NAME_TOTAL_LENGTH_MAX} characters"
)
_ERR_DIGEST_INVALID_FORMAT: Final = "invalid checksum digest format"
_ERR_DIGEST_INVALID_LENGTH: Final = "invalid checksum digest length"
_ERR_DIGEST_UNSUPPORTED: Final = "unsupported digest algorithm"


class InvalidReferenceError(ValueError):
    """A string is not a valid image reference.

    ``str(err)`` is exactly the upstream (Go) error message; ``err.value`` is the string that
    was being parsed, so callers can say which value was refused.
    """

    def __init__(self, message: str, value: str = "") -> None:
        super().__init__(message)
        self.value = value


class Reference(NamedTuple):
    """A parsed image reference: ``domain/path[:tag][@digest]``.

    ``domain`` keeps its case (``Example.com``); it is empty only for references read with
    ``parse`` from a string that had no domain part.
    """

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The repository name, e.g. ``docker.io/library/nginx`` (Go ``Name()``)."""
        return _join_name(self.domain, self.path)

    def __str__(self) -> str:
        """The full reference, ``name[:tag][@digest]`` (Go ``String()``)."""
        return self.name + _suffix(self.tag, self.digest)

    def familiar_name(self) -> str:
        """The name as Docker's UI shows it, e.g. ``nginx`` or ``foo/bar`` (``FamiliarName``).

        >>> parse_normalized_named("docker.io/library/nginx:1.25").familiar_name()
        'nginx'
        """
        return _join_name(*_familiarize(self.domain, self.path))

    def familiar_string(self) -> str:
        """The familiar name plus ``[:tag][@digest]`` (``FamiliarString``).

        >>> parse_normalized_named("index.docker.io/library/nginx:1.25").familiar_string()
        'nginx:1.25'
        """
        return self.familiar_name() + _suffix(self.tag, self.digest)


def _join_name(domain: str, path: str) -> str:
    """Join domain and path with "/", or give the path alone when there is no domain."""
    return f"{domain}/{path}" if domain else path


def _suffix(tag: str | None, digest: str | None) -> str:
    """The ``:tag`` and ``@digest`` suffix, each part only when present."""
    return (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def _familiarize(domain: str, path: str) -> tuple[str, str]:
    """Drop Docker Hub's domain, and ``library/`` when what is left has no further "/"."""
    if domain != _DEFAULT_DOMAIN:
        return domain, path
    if path.startswith(_OFFICIAL_REPO_PREFIX):
        rest = path.removeprefix(_OFFICIAL_REPO_PREFIX)
        if "/" not in rest:
            return "", rest
    return "", path


def _go_lower(s: str) -> str:
    """Lower-case like Go's ``strings.ToLower``, which uses simple one-to-one case mappings.

    Python applies the full mapping, under which U+0130 (capital I with dot above) becomes
    two characters; Go maps it to a plain "i", which can turn it into a valid name.
    """
    return s.replace("\u0130", "i").lower()


def parse(s: str) -> Reference:
    """Parse an already-normalized reference string (Go ``reference.Parse``).

    Nothing is defaulted: ``parse("nginx")`` has an empty domain and the path ``nginx``.

    Raises:
        InvalidReferenceError: with the Go message, e.g. ``invalid reference format``.
    """
    return _parse(s, value=s)


def _parse(s: str, *, value: str) -> Reference:
    """``parse``, reporting ``value`` (the caller's original input) in any error."""
    if s == "":
        raise InvalidReferenceError(_ERR_NAME_EMPTY, value)
    match = _REFERENCE_RE.fullmatch(s)
    if match is None:
        raise InvalidReferenceError(_mismatch_reason(s), value)
    domain, path, tag, digest = match.groups()
    if len(path) > _REPOSITORY_NAME_TOTAL_LENGTH_MAX:
        raise InvalidReferenceError(_ERR_NAME_TOO_LONG, value)
    if digest is not None:
        _validate_digest(digest, value)
    return Reference(domain or "", path, tag, digest)


def _mismatch_reason(s: str) -> str:
    """Why ``s`` does not fit the grammar: upper case, if lower-casing would make it fit."""
    lowered = _go_lower(s)
    if lowered != s and _REFERENCE_RE.fullmatch(lowered):
        return _ERR_NAME_CONTAINS_UPPERCASE
    return _ERR_REFERENCE_INVALID_FORMAT


def _validate_digest(digest: str, value: str) -> None:
    """Check a digest the way go-digest's ``Digest.Validate`` does.

    Assumes, as in Tilt, that the binary links sha256 and sha512 (which also provides
    sha384), so all three registered algorithms count as available.
    """
    algorithm, _, encoded = digest.partition(":")
    if not algorithm or not encoded:
        raise InvalidReferenceError(_ERR_DIGEST_INVALID_FORMAT, value)
    expected_length = _DIGEST_HEX_LENGTHS.get(algorithm)
    if expected_length is None:
        known_shape = _GO_DIGEST_RE.fullmatch(digest) is not None
        reason = _ERR_DIGEST_UNSUPPORTED if known_shape else _ERR_DIGEST_INVALID_FORMAT
        raise InvalidReferenceError(reason, value)
    # The length is checked before the alphabet, so a wrong-length digest with upper-case
    # hex reports the length.
    if len(encoded) != expected_length:
        raise InvalidReferenceError(_ERR_DIGEST_INVALID_LENGTH, value)
    if _LOWER_HEX_RE.fullmatch(encoded) is None:
        raise InvalidReferenceError(_ERR_DIGEST_INVALID_FORMAT, value)


def parse_normalized_named(s: str) -> Reference:
    """Parse a reference as the Docker CLI and Tilt do (Go ``ParseNormalizedNamed``).

    >>> str(parse_normalized_named("nginx:1.25"))
    'docker.io/library/nginx:1.25'

    Raises:
        InvalidReferenceError: with the Go message, e.g. ``invalid reference format:
            repository name (library/MyApp) must be lowercase``.
    """
    if _IDENTIFIER_RE.fullmatch(s):
        message = f"invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
        raise InvalidReferenceError(message, s)
    domain, remainder = _split_docker_domain(s)
    remote = remainder.partition(":")[0]
    if _go_lower(remote) != remote:
        message = f"invalid reference format: repository name ({remote}) must be lowercase"
        raise InvalidReferenceError(message, s)
    return _parse(f"{domain}/{remainder}", value=s)


def _split_docker_domain(name: str) -> tuple[str, str]:
    """Split ``name`` into (domain, remainder), defaulting to Docker Hub.

    The remainder still carries any ``:tag`` and ``@digest``.
    """
    first, slash, rest = name.partition("/")
    if not slash:
        # A single element ("ubuntu", "ubuntu:latest", even "localhost:5000") is always a
        # Docker Hub official image; the ":" is never read as a port here.
        return _DEFAULT_DOMAIN, _OFFICIAL_REPO_PREFIX + name
    domain, remainder = _classify_first_element(first, rest, name)
    if domain == _DEFAULT_DOMAIN and "/" not in remainder:
        remainder = _OFFICIAL_REPO_PREFIX + remainder
    return domain, remainder


def _classify_first_element(first: str, rest: str, name: str) -> tuple[str, str]:
    """Decide whether the part before the first "/" is a registry."""
    if first == _LOCALHOST:
        return first, rest
    if first == _LEGACY_DEFAULT_DOMAIN:
        return _DEFAULT_DOMAIN, rest
    if "." in first or ":" in first:
        # Looks like a host name, an IP address, or "host:port" ("[::1]:5000").
        return first, rest
    if _go_lower(first) != first:
        # Paths are never upper case, so an upper-case first element must be a registry.
        return first, rest
    return _DEFAULT_DOMAIN, name
