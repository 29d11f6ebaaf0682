"""The image-reference grammar of distribution/reference v0.6.0, as regular expressions
(its `regexp.go`); parsing and normalization are `krm_fn.reference`.

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

Every fragment is ASCII-only and compiled with re.ASCII: Go's \\w and character classes never
match non-ASCII letters, Python's do unless told otherwise. Ported from
github.com/distribution/reference v0.6.0 (facts, not code).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["GO_DIGEST", "IDENTIFIER", "LOWER_HEX", "PATH_LENGTH_MAX", "REFERENCE"]


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
# This and LOWER_HEX are texts, which `re` compiles when a run first reads a digest.
GO_DIGEST: Final = r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+"

# The encoded part of a known algorithm's digest: lower-case hex only.
LOWER_HEX: Final = r"[a-f0-9]+"

# A whole reference, capturing (domain, path, tag, digest); absent parts are None. Go first
# captures the name and then splits it with a second pattern; one pattern gives the same
# split because a domain is always followed by the first "/" and cannot contain one.
REFERENCE: Final = re.compile(
    _optional(_capture(_DOMAIN_AND_PORT), "/")
    + _capture(_REMOTE_NAME)
    + _optional(":", _capture(_TAG))
    + _optional("@", _capture(_DIGEST)),
    re.ASCII,
)
IDENTIFIER: Final = re.compile(_IDENTIFIER, re.ASCII)

# The path (not the domain) may be at most this long; v0.6.0 stopped counting the domain.
PATH_LENGTH_MAX: Final = 255
