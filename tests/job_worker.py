"""Run the real job worker — ``flask --app wsgi jobs worker`` — as a process of its own, for the tests that
kill it or load it. ``JobWorker(env)`` is a context manager: it starts the worker from the repository root
with the given environment (the database, the queue, the lease), waits for its start line, and on exit
stops it (SIGINT, then SIGKILL). ``kill()`` is ``kill -9`` of its pid."""
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def flask_executable():
    candidate = os.path.join(os.path.dirname(sys.executable), "flask")
    return candidate if os.path.exists(candidate) else "flask"


class JobWorker:
    def __init__(self, env, workers=1, start_timeout=20.0):
        self.env, self.workers, self.start_timeout = dict(env), workers, start_timeout
        self.process = None
        self.log_file = None

    def start(self):
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.log_file = tempfile.NamedTemporaryFile(prefix="hyperapi-worker-", suffix=".log", delete=False)
        self.process = subprocess.Popen([flask_executable(), "--app", "wsgi", "jobs", "worker", "--workers",
                                         str(self.workers)], cwd=ROOT, env=env, stdout=self.log_file,
                                        stderr=self.log_file, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.process.returncode}:\n{self.log_text()}")
            if "jobs worker:" in self.log_text():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the worker did not start within {self.start_timeout} s:\n{self.log_text()}")

    @property
    def pid(self):
        return self.process.pid

    def kill(self):
        """kill -9: no shutdown hook, no rollback sent, no message given back."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_text(self):
        if self.log_file is None:
            return ""
        self.log_file.flush()
        with open(self.log_file.name, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if self.log_file is not None:
            self.log_file.close()
            os.unlink(self.log_file.name)
            self.log_file = None
