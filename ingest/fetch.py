"""Fetching a URL that anyone may have named, without becoming a proxy into our network.

Defences (issue 5): only http and https; the host is resolved here and every address it
resolves to must be public (not loopback, private, link-local, multicast, reserved or
unspecified, also when an IPv4 address hides in an IPv6 one), and the connection goes to that
vetted address, so a second DNS answer cannot point elsewhere (DNS rebinding); every redirect
is checked again, and there are at most `fetch_max_redirects`; the body is read in pieces and
abandoned past `fetch_max_bytes`; the whole fetch, redirects included, ends after
`fetch_timeout` seconds however slowly the server drips bytes (or the resolver answers); only
HTML, XML, JSON and text content is accepted.

http.client rather than httpx: it lets us hand the connection a socket connected to the
vetted address while TLS still checks the certificate against the host name, and reach that
socket to enforce the total deadline.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, quote, urljoin, urlsplit

from ingest.errors import IngestError
from ingest.urls import CONTROL
from newsdesk.display import printable
from newsdesk.settings import Settings

Resolver = Callable[..., Sequence[tuple[Any, ...]]]  # socket.getaddrinfo's shape

USER_AGENT = "newsdesk/0.1 (news ingestion)"
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,application/json;q=0.8,text/plain;q=0.8"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CONDITIONAL = frozenset({"If-None-Match", "If-Modified-Since"})
CHUNK = 64 * 1024
PRINTABLE = "".join(map(chr, range(33, 127)))  # left as they are in a request target
ALLOWED_TYPES = frozenset(
    {
        "text/html", "application/xhtml+xml", "text/plain", "text/markdown",
        "text/xml", "application/xml", "application/json",
    }
)  # fmt: skip
# NAT64 addresses carry an IPv4 address in their last 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(IngestError):
    """A URL that was not fetched; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched document: the URL it was finally found at, after redirects."""

    url: str
    content_type: str  # media type, lower case, without parameters; "" when the server sent none
    body: bytes
    charset: str | None  # as declared by the server
    # for conditional GETs (a followed feed): the validators the server sent, and whether it
    # answered 304 Not Modified to the `If-None-Match` / `If-Modified-Since` we sent
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False


def fetch(
    url: str,
    settings: Settings,
    resolve: Resolver = socket.getaddrinfo,
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """GET `url` safely (see the module docstring), following redirects; FetchError if refused.

    `headers` are sent besides ours: only the conditional ones (`If-None-Match`,
    `If-Modified-Since`) are taken, so a caller cannot change what the request may reach."""
    deadline = time.monotonic() + settings.fetch_timeout
    current = url.strip()
    conditional = {k: v for k, v in (headers or {}).items() if k in CONDITIONAL and v}
    for _hop in range(settings.fetch_max_redirects + 1):
        result = _get(current, settings, resolve, deadline, conditional)
        if isinstance(result, Fetched):
            return result
        current = urljoin(current, result)
    raise FetchError(
        f"more than {settings.fetch_max_redirects} redirects fetching {url}: "
        "give the final address of the page"
    )


def address_problem(address: str, allow_private: bool = False) -> str:
    """Why we will not connect to `address` ("a private address"), or "" when it is public.

    `allow_private` (tests only) admits loopback and private addresses, never link-local
    (cloud metadata services live there), multicast, reserved or unspecified ones.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(str(embedded), allow_private)
        if ip.is_site_local:
            return "a site-local address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_loopback:
        return "" if allow_private else "a loopback address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "" if allow_private else "a private address"
    return "" if ip.is_global else "a non-public address"


def _get(
    url: str, settings: Settings, resolve: Resolver, deadline: float,
    conditional: Mapping[str, str],
) -> Fetched | str:  # fmt: skip
    """One request: the document, or the Location of a redirect."""
    parts = _check_url(url)
    host = _ascii_host(url, parts.hostname or "")
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    addresses = _vetted_addresses(
        url, host, port, settings, resolve, _remaining(url, deadline, settings)
    )
    connection = _connection(scheme, host, port, addresses, _remaining(url, deadline, settings))
    watchdog = _Watchdog(connection, _remaining(url, deadline, settings))
    response: http.client.HTTPResponse | None = None
    try:
        target = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), PRINTABLE)
        connection.request(
            "GET", target, headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, **conditional}
        )
        response = connection.getresponse()
        validators = {"etag": response.getheader("ETag") or "",
                      "last_modified": response.getheader("Last-Modified") or ""}  # fmt: skip
        if response.status == 304 and conditional:
            return Fetched(url=url, content_type="", body=b"", charset=None, not_modified=True,
                           **validators)  # fmt: skip
        if response.status in REDIRECTS:
            location = response.getheader("Location")
            if not location:
                raise FetchError(f"{url} redirects without saying where (no Location header)")
            return location
        if response.status >= 400:
            raise FetchError(f"HTTP {response.status} {response.reason} from {url}")
        content_type, charset = _content_type(url, response)
        body = _read_body(url, response, settings.fetch_max_bytes)
        if watchdog.fired:
            raise TimeoutError
        return Fetched(url=url, content_type=content_type, body=body, charset=charset,
                       **validators)  # fmt: skip
    except FetchError:
        raise
    except (OSError, http.client.HTTPException, zlib.error) as error:
        if watchdog.fired or isinstance(error, TimeoutError):
            raise _timeout(url, settings) from None
        raise FetchError(f"could not fetch {url}: {_describe(error)}") from None
    finally:
        watchdog.cancel()
        if response is not None:
            response.close()
        connection.close()


def _check_url(url: str) -> SplitResult:
    if CONTROL.search(url):
        raise FetchError(
            f"refused to fetch {printable(url)}: it contains control characters; "
            "give the address as the browser shows it"
        )
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        raise FetchError(f"not a valid URL: {url}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"refused to fetch {url}: only http and https URLs are fetched")
    if not parts.hostname:
        raise FetchError(f"not a valid URL (no host): {url}")
    if parts.username is not None or parts.password is not None:
        raise FetchError(
            f"refused to fetch {url}: URLs with a user name or password are not fetched"
        )
    return parts


def _ascii_host(url: str, host: str) -> str:
    """The host as sent on the wire (`bücher.de` → `xn--bcher-kva.de`)."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError(f"not a valid host name in {url}: {host}") from None


def _vetted_addresses(
    url: str, host: str, port: int, settings: Settings, resolve: Resolver, seconds: float
) -> list[tuple[Any, ...]]:
    """Every address `host` resolves to, if all are acceptable (one bad answer spoils all)."""
    try:
        infos = _resolve_within(resolve, host, port, seconds)
    except TimeoutError:
        raise _timeout(url, settings) from None
    except (OSError, UnicodeError):
        raise FetchError(f"could not resolve the host {host} of {url}: check the URL") from None
    if not infos:
        raise FetchError(f"could not resolve the host {host} of {url}: check the URL")
    for info in infos:
        address = info[4][0]
        problem = address_problem(address, settings.allow_private_urls)
        if problem:
            raise FetchError(
                f"refused to fetch {url}: {host} is {problem} ({address}); "
                "only public web addresses are fetched"
            )
    return infos


def _resolve_within(
    resolve: Resolver, host: str, port: int, seconds: float
) -> list[tuple[Any, ...]]:
    """`resolve(host, port)`, or TimeoutError after `seconds`.

    getaddrinfo cannot be interrupted, so it runs in a daemon thread that is left to finish
    on its own (the system resolver gives up eventually) while the fetch fails on time.
    """
    answers: list[tuple[Any, ...]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            answers.extend(resolve(host, port, type=socket.SOCK_STREAM))
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
            errors.append(error)
        finally:
            done.set()

    threading.Thread(target=lookup, name=f"resolve {host}", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError
    if errors:
        raise errors[0]
    return answers


def _connection(
    scheme: str, host: str, port: int, addresses: list[tuple[Any, ...]], timeout: float
) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHTTPSConnection(host, port, addresses, timeout)
    return _PinnedHTTPConnection(host, port, addresses, timeout)


def _connect(addresses: list[tuple[Any, ...]], timeout: float) -> socket.socket:
    """A TCP connection to the first vetted address that answers."""
    error: OSError = OSError("no address")
    for family, kind, proto, _name, sockaddr in addresses:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as failed:
            sock.close()
            error = failed
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection for `host` (Host header) to an address vetted beforehand."""

    def __init__(self, host: str, port: int, addresses: list[tuple[Any, ...]], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses
        self.raw_socket: socket.socket | None = None

    def connect(self) -> None:
        self.sock = self.raw_socket = _connect(self._addresses, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a vetted address; SNI and certificate checks use the host name."""

    def __init__(self, host: str, port: int, addresses: list[tuple[Any, ...]], timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._addresses = addresses
        self.raw_socket: socket.socket | None = None

    def connect(self) -> None:
        sock = _connect(self._addresses, self.timeout)
        self.raw_socket = sock.dup()  # wrapping detaches `sock`; the watchdog needs a handle
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class _Watchdog:
    """Shuts the connection's socket at the deadline, so no read outlives the total timeout.

    Socket timeouts bound each read, not the fetch: a server sending a byte a second would
    never trip them.
    """

    def __init__(self, connection: http.client.HTTPConnection, seconds: float):
        self._connection = connection
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        sock = getattr(self._connection, "raw_socket", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()
        sock = getattr(self._connection, "raw_socket", None)
        if sock is not None and sock is not self._connection.sock:
            sock.close()


def _remaining(url: str, deadline: float, settings: Settings) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _timeout(url, settings)
    return left


def _timeout(url: str, settings: Settings) -> FetchError:
    return FetchError(
        f"timed out after {settings.fetch_timeout:g} s fetching {url} "
        "(NEWSDESK_FETCH_TIMEOUT sets the limit)"
    )


def _content_type(url: str, response: http.client.HTTPResponse) -> tuple[str, str | None]:
    header = response.headers
    media = (header.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if media and media not in ALLOWED_TYPES and not media.endswith(("+xml", "+json")):
        raise FetchError(
            f"refused {url}: its content type is {media}; only HTML, RSS/Atom/XML, JSON and "
            "text are ingested"
        )
    return media, header.get_content_charset()


def _read_body(url: str, response: http.client.HTTPResponse, limit: int) -> bytes:
    """The body, decompressed if the server compressed it anyway; FetchError past `limit`."""
    too_large = FetchError(
        f"page larger than {limit} bytes: {url} (NEWSDESK_FETCH_MAX_BYTES sets the limit)"
    )
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise too_large
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
    elif encoding != "identity":
        raise FetchError(f"refused {url}: it is compressed as {encoding}, which we do not read")
    else:
        inflater = None
    body = bytearray()
    while piece := response.read(CHUNK):
        if inflater is not None:
            piece = inflater.decompress(piece, limit + 1 - len(body))
        body += piece
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _describe(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not valid ({error.verify_message})"
    return str(error) or type(error).__name__
