"""gunicorn's refusals of requests it cannot parse (a request line or header past the limits in
gunicorn.conf.py, a malformed request line or header) as JSON:API error documents instead of gunicorn's
HTML page. gunicorn.conf.py installs this in every worker (``post_worker_init``), whatever the worker class.

gunicorn refuses before any header has been handed over, so the caller's Accept (and dialect) is unknown:
the answer is the JSON:API error document, which is also what a request without Accept gets.
"""
import json
import uuid

from gunicorn import util
from gunicorn.http import errors

# (status, reason, code) by gunicorn's exception; any other parse error of the request is a 400
STATUSES = {
    errors.LimitRequestLine: (414, "URI Too Long", "request_line_too_long"),
    errors.LimitRequestHeaders: (431, "Request Header Fields Too Large", "headers_too_large"),
    errors.ExpectationFailed: (417, "Expectation Failed", "expectation_failed"),
    errors.UnsupportedTransferCoding: (501, "Not Implemented", "unsupported_transfer_coding"),
    errors.ForbiddenProxyRequest: (403, "Forbidden", "forbidden_proxy"),
}
NOT_THE_CLIENTS = (errors.InvalidResponseHeader, errors.InvalidResponseHeaderName, errors.ConfigurationProblem)


def refusal(exc, cfg):
    """(status, reason, body bytes) of the answer to a request gunicorn could not read."""
    status, reason, code = next((v for k, v in STATUSES.items() if isinstance(exc, k)),
                                (400, "Bad Request", "bad_request"))
    if status == 414:
        detail = (f"The request line (method, URL and HTTP version) is longer than the {cfg.limit_request_line} "
                  "bytes this server reads; send fewer or shorter query parameters.")
    elif status == 431:
        detail = (f"A header is longer than {cfg.limit_request_field_size} bytes, or the request has more than "
                  f"{cfg.limit_request_fields} header fields.")
    else:
        detail = f"The request could not be read: {exc}"
    error = {"status": str(status), "code": code, "title": reason, "detail": detail}
    body = json.dumps({"jsonapi": {"version": "1.1"}, "errors": [error]}).encode()
    return status, reason, body


def write_refusal(sock, status, reason, body):
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/vnd.api+json\r\n"
            f"Content-Length: {len(body)}\r\nVary: Accept\r\nX-Request-Id: {uuid.uuid4().hex}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def answer_in_json(worker):
    """Replace ``worker.handle_error`` for the client's parse errors; everything else stays gunicorn's."""
    original = worker.handle_error

    def handle_error(req, client, addr, exc):
        if not isinstance(exc, errors.ParseException) or isinstance(exc, NOT_THE_CLIENTS):
            return original(req, client, addr, exc)
        status, reason, body = refusal(exc, worker.cfg)
        worker.log.warning("Invalid request from ip=%s: %s (%s)", (addr or ("",))[0], exc, status)
        try:
            write_refusal(client, status, reason, body)
        except OSError:
            worker.log.debug("Failed to send the refusal.")

    worker.handle_error = handle_error
