"""Real servers for the scale-out tests: PostgreSQL (Debian's package) and the moto S3 server.

Both listen on 127.0.0.1 only, on free ports, with their files in a temporary directory,
and are stopped by the session fixtures in conftest.py. PostgreSQL refuses to run as root,
so as root it runs as the `postgres` user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


class Unavailable(Exception):
    """A server cannot be started on this machine (binaries or user missing)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path:
    found = [Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)]
    if shutil.which("initdb"):
        found.append(Path(shutil.which("initdb")).parent)
    for folder in found:
        if (folder / "pg_ctl").exists() and (folder / "postgres").exists():
            return folder
    raise Unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")


@dataclass
class Postgres:
    """One throwaway cluster. `password` is random per session: the leak tests look for it."""
    port: int
    user: str
    password: str
    database: str
    root: Path
    bin: Path
    run_as: list[str]

    @classmethod
    def start(cls) -> Postgres:
        folder = _pg_bin()
        run_as: list[str] = []
        root = Path(tempfile.mkdtemp(prefix="bilateral-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no 'postgres' user to run PostgreSQL as") from None
            run_as = ["runuser", "-u", "postgres", "--"]
            os.chown(root, owner.pw_uid, owner.pw_gid)
        password = "pg-" + secrets.token_hex(12)
        pwfile = root / "pwfile"
        pwfile.write_text(password + "\n")
        if run_as:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        server = cls(free_port(), "bilateral", password, "bilateral", root, folder, run_as)
        server._run("initdb", "-D", str(root / "data"), "-U", server.user, "--auth=scram-sha-256",
                    f"--pwfile={pwfile}", "-E", "UTF8", "--no-instructions")
        pwfile.unlink()
        server._run("pg_ctl", "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-t", "60", "-o",
                    f"-p {server.port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off "
                    "-c max_connections=200 -c shared_buffers=32MB", "start")
        server.psql(f"create database {server.database}", database="postgres")
        return server

    def _run(self, program: str, *args: str) -> str:
        done = subprocess.run([*self.run_as, str(self.bin / program), *args], capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            raise RuntimeError(f"{program} failed: {done.stderr.strip()[-800:]}")
        return done.stdout

    def psql(self, sql: str, database: str | None = None) -> str:
        env = {**os.environ, "PGPASSWORD": self.password}
        done = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d",
                               database or self.database, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                              capture_output=True, text=True, env=env, timeout=60)
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class MotoS3:
    port: int
    process: subprocess.Popen
    log_path: Path
    key_id: str = "bilateral-test-key"
    secret: str = ""

    @classmethod
    def start(cls) -> MotoS3:
        program = Path(sys.executable).parent / "moto_server"
        if not program.exists():
            raise Unavailable("moto_server is not installed (pip install -r requirements-dev.txt)")
        port = free_port()
        log_path = Path(tempfile.mkdtemp(prefix="bilateral-moto-")) / "moto.log"
        with log_path.open("w") as out:
            process = subprocess.Popen([str(program), "-H", "127.0.0.1", "-p", str(port)],
                                       stdout=out, stderr=subprocess.STDOUT)
        server = cls(port, process, log_path, secret="s3-" + secrets.token_hex(12))
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/", timeout=2):
                    return server
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    server.stop()
                    raise RuntimeError(f"moto_server did not start: {log_path.read_text()[-800:]}") from None
                time.sleep(0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_bucket(self, name: str) -> None:
        request = urllib.request.Request(f"{self.url}/{name}", method="PUT")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.log_path.parent, ignore_errors=True)


def lake_env(pg: Postgres, s3: MotoS3 | None, name: str, data_dir: Path | None = None) -> dict[str, str]:
    """The settings for lake `name`: its own PostgreSQL schema, and its own S3 prefix (or a local
    data directory). The CLI and the dashboard read exactly these variables."""
    env = {
        "BILATERAL_CATALOG": "postgres",
        "BILATERAL_PG_HOST": "127.0.0.1",
        "BILATERAL_PG_PORT": str(pg.port),
        "BILATERAL_PG_DATABASE": pg.database,
        "BILATERAL_PG_USER": pg.user,
        "BILATERAL_PG_PASSWORD": pg.password,
        "BILATERAL_PG_SCHEMA": name,
    }
    if s3 is None:
        env["BILATERAL_DATA_PATH"] = str(data_dir)
    else:
        env |= {
            "BILATERAL_DATA_PATH": f"s3://bilateral/{name}/",
            "BILATERAL_S3_ENDPOINT": f"127.0.0.1:{s3.port}",
            "BILATERAL_S3_URL_STYLE": "path",
            "BILATERAL_S3_USE_SSL": "false",
            "BILATERAL_S3_KEY_ID": s3.key_id,
            "BILATERAL_S3_SECRET": s3.secret,
        }
    return env
