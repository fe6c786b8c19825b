"""app.services.safe_fetch: refusals before any connection, URL spellings, and a real HTTP server on
127.0.0.1 for redirects, size and time limits. No traffic leaves 127.0.0.1: host names go through stub
resolvers, and a guard fails any test that resolves a name for real or connects anywhere but loopback."""
import gzip
import http.server
import ipaddress
import socket
import threading
import time

import pytest

from app.services.safe_fetch import (REASON_CODES, FetchRefused, address_problem, fetch, fetch_json,
                                     options_from_settings, parse_allowlist, parse_ipv4_spelling)

SECRET = "REMOTE-BODY-SECRET-7f3a"
LIMITS = {"max_bytes": 64 * 1024, "timeout": 5.0, "connect_timeout": 2.0}


# -- guards: nothing leaves loopback -------------------------------------------------------------

@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        assert ipaddress.ip_address(host).is_loopback, "test tried to connect to %r" % (address,)
        return real_connect(sock, address)

    def no_dns(host, *args, **kwargs):
        raise AssertionError("test tried to resolve %r for real" % (host,))

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)


class Recorder:
    """A connect function that records every call and refuses to open anything."""

    def __init__(self):
        self.calls = []

    def __call__(self, family, sockaddr, timeout):
        self.calls.append(sockaddr)
        raise AssertionError("a connection was attempted to %r" % (sockaddr,))


def resolving_to(*addresses):
    def resolver(host, port, family=0, type=0, *rest):
        out = []
        for text in addresses:
            address = ipaddress.ip_address(text)
            if address.version == 6:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (text, port, 0, 0)))
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (text, port)))
        return out
    return resolver


def refused(url, code, **options):
    recorder = options.pop("connect", None) or Recorder()
    kwargs = dict(LIMITS, connect=recorder)
    kwargs.update(options)
    with pytest.raises(FetchRefused) as raised:
        fetch(url, **kwargs)
    assert raised.value.code == code, (raised.value.code, raised.value.message)
    assert raised.value.code in REASON_CODES
    return raised.value, recorder


# -- addresses refused before any connection -----------------------------------------------------

BAD_ADDRESSES = [
    "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
    "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3",
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.51.100.1",
    "203.0.113.1", "198.18.0.1", "192.0.0.8",
    "::", "::1", "fe80::1", "fc00::1", "fd00:ec2::254", "fec0::1", "ff02::1", "2001:db8::1", "100::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
    "2002:7f00:1::1", "2002:a9fe:a9fe::1", "2002:c0a8:0101::",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1",
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_resolved_address_refused_before_connecting(address):
    error, recorder = refused("https://innocent.example/manifest.json", "address_not_allowed",
                              resolver=resolving_to(address))
    assert recorder.calls == []
    assert error.address == str(ipaddress.ip_address(address))
    assert address_problem(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1",
                                     "64:ff9b::808:808", "151.101.1.69"])
def test_public_addresses_pass_the_check(address):
    assert address_problem(address) is None


def test_one_bad_address_among_good_ones_refuses():
    _, recorder = refused("http://mixed.example/", "address_not_allowed",
                          resolver=resolving_to("8.8.8.8", "2606:4700::1", "10.0.0.7"))
    assert recorder.calls == []


@pytest.mark.parametrize("host", [
    "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "0x7f.0.0.1", "127.1", "127.0.1", "0x7f000001",
    "017700000001", "127.0.0.1.", "0", "0x0", "%31%32%37.0.0.1", "\uff11\uff12\uff17.0.0.1",
    "169.254.169.254", "2852039166", "0251.0376.0251.0376", "0xa9.0xfe.0xa9.0xfe", "10.1", "0xa.1",
    "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:a9fe:a9fe]", "[2002:7f00:1::]",
    "[::]", "[fe80::1]",
])
def test_ip_literal_spellings_refused_without_resolving(host):
    def resolver(*args):
        raise AssertionError("an IP literal was sent to the resolver")

    _, recorder = refused("http://%s/x" % host, "address_not_allowed", resolver=resolver)
    assert recorder.calls == []


@pytest.mark.parametrize("spelling,address", [
    ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"), ("127.0.1", "127.0.0.1"), ("1.2.3.4", "1.2.3.4"), ("0x08.0x08.010.8", "8.8.8.8"),
    ("3232235777", "192.168.1.1"), ("192.168.257", "192.168.1.1"),
])
def test_ipv4_spellings(spelling, address):
    assert str(parse_ipv4_spelling(spelling)) == address


@pytest.mark.parametrize("host", ["example.com", "a1.example", "0x.example", "1.2.3.example"])
def test_names_are_not_ipv4(host):
    assert parse_ipv4_spelling(host) is None


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1.1.1", "1.2.3.256", "08.1.1.1", "4294967296", "1..2.3",
                                  "0x1g.1"])
def test_bad_numeric_hosts_are_invalid(host):
    _, recorder = refused("http://%s/" % host, "invalid_url", resolver=resolving_to("8.8.8.8"))
    assert recorder.calls == []


@pytest.mark.parametrize("url,code", [
    ("file:///etc/passwd", "scheme_not_allowed"),
    ("gopher://example.com:70/_x", "scheme_not_allowed"),
    ("ftp://example.com/manifest.json", "scheme_not_allowed"),
    ("javascript:alert(1)", "scheme_not_allowed"),
    ("data:application/json,{}", "scheme_not_allowed"),
    ("//example.com/manifest.json", "scheme_not_allowed"),
    ("http://user:pass@example.com/", "credentials_in_url"),
    ("http://user@example.com/", "credentials_in_url"),
    ("http://@example.com/", "credentials_in_url"),
    ("https://example.com\\@127.0.0.1/", "credentials_in_url"),
    ("http://example.com:99999/", "invalid_url"),
    ("http://example.com:0/", "invalid_url"),
    ("http:///path", "invalid_url"),
    ("http://exa mple.com/", "invalid_url"),
    ("http://a..b/", "invalid_url"),
    ("http://[fe80::1%25eth0]/", "invalid_url"),
    ("http://example.com/\r\nX-Injected: 1", "invalid_url"),
    ("", "invalid_url"),
])
def test_url_refusals(url, code):
    _, recorder = refused(url, code, resolver=resolving_to("8.8.8.8"))
    assert recorder.calls == []


def test_dns_failure():
    def failing(*args):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    _, recorder = refused("http://nowhere.invalid/", "dns_failure", resolver=failing)
    assert recorder.calls == []
    _, recorder = refused("http://empty.example/", "dns_failure", resolver=lambda *a: [])
    assert recorder.calls == []


def test_slow_dns_counts_against_the_total_deadline():
    def slow(*args):
        time.sleep(1)
        return resolving_to("8.8.8.8")(*args)

    started = time.monotonic()
    _, recorder = refused("http://slow-dns.example/", "timeout", resolver=slow, timeout=0.2)
    assert time.monotonic() - started < 0.8 and recorder.calls == []


def test_connect_goes_to_the_vetted_address_with_the_original_name():
    calls = []

    def connect(family, sockaddr, timeout):
        calls.append((family, sockaddr))
        raise ConnectionRefusedError()

    refused("http://public.example:8080/m", "connection_failed", connect=connect,
            resolver=resolving_to("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"))
    assert calls == [(socket.AF_INET, ("93.184.215.14", 8080)),
                     (socket.AF_INET6, ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", 8080, 0, 0))]


def test_connect_timeout_reason():
    def connect(family, sockaddr, timeout):
        assert timeout <= 2.0
        raise TimeoutError()

    refused("http://public.example/", "timeout", connect=connect, resolver=resolving_to("93.184.215.14"))


# -- the allowlist -------------------------------------------------------------------------------

def test_parse_allowlist():
    allow = parse_allowlist(" images.example.org, Media.Example:8443, 10.20.0.0/16, 127.0.0.1, [::1]:8080, ,")
    assert allow.host_allowed("images.example.org", 443) and allow.host_allowed("images.example.org", 8080)
    assert allow.host_allowed("media.example", 8443) and not allow.host_allowed("media.example", 443)
    assert not allow.host_allowed("sub.images.example.org", 443)
    assert allow.host_allowed("::1", 8080) and not allow.host_allowed("::1", 80)
    assert allow.address_allowed(ipaddress.ip_address("10.20.3.4"))
    assert allow.address_allowed(ipaddress.ip_address("127.0.0.1"))
    assert not allow.address_allowed(ipaddress.ip_address("10.21.0.1"))
    assert not parse_allowlist("") and not parse_allowlist(None)
    with pytest.raises(ValueError):
        parse_allowlist("host:notaport")
    with pytest.raises(ValueError):
        parse_allowlist("10.0.0.0/99")


def test_allowlisted_host_is_exempt_but_only_on_its_port():
    def connect(family, sockaddr, timeout):
        raise ConnectionRefusedError()

    refused("http://images.internal/", "connection_failed", connect=connect,
            resolver=resolving_to("10.0.0.5"), allowlist="images.internal")
    _, recorder = refused("http://images.internal:8000/", "address_not_allowed",
                          resolver=resolving_to("10.0.0.5"), allowlist="images.internal:9000")
    assert recorder.calls == []
    _, recorder = refused("http://other.internal/", "address_not_allowed",
                          resolver=resolving_to("10.0.0.5"), allowlist="images.internal")
    assert recorder.calls == []


def test_allowlisted_range_exempts_only_its_addresses():
    _, recorder = refused("http://both.internal/", "address_not_allowed",
                          resolver=resolving_to("10.20.0.5", "192.168.0.1"), allowlist="10.20.0.0/16")
    assert recorder.calls == []


# -- a real server on 127.0.0.1 ------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []

    def log_message(self, *args):
        pass

    def send_body(self, status, body, content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location, status=302):
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", str(len(SECRET)))
        self.end_headers()
        self.wfile.write(SECRET.encode())

    def do_GET(self):  # noqa: C901 - one route table
        Handler.seen.append((self.path, self.headers.get("Host"), self.headers.get("Accept")))
        path = self.path
        try:
            if path == "/manifest":
                self.send_body(200, b'{"type": "Manifest", "label": {"en": ["ok"]}}',
                               "application/ld+json")
            elif path == "/bom":
                self.send_body(200, b'\xef\xbb\xbf{"a": 1}', "text/plain")
            elif path.startswith("/to?"):
                self.redirect(path[4:])
            elif path == "/relative":
                self.redirect("/manifest", 301)
            elif path.startswith("/hops/"):
                left = int(path.rsplit("/", 1)[1]) - 1
                self.redirect("/hops/%d" % left if left else "/manifest", 308)
            elif path.startswith("/loop/"):
                self.redirect("/loop/%d" % (int(path.rsplit("/", 1)[1]) + 1), 307)
            elif path == "/big":  # no Content-Length: close-delimited, 1 MiB
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(64):
                    self.wfile.write(b"x" * 16384)
            elif path == "/big-chunked":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(64):
                    self.wfile.write(b"4000\r\n" + b"y" * 16384 + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            elif path == "/lying-length":  # claims a small body, sends a huge one
                self.send_response(200)
                self.send_header("Content-Length", "10")
                self.end_headers()
                self.wfile.write(b"z" * (1024 * 1024))
            elif path == "/declared-huge":
                self.send_response(200)
                self.send_header("Content-Length", str(10 ** 12))
                self.end_headers()
                self.wfile.write(b"{}")
            elif path == "/gzip":
                self.send_body(200, gzip.compress(b'{"zipped": true}'), headers=[("Content-Encoding", "gzip")])
            elif path == "/gzip-bomb":
                self.send_body(200, gzip.compress(b"0" * (8 * 1024 * 1024)),
                               headers=[("Content-Encoding", "gzip")])
            elif path == "/slow-body":
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(200):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.02)
            elif path == "/slow-headers":
                time.sleep(1.5)
                self.send_body(200, b"{}")
            elif path == "/404":
                self.send_body(404, ("<h1>%s</h1>" % SECRET).encode(), "text/html")
            elif path == "/500":
                self.send_response(500, "Internal " + SECRET)
                self.send_header("Content-Length", str(len(SECRET)))
                self.end_headers()
                self.wfile.write(SECRET.encode())
            elif path == "/html":
                self.send_body(200, ("<html>%s</html>" % SECRET).encode(), "text/html")
            elif path == "/array":
                self.send_body(200, b"[1, 2]")
            elif path == "/garbage":
                self.wfile.write(("NOT-HTTP %s\r\n\r\n" % SECRET).encode())
            else:
                self.send_body(404, b"{}")
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def local(**options):
    kwargs = dict(LIMITS, allowlist="127.0.0.1")
    kwargs.update(options)
    return kwargs


def local_refused(url, code, **options):
    with pytest.raises(FetchRefused) as raised:
        fetch(url, **local(**options))
    error = raised.value
    assert error.code == code, (error.code, error.message)
    assert SECRET not in error.message and SECRET not in str(error)
    return error


def test_loopback_refused_unless_allowlisted(server):
    local_refused(server + "/manifest", "address_not_allowed", allowlist="")


def test_success(server):
    result = fetch(server + "/manifest", **local())
    assert result.body == b'{"type": "Manifest", "label": {"en": ["ok"]}}'
    assert result.content_type == "application/ld+json"
    assert result.final_url == server + "/manifest" and result.redirects == () and result.status == 200
    assert result.address == "127.0.0.1"
    path, host, accept = Handler.seen[-1]
    assert host == server.split("//")[1] and "application/ld+json" in accept


def test_host_header_keeps_the_name_while_connecting_to_the_vetted_address(server):
    port = int(server.rsplit(":", 1)[1])
    result = fetch("http://manifests.test:%d/manifest" % port,
                   **local(allowlist="manifests.test", resolver=resolving_to("127.0.0.1")))
    assert result.address == "127.0.0.1"
    assert Handler.seen[-1][1] == "manifests.test:%d" % port


def test_fetch_json(server):
    doc, result = fetch_json(server + "/manifest", **local())
    assert doc["type"] == "Manifest"
    assert fetch_json(server + "/bom", **local())[0] == {"a": 1}
    with pytest.raises(FetchRefused) as raised:
        fetch_json(server + "/html", **local())
    assert raised.value.code == "not_json" and SECRET not in str(raised.value)
    with pytest.raises(FetchRefused) as raised:
        fetch_json(server + "/array", **local())
    assert raised.value.code == "not_json"


def test_relative_redirect_followed(server):
    result = fetch(server + "/relative", **local())
    assert result.final_url == server + "/manifest" and result.redirects == (server + "/manifest",)


@pytest.mark.parametrize("target", [
    "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://2130706433/",
    "http://[::ffff:169.254.169.254]/",
])
def test_redirect_to_refused_address_not_followed(server, target):
    seen = []

    def connect(family, sockaddr, timeout):
        seen.append(sockaddr[0])
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(sockaddr)
        return sock

    error = local_refused(server + "/to?" + target, "address_not_allowed", connect=connect,
                          allowlist="127.0.0.1:%s" % server.rsplit(":", 1)[1])
    assert seen == ["127.0.0.1"]
    assert "redirect" in error.message.lower()


def test_redirect_to_a_name_resolving_to_metadata_refused(server):
    resolver = resolving_to("169.254.169.254")
    local_refused(server + "/to?http://metadata.test/", "address_not_allowed", resolver=resolver)


@pytest.mark.parametrize("target,code", [
    ("file:///etc/passwd", "scheme_not_allowed"),
    ("http://user:pw@127.0.0.1/manifest", "credentials_in_url"),
])
def test_redirect_url_checked_like_the_first(server, target, code):
    local_refused(server + "/to?" + target, code)


def test_redirect_loop(server):
    error = local_refused(server + "/loop/0", "too_many_redirects")
    assert "5" in error.message
    Handler.seen.clear()
    local_refused(server + "/loop/0", "too_many_redirects", max_redirects=2)
    assert [path for path, _, _ in Handler.seen] == ["/loop/0", "/loop/1", "/loop/2"]


def test_five_redirects_are_fine_six_are_not(server):
    result = fetch(server + "/hops/5", **local())
    assert result.final_url == server + "/manifest" and len(result.redirects) == 5
    local_refused(server + "/hops/6", "too_many_redirects")


@pytest.mark.parametrize("path", ["/big", "/big-chunked", "/declared-huge"])
def test_size_cap(server, path):
    started = time.monotonic()
    local_refused(server + path, "too_large", max_bytes=100 * 1024)
    assert time.monotonic() - started < 3


def test_short_content_length_reads_no_further(server):
    assert fetch(server + "/lying-length", **local(max_bytes=100 * 1024)).body == b"z" * 10


def test_size_cap_exact_limit(server):
    body = b'{"type": "Manifest", "label": {"en": ["ok"]}}'
    assert fetch(server + "/manifest", **local(max_bytes=len(body))).body == body
    local_refused(server + "/manifest", "too_large", max_bytes=len(body) - 1)


def test_gzip_decoded_and_bomb_capped(server):
    assert fetch(server + "/gzip", **local()).body == b'{"zipped": true}'
    local_refused(server + "/gzip-bomb", "too_large", max_bytes=1024 * 1024)


def test_slow_body_hits_the_total_deadline(server):
    started = time.monotonic()
    local_refused(server + "/slow-body", "timeout", timeout=0.4, read_timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_slow_headers_hit_the_read_timeout(server):
    started = time.monotonic()
    local_refused(server + "/slow-headers", "timeout", read_timeout=0.2)
    assert time.monotonic() - started < 1.2


@pytest.mark.parametrize("path,status", [("/404", 404), ("/500", 500)])
def test_http_error_never_carries_the_body(server, path, status):
    error = local_refused(server + path, "http_error")
    assert error.status == status and str(status) in error.message


def test_garbage_response(server):
    local_refused(server + "/garbage", "bad_response")


def test_connection_refused_on_a_closed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    local_refused("http://127.0.0.1:%d/" % port, "connection_failed")


def test_options_from_settings():
    options = options_from_settings({"MANIFEST_MAX_BYTES": 1000, "MANIFEST_FETCH_TIMEOUT": 30.0,
                                     "MANIFEST_FETCH_ALLOWLIST": "a.test, 10.0.0.0/8"})
    assert options["max_bytes"] == 1000 and options["timeout"] == 30.0 and options["connect_timeout"] == 5.0
    assert options["allowlist"].host_allowed("a.test", 1)
    defaults = options_from_settings({})
    assert defaults["max_bytes"] == 20 * 1024 * 1024 and not defaults["allowlist"]


# -- https: SNI and certificate checks use the original name ---------------------------------------

@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    import shutil
    import ssl
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=manifests.test", "-addext", "subjectAltName=DNS:manifests.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(str(cert), str(key))
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], ssl.create_default_context(cafile=str(cert))
    httpd.shutdown()
    httpd.server_close()


def test_https_to_the_vetted_address_with_sni_and_certificate_for_the_name(tls_server):
    port, client_context = tls_server
    options = local(allowlist="manifests.test, other.test", resolver=resolving_to("127.0.0.1"),
                    ssl_context=client_context)
    result = fetch("https://manifests.test:%d/manifest" % port, **options)
    assert result.body.startswith(b'{"type": "Manifest"') and result.address == "127.0.0.1"
    assert Handler.seen[-1][1] == "manifests.test:%d" % port
    # the same server reached under another name: the certificate does not match, so it is refused
    with pytest.raises(FetchRefused) as raised:
        fetch("https://other.test:%d/manifest" % port, **options)
    assert raised.value.code == "tls_error"


def test_https_with_the_default_context_refuses_an_unknown_certificate(tls_server):
    port, _ = tls_server
    with pytest.raises(FetchRefused) as raised:
        fetch("https://manifests.test:%d/manifest" % port,
              **local(allowlist="manifests.test", resolver=resolving_to("127.0.0.1")))
    assert raised.value.code == "tls_error"
