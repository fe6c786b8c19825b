"""Login throttling: failed sign-ins and password grants are counted per account and per client address
in the limiter's storage (``RATELIMIT_STORAGE_URI``); past a limit every attempt is refused with 429 until
the window ends, and a successful sign-in clears the account's count."""
import math
import time
from dataclasses import dataclass

from flask import current_app, request
from limits import parse


@dataclass(frozen=True)
class Throttled(Exception):
    retry_after: int

    @property
    def message(self):
        return f"Too many failed sign-ins; try again in {self.retry_after} seconds."


def _limits(login):
    config = current_app.config
    checks = []
    if config.get("LOGIN_LIMIT_ACCOUNT"):
        checks.append((parse(config["LOGIN_LIMIT_ACCOUNT"]), "login-account", (login or "").strip().lower()))
    if config.get("LOGIN_LIMIT_ADDRESS"):
        checks.append((parse(config["LOGIN_LIMIT_ADDRESS"]), "login-address", request.remote_addr or "unknown"))
    return checks


def _strategy():
    return current_app.extensions["hyperapi_limiter"].limiter


def check(login):
    """Raise Throttled when the account or the address has used up its failed attempts."""
    strategy = _strategy()
    for item, scope, key in _limits(login):
        if not strategy.test(item, scope, key):
            reset = strategy.get_window_stats(item, scope, key).reset_time
            raise Throttled(max(1, math.ceil(reset - time.time())))


def failed(login):
    strategy = _strategy()
    for item, scope, key in _limits(login):
        strategy.hit(item, scope, key)


def succeeded(login):
    strategy = _strategy()
    for item, scope, key in _limits(login):
        if scope == "login-account":
            strategy.clear(item, scope, key)
