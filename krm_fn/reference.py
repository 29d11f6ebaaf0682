"""Container image references: parsing, Docker Hub normalization and familiar forms.

This module reads by the image-reference grammar (its regular expressions are
``krm_fn.reference_grammar``). It turns a string such as ``nginx:1.25`` into a ``Reference``
(``docker.io/library/nginx`` with tag ``1.25``), rejects malformed strings with
``InvalidReferenceError`` carrying the exact upstream error text, and turns a reference back
into its short "familiar" spelling. Matching and injection live elsewhere; they only compare
``Reference`` values.

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

from krm_fn import reference_grammar as grammar
from krm_fn.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["InvalidReferenceError", "Reference", "parse", "parse_normalized_named"]


# --- constants and messages ----------------------------------------------------------------

# Docker Hub's canonical domain, its legacy spelling, and the namespace of official images.
_DEFAULT_DOMAIN: Final = "docker.io"
_LEGACY_DEFAULT_DOMAIN: Final = "index.docker.io"
_OFFICIAL_REPO_PREFIX: Final = "library/"
# The one name that is a registry even without a "." or a port.
_LOCALHOST: Final = "localhost"

# The known digest algorithms and the length of their hex encoding (twice the hash size).
_DIGEST_HEX_LENGTHS: Final = {"sha256": 64, "sha384": 96, "sha512": 128}

# Where Go's one-to-one lower case differs from Python's full mapping (see _go_lower).
_GO_SIMPLE_LOWER: Final = str.maketrans({"\u0130": "i"})

# Go's error messages, verbatim: reference.go's sentinel errors, then go-digest's.
_ERR_REFERENCE_INVALID_FORMAT: Final = "invalid reference format"
_ERR_NAME_CONTAINS_UPPERCASE: Final = "repository name must be lowercase"
_ERR_NAME_EMPTY: Final = "repository name must have at least one component"
_ERR_NAME_TOO_LONG: Final = (
    f"repository name must not be more than {grammar.PATH_LENGTH_MAX} characters"
)
_ERR_DIGEST_INVALID_FORMAT: Final = "invalid checksum digest format"
_ERR_DIGEST_INVALID_LENGTH: Final = "invalid checksum digest length"
_ERR_DIGEST_UNSUPPORTED: Final = "unsupported digest algorithm"


class InvalidReferenceError(ValueError):
    """A string is not a valid image reference.

    ``str(err)`` is exactly the upstream (Go) error message; ``err.value`` is the string that
    was being parsed, so callers can say which value was refused.
    """

    def __init__(self, message: str, value: str) -> None:
        super().__init__(message)
        self.value = value


class Reference(Record):
    """A parsed image reference: ``domain/path[:tag][@digest]``.

    ``domain`` keeps its case (``Example.com``); it is empty only for references read with
    ``parse`` from a string that had no domain part.
    """

    __slots__ = ("domain", "path", "tag", "digest")

    def __init__(
        self, domain: str, path: str, tag: str | None = None, digest: str | None = None
    ) -> None:
        self.domain: Final = domain
        self.path: Final = path
        self.tag: Final = tag
        self.digest: Final = digest

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
    return s.translate(_GO_SIMPLE_LOWER).lower()


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
    match = grammar.REFERENCE.fullmatch(s)
    if match is None:
        raise InvalidReferenceError(_mismatch_reason(s), value)
    domain, path, tag, digest = match.groups()
    if len(path) > grammar.PATH_LENGTH_MAX:
        raise InvalidReferenceError(_ERR_NAME_TOO_LONG, value)
    if digest is not None:
        _validate_digest(digest, value)
    return Reference(domain or "", path, tag, digest)


def _mismatch_reason(s: str) -> str:
    """Why ``s`` does not fit the grammar: upper case, if lower-casing would make it fit."""
    lowered = _go_lower(s)
    if lowered != s and grammar.REFERENCE.fullmatch(lowered):
        return _ERR_NAME_CONTAINS_UPPERCASE
    return _ERR_REFERENCE_INVALID_FORMAT


def _validate_digest(digest: str, value: str) -> None:
    """Check a digest the way go-digest's ``Digest.Validate`` does.

    Assumes, as in Tilt, that the binary links sha256 and sha512 (which also provides
    sha384), so all three registered algorithms count as available.
    """
    # The grammar has made sure of one ":" between a non-empty algorithm and encoded part.
    algorithm, encoded = digest.split(":")
    expected_length = _DIGEST_HEX_LENGTHS.get(algorithm)
    if expected_length is None:
        known_shape = re.fullmatch(grammar.GO_DIGEST, digest) is not None
        reason = _ERR_DIGEST_UNSUPPORTED if known_shape else _ERR_DIGEST_INVALID_FORMAT
        raise InvalidReferenceError(reason, value)
    # The length is checked before the alphabet, so a wrong-length digest with upper-case
    # hex reports the length.
    if len(encoded) != expected_length:
        raise InvalidReferenceError(_ERR_DIGEST_INVALID_LENGTH, value)
    if re.fullmatch(grammar.LOWER_HEX, encoded) is None:
        raise InvalidReferenceError(_ERR_DIGEST_INVALID_FORMAT, value)


def parse_normalized_named(s: str) -> Reference:
    """Parse a reference as the Docker CLI and Tilt do (Go ``ParseNormalizedNamed``).

    >>> str(parse_normalized_named("nginx:1.25"))
    'docker.io/library/nginx:1.25'

    Raises:
        InvalidReferenceError: with the Go message, e.g. ``invalid reference format:
            repository name (library/MyApp) must be lowercase``.
    """
    if grammar.IDENTIFIER.fullmatch(s):
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
