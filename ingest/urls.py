"""Canonical URLs: the identity of an article that has one."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

# Query parameters that say how a reader arrived, not which page it is.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "mc_cid", "mc_eid", "igshid", "_hsenc", "_hsmi", "mkt_tok", "_ga", "_gl",
    }
)  # fmt: skip
DEFAULT_PORTS = {"http": 80, "https": 443}
# Control characters (C0, DEL, C1): never part of a link worth keeping or fetching.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _is_tracking(param: str) -> bool:
    key = unquote(param.partition("=")[0]).lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def canonical_url(url: str) -> str:
    """`url` with a lower-case scheme and host, no default port, credentials, fragment or tracking.

    The path and the remaining query are kept byte for byte (servers may treat case and
    encoding as meaningful). Anything that is not an http(s) URL comes back stripped but
    otherwise unchanged.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p))
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def web_url(url: str) -> str:
    """`url` canonical when it is an http(s) link with a host and no control characters; else
    "" (`javascript:alert(1)`, `http://[::1`, a path with an ESC in it)."""
    url = url.strip()
    if not url or CONTROL.search(url):
        return ""
    canonical = canonical_url(url)
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return ""
    return canonical if parts.scheme in DEFAULT_PORTS and parts.hostname else ""
