"""Run the real server — ``gunicorn wsgi:app`` with several worker processes — on 127.0.0.1.

Used by the concurrency tests and the load benchmark: ``GunicornServer(database_url, workers=4)`` is a
context manager that picks a free loopback port, starts gunicorn from the repository root with
``DATABASE_URL`` pointing at the given database, waits until ``GET /api/health`` answers 200, and on exit
stops the whole process group (SIGTERM, then SIGKILL). The server's stderr (gunicorn's own log and the
structured request log) goes to a temporary file, readable as ``server.log_text()``.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_executable():
    candidate = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    return candidate if os.path.exists(candidate) else "gunicorn"


class GunicornServer:
    def __init__(self, database_url, workers=4, env=None, start_timeout=30.0, request_log=True):
        self.database_url = database_url
        self.workers = workers
        self.extra_env = dict(env or {})
        self.start_timeout = start_timeout
        self.request_log = request_log
        self.port = None
        self.process = None
        self.log_file = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": "concurrency-test",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "REQUEST_LOG": "true" if self.request_log else "false",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        self.log_file = tempfile.NamedTemporaryFile(prefix="hyperapi-gunicorn-", suffix=".log", delete=False)
        command = [gunicorn_executable(), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                   "--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning", "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log_file, stderr=self.log_file,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.base_url + "/api/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not become healthy within {self.start_timeout} s:\n{self.log_text()}")

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=10)
        self.process = None

    def log_text(self):
        if self.log_file is None:
            return ""
        self.log_file.flush()
        with open(self.log_file.name, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def close(self):
        self.stop()
        if self.log_file is not None:
            self.log_file.close()
            os.unlink(self.log_file.name)
            self.log_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
