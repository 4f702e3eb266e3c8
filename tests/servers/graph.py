"""A loopback stand-in of Microsoft Graph's `POST /v1.0/users/{user}/sendMail` (MIME form).

It checks the bearer token with the loopback OAuth server (`is_valid`), decodes the base64 MIME and
keeps it (`sent`: (user, raw bytes)), answering 202 as Graph does. `script` lets a test say what the
next requests get: an int status (429, 500, ...), or "hang" (read the whole request, then answer
nothing for longer than the client waits: the mail *was* handed over).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


class GraphServer:
    def __init__(self, oauth, hang_seconds: float = 3.0):
        self.oauth = oauth
        self.hang_seconds = hang_seconds
        self.sent: list[tuple[str, bytes]] = []  # what Graph accepted (and would send), in order
        self.requests = 0
        self.script: list[int | str] = []
        self.mailboxes = {"spoc@council.example"}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.port = 0

    def start(self) -> "GraphServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = server._answer(self.path, self.headers.get("Authorization", ""),
                                                self.headers.get("Content-Type", ""), body)
                if status == "hang":
                    time.sleep(server.hang_seconds)
                    return
                data = json.dumps(answer).encode() if answer else b""
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "7")
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/v1.0"

    def _answer(self, path: str, authorization: str, content_type: str, body: bytes):
        with self._lock:
            self.requests += 1
            scripted = self.script.pop(0) if self.script else None
        parts = urllib.parse.unquote(urllib.parse.urlsplit(path).path).split("/")
        if len(parts) != 5 or parts[1:3] != ["v1.0", "users"] or parts[4] != "sendMail":
            return 404, _error("ResourceNotFound", f"no such resource {path}")
        user = parts[3]
        if not authorization.startswith("Bearer ") or not self.oauth.is_valid(authorization[7:]):
            return 401, _error("InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        if user.lower() not in self.mailboxes:
            return 404, _error("ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        if scripted == "hang":
            with self._lock:
                self.sent.append((user, base64.b64decode(body)))  # handed over: Graph has it
            return "hang", None
        if isinstance(scripted, int):
            return scripted, _error("Throttled" if scripted == 429 else "InternalServerError", "scripted")
        if not content_type.startswith("text/plain"):
            return 400, _error("ErrorMimeContentInvalid", "MIME content must be base64 text/plain")
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            return 400, _error("ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.")
        with self._lock:
            self.sent.append((user, raw))
        return 202, None


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}
