"""A throw-away Dovecot IMAP server for the tests of the reply mailbox reader.

`TemporaryDovecot` runs Debian's /usr/sbin/dovecot in the foreground with its own configuration
file in a temporary directory: a plain IMAP port (which also offers STARTTLS) and an IMAPS port on
127.0.0.1, a self-signed certificate made with openssl for 127.0.0.1, maildirs under the
directory, users in a passwd-file (`add_user` hands out a fresh one) who can also log in with
XOAUTH2 and a JWT access token from `access_token`. Dovecot runs
unprivileged: as the current user, or, when we are root, as `dovenull`/`nobody` (subprocess's
`user=`/`group=`, as for PostgreSQL).
"""

from __future__ import annotations

import base64
import contextlib
import grp
import hashlib
import hmac
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from imap_tools import MailBoxUnencrypted

from tests.support.pgcluster import free_port

DOVECOT = os.environ.get("DOVECOT", "/usr/sbin/dovecot")
USERS = 200  # one fresh mailbox per test that asks for one

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
first_valid_uid = 0
first_valid_gid = 0
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
# XOAUTH2: a JWT signed with the key in {dir}/keys, checked by Dovecot itself (no OAuth server).
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {dir}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={dir}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
"""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _account() -> tuple[pwd.struct_passwd, str]:
    """The account Dovecot runs as (and its group's name)."""
    if os.geteuid() == 0:
        for name in ("dovenull", "nobody"):
            with contextlib.suppress(KeyError):
                account = pwd.getpwnam(name)
                break
        else:
            raise RuntimeError("running as root and neither 'dovenull' nor 'nobody' exists")
    else:
        account = pwd.getpwuid(os.getuid())
    return account, grp.getgrgid(account.pw_gid).gr_name


@dataclass
class TemporaryDovecot:
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="overleg-imap-")))
    port: int = 0
    tls_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _users: int = 0
    _passwords: list[str] = field(default_factory=list)
    _token_key: bytes = b""

    @property
    def certificate(self) -> Path:
        return self.directory / "cert.pem"

    @property
    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> TemporaryDovecot:
        account, group = _account()
        for name in ("run", "state", "home"):
            (self.directory / name).mkdir()
        self._make_certificate()
        # The users exist from the start: Dovecot re-reads a changed passwd-file only lazily.
        self._passwords = [secrets.token_hex(8) for _ in range(USERS)]
        self._write_oauth2_key()
        (self.directory / "passwd").write_text(
            "".join(f"user{n}:{{PLAIN}}{pw}::::::\n" for n, pw in enumerate(self._passwords))
        )
        if os.geteuid() == 0:
            for path in [self.directory, *self.directory.rglob("*")]:
                os.chown(path, account.pw_uid, account.pw_gid)
        for _attempt in range(5):
            self.port, self.tls_port = free_port(), free_port()
            config = self.directory / "dovecot.conf"
            config.write_text(
                CONFIG.format(
                    dir=self.directory,
                    user=account.pw_name,
                    group=group,
                    port=self.port,
                    tls_port=self.tls_port,
                )
            )
            if self._launch(config, account):
                return self
        raise RuntimeError(f"Dovecot did not start:\n{self.log}")

    def _write_oauth2_key(self) -> None:
        self._token_key = secrets.token_bytes(32)
        keys = self.directory / "keys" / "default" / "HS256"
        keys.mkdir(parents=True)
        (keys / "default").write_text(base64.b64encode(self._token_key).decode())
        (self.directory / "oauth2.conf.ext").write_text(
            "introspection_mode = local\n"
            f"local_validation_key_dict = fs:posix:prefix={self.directory}/keys/\n"
            "username_attribute = sub\n"
        )

    def access_token(self, username: str, *, lifetime: int = 600) -> str:
        """An OAuth 2.0 access token (a JWT, HS256) that this server accepts for `username`."""
        now = int(time.time())
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"sub": username, "iat": now, "nbf": now, "exp": now + lifetime}
        body = _b64url(json.dumps(claims).encode())
        signed = f"{header}.{body}".encode()
        signature = _b64url(hmac.new(self._token_key, signed, hashlib.sha256).digest())
        return f"{header}.{body}.{signature}"

    def _make_certificate(self) -> None:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(self.directory / "key.pem"),
                "-out",
                str(self.certificate),
            ],
            check=True,
            capture_output=True,
        )

    def _launch(self, config: Path, account: pwd.struct_passwd) -> bool:
        kwargs: dict = {}
        if os.geteuid() == 0:
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            env={"PATH": "/usr/sbin:/usr/bin:/bin", "HOME": str(self.directory)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **kwargs,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # a port was taken meanwhile: try others
            if self._answers(self.port) and self._answers(self.tls_port):
                return True
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Dovecot did not answer in time:\n{self.log}")

    @staticmethod
    def _answers(port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    def add_user(self) -> tuple[str, str]:
        """A mail user not handed out before, with an empty mailbox: (name, password)."""
        if self._users >= USERS:
            raise RuntimeError(f"TemporaryDovecot has {USERS} users; raise USERS")
        number = self._users
        self._users += 1
        return f"user{number}", self._passwords[number]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass(frozen=True)
class ImapAccount:
    """One mail user on a `TemporaryDovecot`: settings to read it, and a way to deliver to it."""

    server: TemporaryDovecot
    username: str
    password: str

    def config(self, tls: str = "off", **extra: object) -> dict[str, object]:
        """The IMAP_* settings of the reader for this account (plain IMAP on loopback unless
        `tls` says otherwise)."""
        port = self.server.tls_port if tls == "on" else self.server.port
        settings: dict[str, object] = {
            "IMAP_HOST": "127.0.0.1",
            "IMAP_PORT": port,
            "IMAP_TLS": tls,
            "IMAP_CA_FILE": str(self.server.certificate) if tls != "off" else "",
            "IMAP_USERNAME": self.username,
            "IMAP_PASSWORD": self.password,
            "IMAP_TIMEOUT_SECONDS": 10,
        }
        settings.update(extra)
        return settings

    def mailbox(self) -> MailBoxUnencrypted:
        return MailBoxUnencrypted("127.0.0.1", self.server.port, timeout=10).login(
            self.username, self.password, initial_folder=None
        )

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Put messages into a folder as a mail server would (IMAP APPEND)."""
        with self.mailbox() as mailbox:
            for raw in messages:
                mailbox.append(raw, folder)

    def message_ids(self, folder: str) -> list[str]:
        """The Message-IDs in a folder (deleted-flagged ones included), in UID order."""
        with self.mailbox() as mailbox:
            if not mailbox.folder.exists(folder):
                return []
            mailbox.folder.set(folder)
            return [
                " ".join(message.headers.get("message-id", ("",))[0].split())
                for message in mailbox.fetch(mark_seen=False, headers_only=True)
            ]
