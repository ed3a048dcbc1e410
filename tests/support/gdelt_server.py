"""A stand-in for GDELT's data host on 127.0.0.1: real GDELT files under their real names, the
lists GDELT publishes about them (built from the files), and faults injected on demand.

    server = GdeltServer(root)            # root: a temp dir
    server.add_v2(slot, "export", rows)   # real rows -> gdeltv2/<slot>.export.CSV.zip, listed
    server.fault("20151027220000.export.CSV.zip", "500", "ok")   # per request, in order
    server.start(); os.environ["BILATERAL_GDELT_URL"] = server.url

Faults: "404", "500", "429" (Retry-After: 1), "reset" (the connection dropped mid-body),
"truncate" (half the body, then closed), "short" (half the body as if it were all), "html" (an error page with status 200), "garbage"
(other bytes of the right size: the MD5 fails), "ok" (serve it). After the listed faults, "ok".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
import zipfile
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def zipped(name: str, text: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


class GdeltServer:
    def __init__(self, root: Path):
        self.root = root
        self.files: dict[str, bytes] = {}  # path under the root -> body
        self.v2_lines: dict[bool, list[str]] = {False: [], True: []}  # translation? -> master list lines
        self.extra_master_lines: list[str] = []
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.requests: list[tuple[str, str]] = []  # (path, what was served)
        self.unlisted: set[str] = set()  # names served but not listed
        self._httpd: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------- content

    def add_v2(self, slot: dt.datetime, kind: str, text: bytes, translation: bool = False,
               listed: bool = True, served: bool = True) -> str:
        """kind: export | mentions. Returns the file's name."""
        name = f"{slot:%Y%m%d%H%M%S}.{'translation.' if translation else ''}{kind}.CSV.zip"
        body = zipped(name.removesuffix(".zip"), text)
        if served:
            self.files[f"gdeltv2/{name}"] = body
        if listed:
            md5 = hashlib.md5(body).hexdigest()
            self.v2_lines[translation].append(f"{len(body)} {md5} http://data.gdeltproject.org/gdeltv2/{name}")
        return name

    def add_v1(self, name: str, text: bytes) -> str:
        body = zipped(name.removesuffix(".zip") if name.endswith(".export.CSV.zip") else name[:-4] + ".csv", text)
        self.files[f"events/{name}"] = body
        return name

    def fault(self, name: str, *actions: str) -> None:
        self.faults[name].extend(actions)

    def _lists(self) -> dict[str, bytes]:
        lists = {}
        for translation, lines in self.v2_lines.items():
            suffix = "-translation" if translation else ""
            ordered = sorted(lines, key=lambda line: line.rsplit("/", 1)[-1])
            extra = self.extra_master_lines if not translation else []
            lists[f"gdeltv2/masterfilelist{suffix}.txt"] = "".join(f"{line}\n" for line in ordered + extra).encode()
            newest = ordered[-1].rsplit("/", 1)[-1][:14] if ordered else ""
            lists[f"gdeltv2/lastupdate{suffix}.txt"] = "".join(
                f"{line}\n" for line in ordered if line.rsplit("/", 1)[-1].startswith(newest)).encode()
        v1 = {p: b for p, b in self.files.items() if p.startswith("events/")}
        lists["events/md5sums"] = "".join(f"{hashlib.md5(b).hexdigest()}  {p.split('/', 1)[1]}\n"
                                          for p, b in sorted(v1.items())).encode()
        lists["events/filesizes"] = "".join(f"{len(b)} {p.split('/', 1)[1]}\n" for p, b in sorted(v1.items())).encode()
        return lists

    # ------------------------------------------------------------- serving

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def start(self) -> GdeltServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path.lstrip("/").split("?", 1)[0]
                lists = server._lists()
                body = lists.get(path, server.files.get(path))
                name = path.rsplit("/", 1)[-1]
                action = server.faults[name].pop(0) if server.faults.get(name) else "ok"
                server.requests.append((path, action))
                if body is None or action == "404":
                    return self._send(404, b"not found", "text/plain")
                if action in ("500", "429"):
                    extra = {"Retry-After": "1"} if action == "429" else {}
                    return self._send(int(action), b"busy", "text/plain", extra)
                if action == "html":
                    return self._send(200, b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
                                      "text/html")
                if action == "garbage":
                    body = bytes(len(body))
                if action == "short":  # a complete response of the wrong length
                    body = body[: len(body) // 2]
                if action in ("reset", "truncate"):
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Content-Type", "application/zip")
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    if action == "reset":
                        import socket
                        import struct
                        # SO_LINGER 0: close sends a TCP reset, not a clean end
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return None
                ranged = self.headers.get("Range", "")
                if ranged.startswith("bytes=") and path in lists:
                    first = int(ranged[6:].split("-", 1)[0])
                    if first >= len(body):
                        return self._send(416, b"", "text/plain")
                    return self._send(206, body[first:], "text/plain",
                                      {"Content-Range": f"bytes {first}-{len(body) - 1}/{len(body)}"})
                return self._send(200, body, "text/plain" if path in lists else "application/zip")

            def _send(self, code: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def served(self, name: str) -> list[str]:
        """The actions taken for every request of this file, in order."""
        return [action for path, action in self.requests if path.endswith("/" + name)]
