"""Real local servers that alerts are sent to in tests: an SMTP server and an HTTP server, each
on 127.0.0.1 in a thread, keeping what they receive.

The SMTP server speaks the part of RFC 5321 a client without TLS or AUTH uses (EHLO/HELO, MAIL,
RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT): the standard library has no SMTP server since
Python 3.12, and this is enough for smtplib, which Airflow's SMTP provider drives.
"""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Mail:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def body(self) -> str:
        return self.message.get_body(preferencelist=("html", "plain")).get_content()


class _SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink.localhost ESMTP test sink")
        mail_from, rcpt_to = None, []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink.localhost")
            elif verb == "MAIL":
                mail_from, rcpt_to = command.split(":", 1)[1].strip().strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt_to.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data_line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                self.server.mails.append(Mail(mail_from, rcpt_to, b"".join(lines)))
                self.server.received.set()
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.mails: list[Mail] = []
        self.received = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self) -> SmtpSink:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


class _HttpHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.posts.append(Post(self.path, dict(self.headers.items()), body))
        self.server.received.set()
        status = 500 if self.path.startswith("/fail") else 204
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


class HttpSink(ThreadingHTTPServer):
    """POSTs are kept; a path under /fail answers 500."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HttpHandler)
        self.posts: list[Post] = []
        self.received = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self) -> HttpSink:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
