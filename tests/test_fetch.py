"""Safe fetching (issue 5, "Unsafe URLs"): each protection has a test that fails without it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ingest.fetch import FetchError, address_problem, fetch
from newsdesk.settings import Settings
from tests.helpers_http import (
    TEST_CERTIFICATE,
    Route,
    dribble,
    endless,
    fake_resolver,
    redirect,
    serve,
)
from tests.support.settings import make_settings

PAGE = "<html><head><title>Ștri</title></head><body><p>Știri de azi.</p></body></html>"


@pytest.fixture
def allowed(tmp_path: Path) -> Settings:
    """Settings that admit loopback, as the local test server needs."""
    return make_settings(tmp_path, allow_private_urls=True, fetch_timeout=5)


def test_fetches_a_page_with_type_charset_and_final_url(allowed: Settings) -> None:
    with serve({"/p": Route(PAGE, content_type="text/html; charset=UTF-8")}) as server:
        fetched = fetch(server.url("/p"), allowed)
    assert fetched.url == server.url("/p")
    assert fetched.content_type == "text/html"
    assert fetched.charset == "utf-8"
    assert fetched.body.decode("utf-8") == PAGE


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/a.txt", "gopher://example.org/", "javascript:x"],
)
def test_other_schemes_are_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch(url, make_settings(tmp_path, allow_private_urls=True))


def test_urls_with_credentials_are_refused(allowed: Settings) -> None:
    with pytest.raises(FetchError, match="user name or password"):
        fetch("http://admin:secret@127.0.0.1/", allowed)


def test_loopback_is_refused_by_default(tmp_path: Path) -> None:
    with serve({"/p": Route(PAGE)}) as server:
        with pytest.raises(FetchError, match="loopback address"):
            fetch(server.url("/p"), make_settings(tmp_path))
        with pytest.raises(FetchError, match="loopback address"):
            fetch(f"http://localhost:{server.port}/p", make_settings(tmp_path))
    assert server.requests == []


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.7", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "non-public"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::5", "private"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:a00:1::", "private"),  # 6to4 wrapping 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 wrapping 169.254.169.254
    ],
)
def test_hosts_resolving_to_non_public_addresses_are_refused(
    address: str, kind: str, tmp_path: Path
) -> None:
    resolve = fake_resolver({"news.example": address})
    with pytest.raises(FetchError, match=f"news.example is an? {kind} address"):
        fetch("https://news.example/story", make_settings(tmp_path), resolve=resolve)


def test_one_bad_address_among_good_ones_is_refused(tmp_path: Path) -> None:
    resolve = fake_resolver({"news.example": ["93.184.216.34", "10.1.2.3"]})
    with pytest.raises(FetchError, match="private address"):
        fetch("http://news.example/", make_settings(tmp_path), resolve=resolve)


def test_public_addresses_pass() -> None:
    for address in ("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert address_problem(address) == ""


def test_allowing_private_urls_still_refuses_link_local_and_unspecified() -> None:
    assert address_problem("127.0.0.1", allow_private=True) == ""
    assert address_problem("10.0.0.1", allow_private=True) == ""
    assert address_problem("169.254.169.254", allow_private=True) == "a link-local address"
    assert address_problem("0.0.0.0", allow_private=True) == "an unspecified address"


def test_connects_to_the_vetted_address_and_sends_the_host_name(allowed: Settings) -> None:
    """DNS is asked once per hop, and the connection goes where that answer said."""
    with serve({"/p": Route(PAGE)}) as server:
        resolve = fake_resolver({"news.example": "127.0.0.1"})
        fetched = fetch(f"http://news.example:{server.port}/p", allowed, resolve=resolve)
    assert fetched.body.decode() == PAGE
    assert resolve.calls == ["news.example"]  # type: ignore[attr-defined]
    assert server.requests == [("/p", f"news.example:{server.port}")]


def test_unresolvable_hosts_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="could not resolve the host nowhere.invalid"):
        fetch("http://nowhere.invalid/", make_settings(tmp_path), resolve=fake_resolver({}))


def test_redirects_are_followed_and_the_final_url_reported(allowed: Settings) -> None:
    with serve({"/a": redirect("/b", 301), "/b": redirect("/c", 308), "/c": Route(PAGE)}) as server:
        fetched = fetch(server.url("/a"), allowed)
    assert fetched.url == server.url("/c")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local address"),
        ("http://[::ffff:a9fe:a9fe]/", "link-local address"),
        ("http://0.0.0.0:1/", "unspecified address"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
def test_redirects_to_unsafe_places_are_refused(
    allowed: Settings, target: str, message: str
) -> None:
    with serve({"/go": redirect(target)}) as server:
        with pytest.raises(FetchError, match=message):
            fetch(server.url("/go"), allowed)


def test_redirect_to_a_private_host_after_a_public_looking_one(allowed: Settings) -> None:
    resolve = fake_resolver({"news.example": "127.0.0.1", "metadata.internal": "169.254.169.254"})
    with serve({"/go": redirect("http://metadata.internal/computeMetadata/v1/")}) as server:
        with pytest.raises(FetchError, match="metadata.internal is a link-local address"):
            fetch(f"http://news.example:{server.port}/go", allowed, resolve=resolve)


def test_too_many_redirects(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, allow_private_urls=True, fetch_max_redirects=2)
    routes = {"/1": redirect("/2"), "/2": redirect("/3"), "/3": redirect("/4"), "/4": Route(PAGE)}
    with serve(routes) as server:
        assert fetch(server.url("/2"), settings).url == server.url("/4")
        with pytest.raises(FetchError, match="more than 2 redirects"):
            fetch(server.url("/1"), settings)
        server.routes["/loop"] = redirect("/loop")
        with pytest.raises(FetchError, match="more than 2 redirects"):
            fetch(server.url("/loop"), settings)


def test_an_endless_body_is_cut_at_the_cap(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, allow_private_urls=True, fetch_max_bytes=100_000)
    with serve({"/huge": Route(endless())}) as server:
        with pytest.raises(FetchError, match="page larger than 100000 bytes"):
            fetch(server.url("/huge"), settings)


def test_a_declared_length_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, allow_private_urls=True, fetch_max_bytes=2048)
    with serve({"/big": Route(b"x" * 5000)}) as server:
        with pytest.raises(FetchError, match="page larger than 2048 bytes"):
            fetch(server.url("/big"), settings)


def test_compressed_bodies_are_inflated_and_capped_after_inflating(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, allow_private_urls=True, fetch_max_bytes=100_000)
    bomb = gzip.compress(b" " * 10_000_000)  # 10 kB that inflate to 10 MB
    routes = {
        "/gz": Route(gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"}),
        "/bomb": Route(bomb, headers={"Content-Encoding": "gzip"}),
        "/br": Route(b"\x8b\x00", headers={"Content-Encoding": "br"}),
    }
    with serve(routes) as server:
        assert fetch(server.url("/gz"), settings).body.decode() == PAGE
        with pytest.raises(FetchError, match="page larger than 100000 bytes"):
            fetch(server.url("/bomb"), settings)
        with pytest.raises(FetchError, match="compressed as br"):
            fetch(server.url("/br"), settings)


def test_a_server_that_does_not_answer_times_out(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, allow_private_urls=True, fetch_timeout=0.3)
    with serve({"/slow": Route(PAGE, delay=3)}) as server:  # answers, but after the timeout
        with pytest.raises(FetchError, match="timed out after 0.3 s"):
            fetch(server.url("/slow"), settings)


def test_a_server_dripping_bytes_times_out_on_the_total(tmp_path: Path) -> None:
    """Every read gets a byte well within the timeout; the fetch as a whole must still end."""
    settings = make_settings(tmp_path, allow_private_urls=True, fetch_timeout=0.5)
    with serve({"/drip": Route(dribble(interval=0.05))}) as server:
        with pytest.raises(FetchError, match="timed out after 0.5 s"):
            fetch(server.url("/drip"), settings)


@pytest.mark.parametrize("content_type", ["image/png", "application/octet-stream", "video/mp4"])
def test_other_content_types_are_refused(allowed: Settings, content_type: str) -> None:
    with serve({"/f": Route(b"\x89PNG\r\n\x1a\n", content_type=content_type)}) as server:
        with pytest.raises(FetchError, match=f"content type is {content_type}"):
            fetch(server.url("/f"), allowed)


ACCEPTED = ["application/rss+xml", "application/atom+xml", "text/xml", "application/json"]


@pytest.mark.parametrize("content_type", [*ACCEPTED, "text/plain", ""])
def test_feed_json_text_and_untyped_content_is_accepted(
    allowed: Settings, content_type: str
) -> None:
    with serve({"/f": Route("<rss/>", content_type=content_type)}) as server:
        assert fetch(server.url("/f"), allowed).content_type == content_type


def test_http_errors_fail_with_the_status(allowed: Settings) -> None:
    with serve({}) as server:
        with pytest.raises(FetchError, match="HTTP 404 Not Found from http://127.0.0.1"):
            fetch(server.url("/missing"), allowed)


def test_non_ascii_paths_are_sent_encoded(allowed: Settings) -> None:
    with serve({"/%C8%99tiri": Route(PAGE)}) as server:
        assert fetch(server.url("/știri"), allowed).body.decode() == PAGE


def test_https_connects_to_the_vetted_address_and_checks_the_name(
    allowed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve = fake_resolver({"news.example": "127.0.0.1", "other.example": "127.0.0.1"})
    with serve({"/p": Route(PAGE)}, tls=True) as server:
        with pytest.raises(FetchError, match="TLS certificate is not valid"):
            fetch(f"https://news.example:{server.port}/p", allowed, resolve=resolve)
        monkeypatch.setenv("SSL_CERT_FILE", str(TEST_CERTIFICATE))
        fetched = fetch(f"https://news.example:{server.port}/p", allowed, resolve=resolve)
        assert fetched.body.decode() == PAGE
        with pytest.raises(FetchError, match="not valid for 'other.example'"):
            fetch(f"https://other.example:{server.port}/p", allowed, resolve=resolve)


def test_https_dripping_server_times_out_on_the_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(TEST_CERTIFICATE))
    settings = make_settings(tmp_path, allow_private_urls=True, fetch_timeout=0.5)
    resolve = fake_resolver({"news.example": "127.0.0.1"})
    with serve({"/drip": Route(dribble(interval=0.05))}, tls=True) as server:
        with pytest.raises(FetchError, match="timed out after 0.5 s"):
            fetch(f"https://news.example:{server.port}/drip", settings, resolve=resolve)
