"""Fetching a URL a user gave, without letting it reach places it must not (API §7.3, notes/SSRF.md).

Pure functions: no Flask, settings come in as arguments (``options_from_settings`` maps the app's).

For every hop (the first URL and each redirect, at most ``max_redirects``):

1. the URL is checked: http/https only, no userinfo, a valid host (IDNA; IPv4 written the way browsers
   and ``inet_aton`` read it: ``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1`` are all 127.0.0.1);
2. the host is resolved once, and **every** address is vetted (loopback, private, link-local with the
   169.254.169.254 metadata address, CGNAT, multicast, reserved, unspecified, documentation, benchmarking,
   IPv6 ULA/site-local/link-local, and IPv4 hidden in IPv4-mapped, IPv4-compatible, 6to4, Teredo and NAT64
   addresses); one bad address refuses the request;
3. the socket is connected to a vetted address itself, so the name is not resolved a second time, and
   HTTP ``Host`` and TLS SNI/certificate checks use the original name;
4. time is bounded: a connect timeout per attempt, a read timeout per read and one total deadline over all
   hops (enforced by a watchdog that closes the socket, so a slow trickle cannot outlive it);
5. the body is streamed and counted (``Content-Length`` is only used to refuse early), gzip/deflate
   decoded with the same cap on the decoded size.

``MANIFEST_FETCH_ALLOWLIST`` entries (``host``, ``host:port``, IP or CIDR) exempt trusted hosts or
addresses from step 2. Every failure is a ``FetchRefused(code, message)``; messages never hold anything
the remote server sent (no body, no reason phrase, no redirect target).
"""
from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

__all__ = [
    "FetchRefused", "FetchResult", "Allowlist", "parse_allowlist", "fetch", "fetch_json",
    "options_from_settings", "address_problem", "parse_ipv4_spelling", "REASON_CODES", "DEFAULT_ACCEPT",
]

REASON_CODES = {
    "invalid_url": "the URL is not a valid http(s) URL",
    "scheme_not_allowed": "only http and https URLs can be fetched",
    "credentials_in_url": "URLs with a user name or password are not accepted",
    "address_not_allowed": "the host resolves to an address that may not be fetched",
    "dns_failure": "the host name could not be resolved",
    "connection_failed": "the connection to the server failed",
    "tls_error": "the server's TLS certificate or handshake was not acceptable",
    "timeout": "the server took too long",
    "too_many_redirects": "too many redirects",
    "too_large": "the response is larger than allowed",
    "http_error": "the server answered with an error status",
    "bad_response": "the server's response was not understood",
    "not_json": "the response is not a JSON object",
}

DEFAULT_ACCEPT = ('application/ld+json;profile="http://iiif.io/api/presentation/3/context.json", '
                  'application/ld+json;profile="http://iiif.io/api/presentation/2/context.json";q=0.9, '
                  'application/ld+json;q=0.8, application/json;q=0.8, */*;q=0.1')
USER_AGENT = "hyperapi-manifest-fetch/1"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024


class FetchRefused(Exception):
    """A refused or failed fetch. ``code`` is one of ``REASON_CODES``; ``message`` is safe to show.

    ``url`` is the URL of the hop that failed, ``address`` the address concerned (both for logs, not for
    users), ``status`` the HTTP status for ``http_error``.
    """

    def __init__(self, code, message=None, *, url=None, address=None, status=None):
        message = message or REASON_CODES.get(code, code)
        super().__init__(message)
        self.code = code
        self.message = message
        self.url = url
        self.address = address
        self.status = status

    def __str__(self):
        return "%s (%s)" % (self.message, self.code)


@dataclass(frozen=True)
class FetchResult:
    body: bytes
    final_url: str
    content_type: str | None
    status: int = 200
    redirects: tuple = ()
    address: str | None = None  # the address the final hop connected to


# -- addresses -----------------------------------------------------------------------------------

def _nets(*texts):
    return tuple(ipaddress.ip_network(text) for text in texts)


_BLOCKED_V4 = _nets(
    "0.0.0.0/8",          # "this network", unspecified
    "10.0.0.0/8",         # private
    "100.64.0.0/10",      # carrier-grade NAT
    "127.0.0.0/8",        # loopback
    "169.254.0.0/16",     # link-local, cloud metadata (169.254.169.254)
    "172.16.0.0/12",      # private
    "192.0.0.0/24",       # IETF protocol assignments
    "192.0.2.0/24",       # documentation
    "192.31.196.0/24",    # AS112
    "192.52.193.0/24",    # AMT
    "192.88.99.0/24",     # 6to4 relay anycast
    "192.168.0.0/16",     # private
    "192.175.48.0/24",    # AS112 direct delegation
    "198.18.0.0/15",      # benchmarking
    "198.51.100.0/24",    # documentation
    "203.0.113.0/24",     # documentation
    "224.0.0.0/4",        # multicast
    "240.0.0.0/4",        # reserved, limited broadcast
)
_BLOCKED_V6 = _nets(
    "::/96",              # unspecified, loopback, IPv4-compatible (deprecated)
    "64:ff9b:1::/48",     # local-use NAT64
    "100::/64",           # discard-only
    "2001::/23",          # IETF protocol assignments, Teredo 2001::/32 included
    "2001:db8::/32",      # documentation
    "3fff::/20",          # documentation
    "5f00::/16",          # SRv6 SIDs
    "fc00::/7",           # unique local (fd00:ec2::254 metadata included)
    "fe80::/10",          # link-local
    "fec0::/10",          # site-local (deprecated)
    "ff00::/8",           # multicast
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")


def address_problem(address):
    """Why an address may not be fetched ("loopback", "private", ...), or None when it may.

    ``address``: an ``ipaddress`` object or a string (an IPv6 zone is ignored).
    """
    if isinstance(address, str):
        try:
            address = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return "not an IP address"
    if address.version == 6:
        embedded = []
        if address in _MAPPED:
            embedded.append(("IPv4-mapped", address.ipv4_mapped))
        if address.sixtofour is not None:
            embedded.append(("6to4", address.sixtofour))
        if address.teredo is not None:
            embedded.extend(("Teredo", v4) for v4 in address.teredo)
        if address in _NAT64:
            embedded.append(("NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)))
        for form, v4 in embedded:
            inner = address_problem(v4)
            if inner:
                return "%s form of a %s address" % (form, inner)
        if address in _MAPPED or address in _NAT64:
            return None  # the same as connecting to the (acceptable) IPv4 address it carries
        blocked = _BLOCKED_V6
    else:
        blocked = _BLOCKED_V4
    for network in blocked:
        if address in network:
            return _describe(address)
    if (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified or not address.is_global):
        return _describe(address)
    return None


def _describe(address):
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified:
        return "unspecified"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.version == 4 and address in ipaddress.ip_network("100.64.0.0/10"):
        return "carrier-grade NAT"
    if address.is_private:
        return "private"
    return "reserved"


def _ipv4_number(part):
    """One dotted part as inet_aton reads it (0x hex, leading-0 octal, decimal), or None."""
    if re.fullmatch(r"0[xX][0-9A-Fa-f]*", part):
        return int(part[2:] or "0", 16)
    if re.fullmatch(r"0[0-7]+", part):
        return int(part, 8)
    if re.fullmatch(r"[0-9]+", part):
        return int(part, 10) if not (len(part) > 1 and part[0] == "0") else None
    return None


def parse_ipv4_spelling(host):
    """An IPv4 address when ``host`` is one in any spelling browsers accept, None when it is a name.

    Raises ValueError for something that ends in a number but is no valid address (``1.2.3.4.5``,
    ``999.1.1.1``, ``08.1.1.1``): such a host is refused rather than passed to a resolver.
    """
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # a trailing dot
    last = parts[-1]
    if not last or not (re.fullmatch(r"[0-9]+", last) or re.fullmatch(r"0[xX][0-9A-Fa-f]*", last)):
        return None
    if len(parts) > 4:
        raise ValueError("too many parts")
    numbers = []
    for part in parts:
        number = _ipv4_number(part) if part else None
        if number is None:
            raise ValueError("bad IPv4 part")
        numbers.append(number)
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError("IPv4 part out of range")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


# -- the allowlist -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Allowlist:
    """Trusted hosts (any port), host:port pairs and address ranges, exempt from the address check."""

    hosts: frozenset = frozenset()
    host_ports: frozenset = frozenset()
    networks: tuple = ()

    def host_allowed(self, host, port):
        return host in self.hosts or (host, port) in self.host_ports

    def address_allowed(self, address):
        return any(address.version == network.version and address in network for network in self.networks)

    def __bool__(self):
        return bool(self.hosts or self.host_ports or self.networks)


def _normal_host(text):
    host = text.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return _idna(host)


def parse_allowlist(value):
    """``MANIFEST_FETCH_ALLOWLIST`` (a comma-separated string or a list) → ``Allowlist``.

    ``images.example.org`` (that host, any port), ``images.example.org:8443``, ``[::1]:8080``,
    ``127.0.0.1`` (that address, also written as a host), ``10.20.0.0/16``. Raises ValueError for an
    entry it cannot read, so a deployment finds out at start-up.
    """
    if value is None:
        return Allowlist()
    if isinstance(value, Allowlist):
        return value
    entries = value.split(",") if isinstance(value, str) else list(value)
    hosts, host_ports, networks = set(), set(), []
    for raw in entries:
        entry = str(raw).strip()
        if not entry:
            continue
        try:
            if "/" in entry:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            port = None
            match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?", entry)
            if match:
                host, port = match.group(1), match.group(2)
            elif entry.count(":") == 1:
                host, port = entry.split(":")
            else:
                host = entry
            host = _normal_host(host)
            literal = _literal_address(host)
            if literal is not None:
                host = str(literal)
            if port is None:
                hosts.add(host)
                if literal is not None:
                    networks.append(ipaddress.ip_network(literal))
            else:
                port = int(port)
                if not 0 < port < 65536:
                    raise ValueError("port out of range")
                host_ports.add((host, port))
        except (ValueError, _BadHost) as exc:
            raise ValueError("MANIFEST_FETCH_ALLOWLIST: cannot read entry %r (%s)" % (entry, exc)) from None
    return Allowlist(frozenset(hosts), frozenset(host_ports), tuple(networks))


# -- URLs ----------------------------------------------------------------------------------------

class _BadHost(ValueError):
    pass


_FORBIDDEN_HOST_CHARS = set("\\/?#@[]%<>^|\"'`{} ")
_HOST_CHARS = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")


def _idna(host):
    host = unquote(host)  # browsers percent-decode hosts
    if not host:
        raise _BadHost("empty host")
    if any(ord(c) < 0x21 or ord(c) == 0x7F or c in _FORBIDDEN_HOST_CHARS for c in host):
        raise _BadHost("bad character in host")
    if ":" in host:
        return host  # an IPv6 literal, checked by the caller
    try:
        ascii_host = host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
    except UnicodeError:
        raise _BadHost("host is not a valid international domain name") from None
    ascii_host = ascii_host.rstrip(".") if ascii_host.endswith(".") and len(ascii_host) > 1 else ascii_host
    if not _HOST_CHARS.match(ascii_host) or len(ascii_host) > 253:
        raise _BadHost("bad host name")
    return ascii_host


def _literal_address(host):
    """The IP address a host names literally (IPv6, or IPv4 in any spelling), None for a name."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise _BadHost("bad IPv6 literal") from None
    try:
        return parse_ipv4_spelling(host)
    except ValueError:
        raise _BadHost("a numeric host that is not a valid IPv4 address") from None


@dataclass
class _Target:
    url: str
    scheme: str
    host: str  # ASCII, lower case, IPv6 without brackets
    port: int
    path: str  # path and query, ASCII
    literal: object = None  # the ipaddress when the host is an IP literal


_PATH_SAFE = "/%:@!$&'()*+,;=-._~?[]"


def _parse_url(url, *, code_url=None):
    def refuse(code, message):
        raise FetchRefused(code, message, url=code_url or url)

    if not isinstance(url, str) or not url.strip():
        refuse("invalid_url", "The URL is empty.")
    url = url.strip()
    if len(url) > 8192:
        refuse("invalid_url", "The URL is too long.")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        refuse("invalid_url", "The URL contains control characters.")
    try:
        parts = urlsplit(url)
    except ValueError:
        refuse("invalid_url", "The URL could not be parsed.")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        refuse("scheme_not_allowed", "Only http and https URLs can be fetched.")
    netloc = parts.netloc
    if "@" in netloc:
        refuse("credentials_in_url", "URLs with a user name or password are not accepted.")
    if "\\" in netloc or not netloc:
        refuse("invalid_url", "The URL has no valid host.")
    try:
        raw_host = parts.hostname
        port = parts.port
    except ValueError:
        refuse("invalid_url", "The URL's host or port is not valid.")
    if not raw_host:
        refuse("invalid_url", "The URL has no host.")
    if port is None:
        port = 443 if scheme == "https" else 80
    if not 0 < port < 65536:
        refuse("invalid_url", "The URL's port is not valid.")
    bracketed = netloc.rsplit("@", 1)[-1].startswith("[")
    try:
        if bracketed:
            if "%" in raw_host:
                raise _BadHost("zone identifiers are not accepted")
            literal = ipaddress.IPv6Address(raw_host)
            host = str(literal)
        else:
            host = _idna(raw_host)
            literal = _literal_address(host)
            if literal is not None:
                host = str(literal)
    except (_BadHost, ValueError):
        refuse("invalid_url", "The URL's host is not valid.")
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    return _Target(url=url, scheme=scheme, host=host, port=port, path=path, literal=literal)


# -- resolving and vetting -----------------------------------------------------------------------

def _resolve(target, resolver, deadline):
    """Addresses for the target as [(family, sockaddr, ipaddress)], resolved once, in resolver order."""
    if target.literal is not None:
        found = [target.literal]
    else:
        outcome = {}

        def run():
            try:
                outcome["value"] = resolver(target.host, target.port, socket.AF_UNSPEC, socket.SOCK_STREAM)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                outcome["error"] = exc

        worker = threading.Thread(target=run, name="safe-fetch-resolve", daemon=True)
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            raise FetchRefused("timeout", "Resolving the host name took too long.", url=target.url)
        if "error" in outcome:
            if isinstance(outcome["error"], (OSError, UnicodeError)):
                raise FetchRefused("dns_failure", "The host name could not be resolved.", url=target.url)
            raise outcome["error"]
        found = []
        for info in outcome.get("value") or ():
            sockaddr = info[4]
            try:
                address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            except ValueError:
                continue
            if address not in found:
                found.append(address)
        if not found:
            raise FetchRefused("dns_failure", "The host name did not resolve to any address.", url=target.url)
    return [(socket.AF_INET6 if a.version == 6 else socket.AF_INET,
             (str(a), target.port, 0, 0) if a.version == 6 else (str(a), target.port), a) for a in found]


def _vet(target, addresses, allowlist, redirected):
    if allowlist.host_allowed(target.host, target.port):
        return
    for _, _, address in addresses:
        if allowlist.address_allowed(address):
            continue
        problem = address_problem(address)
        if problem:
            where = "A redirect pointed to a host whose" if redirected else "The host's"
            raise FetchRefused("address_not_allowed",
                               "%s address is not allowed (%s)." % (where, problem),
                               url=target.url, address=str(address))


# -- connecting ----------------------------------------------------------------------------------

def _default_connect(family, sockaddr, timeout):
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(sockaddr)
        return sock
    except BaseException:
        sock.close()
        raise


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTPConnection over a socket that is already connected (and wrapped for TLS)."""

    def __init__(self, host, port, sock, timeout, scheme):
        super().__init__(host, port, timeout=timeout)
        if scheme == "https":
            self.default_port = 443  # so the Host header leaves out a default https port
        self.sock = sock

    def connect(self):  # never resolve or connect on our own
        if self.sock is None:
            raise http.client.NotConnected()


class _Watchdog:
    """Shuts the socket down when the total deadline passes, which ends any read in progress."""

    def __init__(self, deadline):
        self.deadline = deadline
        self.fired = False
        self.sock = None
        self._timer = None
        self._lock = threading.Lock()

    def arm(self, sock):
        with self._lock:
            self.sock = sock
            delay = max(0.0, self.deadline - time.monotonic())
            self._timer = threading.Timer(delay, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self):
        with self._lock:
            if self.sock is None:
                return
            self.fired = True
            try:
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def disarm(self):
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self.sock = None


def _remaining(deadline, url):
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchRefused("timeout", "The fetch took longer than allowed.", url=url)
    return left


def _open(target, addresses, *, connect, connect_timeout, deadline, ssl_context):
    """A connected (TLS-wrapped for https) socket to the first vetted address that answers."""
    last_error = None
    for family, sockaddr, address in addresses:
        timeout = min(connect_timeout, _remaining(deadline, target.url))
        try:
            sock = connect(family, sockaddr, timeout)
        except TimeoutError:
            last_error = ("timeout", "Connecting to the server took too long.", address)
            continue
        except OSError:
            last_error = ("connection_failed", "Could not connect to the server.", address)
            continue
        if target.scheme == "https":
            try:
                sock.settimeout(min(connect_timeout, _remaining(deadline, target.url)))
                context = ssl_context or ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=target.host)
            except FetchRefused:
                sock.close()
                raise
            except TimeoutError:
                sock.close()
                raise FetchRefused("timeout", "The TLS handshake took too long.", url=target.url,
                                   address=str(address)) from None
            except (ssl.SSLError, ssl.CertificateError, ValueError):
                sock.close()
                raise FetchRefused("tls_error", "The server's TLS certificate or handshake was not accepted.",
                                   url=target.url, address=str(address)) from None
            except OSError:
                sock.close()
                raise FetchRefused("connection_failed", "The connection closed during the TLS handshake.",
                                   url=target.url, address=str(address)) from None
        return sock, address
    code, message, address = last_error
    raise FetchRefused(code, message, url=target.url, address=str(address))


class _Decoder:
    def __init__(self, encoding):
        encoding = (encoding or "identity").strip().lower()
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        else:
            raise ValueError("unsupported content encoding")
        self._first = encoding == "deflate"

    def feed(self, data, room):
        """Decoded bytes of ``data``, at most ``room + 1`` of them (enough to see the cap is passed)."""
        if self._z is None:
            return data
        if self._first and data:
            self._first = False
            if data[0] & 0x0F != 8:  # raw deflate without the zlib header, as some servers send it
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        out = self._z.decompress(data, room + 1)
        return out

    def flush(self, room):
        if self._z is None:
            return b""
        return self._z.flush()[: room + 1]


def _read_body(response, sock, *, max_bytes, read_timeout, deadline, url):
    declared = response.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        # refusing early on the declared length is safe; accepting on it is not (the count below decides)
        raise FetchRefused("too_large", "The response is larger than allowed (%d bytes)." % max_bytes, url=url)
    try:
        decoder = _Decoder(response.getheader("Content-Encoding"))
    except ValueError:
        raise FetchRefused("bad_response", "The response uses a content encoding that is not supported.",
                           url=url) from None
    body = bytearray()
    received = 0
    while True:
        sock.settimeout(min(read_timeout, _remaining(deadline, url)))
        chunk = response.read1(_CHUNK)
        if not chunk:
            break
        received += len(chunk)
        if received > max_bytes:  # the raw transfer is capped too
            raise FetchRefused("too_large", "The response is larger than allowed (%d bytes)." % max_bytes,
                               url=url)
        try:
            body += decoder.feed(chunk, max_bytes - len(body))
        except zlib.error:
            raise FetchRefused("bad_response", "The response's compressed body is damaged.", url=url) from None
        if len(body) > max_bytes:
            raise FetchRefused("too_large", "The response is larger than allowed (%d bytes)." % max_bytes,
                               url=url)
    try:
        body += decoder.flush(max_bytes - len(body))
    except zlib.error:
        raise FetchRefused("bad_response", "The response's compressed body is damaged.", url=url) from None
    if len(body) > max_bytes:
        raise FetchRefused("too_large", "The response is larger than allowed (%d bytes)." % max_bytes, url=url)
    return bytes(body)


def _one_hop(target, address_list, *, connect, connect_timeout, read_timeout, deadline, ssl_context,
             accept, max_bytes, want_body):
    """(status, headers getter, body or None, address) for one request; redirects are not followed."""
    sock, address = _open(target, address_list, connect=connect, connect_timeout=connect_timeout,
                          deadline=deadline, ssl_context=ssl_context)
    watchdog = _Watchdog(deadline)
    watchdog.arm(sock)
    connection = _PinnedConnection(target.host, target.port, sock, timeout=read_timeout, scheme=target.scheme)
    response = None
    try:
        try:
            sock.settimeout(min(read_timeout, _remaining(deadline, target.url)))
            connection.putrequest("GET", target.path, skip_accept_encoding=True)
            connection.putheader("Accept", accept)
            connection.putheader("Accept-Encoding", "gzip, deflate")
            connection.putheader("User-Agent", USER_AGENT)
            connection.putheader("Connection", "close")
            connection.endheaders()
            response = connection.getresponse()
            status = response.status
            headers = {"location": response.getheader("Location"),
                       "content-type": response.getheader("Content-Type")}
            body = None
            if want_body(status):
                body = _read_body(response, sock, max_bytes=max_bytes, read_timeout=read_timeout,
                                  deadline=deadline, url=target.url)
                # a socket shut down by the watchdog reads as a clean end of a close-delimited body
                if watchdog.fired or time.monotonic() > deadline:
                    raise FetchRefused("timeout", "The fetch took longer than allowed.", url=target.url,
                                       address=str(address))
            return status, headers, body, address
        except FetchRefused:
            if watchdog.fired:
                raise FetchRefused("timeout", "The fetch took longer than allowed.", url=target.url,
                                   address=str(address)) from None
            raise
        except TimeoutError:
            raise FetchRefused("timeout", "The server took too long to answer.", url=target.url,
                               address=str(address)) from None
        except (http.client.HTTPException, OSError, ValueError) as exc:
            if watchdog.fired:
                raise FetchRefused("timeout", "The fetch took longer than allowed.", url=target.url,
                                   address=str(address)) from None
            if isinstance(exc, (http.client.RemoteDisconnected, ConnectionError)):
                raise FetchRefused("connection_failed", "The server closed the connection.", url=target.url,
                                   address=str(address)) from None
            if isinstance(exc, http.client.InvalidURL):
                raise FetchRefused("invalid_url", "The URL's path is not valid.", url=target.url) from None
            raise FetchRefused("bad_response", "The server's response was not valid HTTP.", url=target.url,
                               address=str(address)) from None
    finally:
        watchdog.disarm()
        if response is not None:
            response.close()
        connection.close()
        try:
            sock.close()
        except OSError:
            pass


def fetch(url, *, max_bytes, timeout, connect_timeout=5.0, read_timeout=None, allowlist=None,
          resolver=None, connect=None, ssl_context=None, accept=DEFAULT_ACCEPT, max_redirects=5):
    """GET ``url`` safely and return a ``FetchResult``; raise ``FetchRefused`` otherwise.

    ``timeout``: the total seconds for everything (resolving, connecting, redirects, reading).
    ``connect_timeout``: per connection attempt; ``read_timeout``: per read (default: ``timeout``).
    ``allowlist``: an ``Allowlist``, or the setting's text/list for ``parse_allowlist``.
    ``resolver``: ``getaddrinfo``-like ``(host, port, family, type) -> [(family, type, proto, name,
    sockaddr)]`` (default ``socket.getaddrinfo``, looked up at call time).
    ``connect``: ``(family, sockaddr, timeout) -> connected socket`` (default: a plain TCP socket);
    it is only ever called with addresses that passed the check.
    ``ssl_context``: for https (default ``ssl.create_default_context()``, certificates verified).
    """
    deadline = time.monotonic() + float(timeout)
    read_timeout = float(read_timeout if read_timeout is not None else timeout)
    allowlist = parse_allowlist(allowlist)
    resolver = resolver or socket.getaddrinfo
    connect = connect or _default_connect
    redirects = []
    current = url
    while True:
        target = _parse_url(current)
        addresses = _resolve(target, resolver, deadline)
        _vet(target, addresses, allowlist, redirected=bool(redirects))
        status, headers, body, address = _one_hop(
            target, addresses, connect=connect, connect_timeout=float(connect_timeout),
            read_timeout=read_timeout, deadline=deadline, ssl_context=ssl_context, accept=accept,
            max_bytes=max_bytes, want_body=lambda s: 200 <= s < 300)
        if status in REDIRECT_STATUSES and headers["location"]:
            if len(redirects) >= max_redirects:
                raise FetchRefused("too_many_redirects", "The URL redirected more than %d times." % max_redirects,
                                   url=target.url)
            try:
                current = urljoin(target.url, headers["location"].strip())
            except ValueError:
                raise FetchRefused("bad_response", "The server sent a redirect that is not a valid URL.",
                                   url=target.url) from None
            redirects.append(current)
            continue
        if 200 <= status < 300:
            return FetchResult(body=body, final_url=target.url, content_type=headers["content-type"],
                               status=status, redirects=tuple(redirects), address=str(address))
        raise FetchRefused("http_error", "The server answered with HTTP status %d." % status,
                           url=target.url, status=status)


def fetch_json(url, **options):
    """``fetch`` and parse: (the JSON object, the ``FetchResult``). Anything but a JSON object →
    ``FetchRefused("not_json")`` (whatever the Content-Type said; a UTF-8 BOM is tolerated)."""
    import orjson

    result = fetch(url, **options)
    data = result.body[3:] if result.body[:3] == b"\xef\xbb\xbf" else result.body
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise FetchRefused("not_json", "The response is not JSON.", url=result.final_url) from None
    if not isinstance(doc, dict):
        raise FetchRefused("not_json", "The response is JSON but not an object.", url=result.final_url)
    return doc, result


def options_from_settings(config):
    """``fetch`` keyword arguments from the app settings (API §1), e.g. ``fetch(url, **options(app.config))``."""
    total = float(config.get("MANIFEST_FETCH_TIMEOUT", 30))
    return {
        "max_bytes": int(config.get("MANIFEST_MAX_BYTES", 20 * 1024 * 1024)),
        "timeout": total,
        "connect_timeout": min(5.0, total),
        "read_timeout": total,
        "allowlist": parse_allowlist(config.get("MANIFEST_FETCH_ALLOWLIST", "")),
    }
