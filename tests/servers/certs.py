"""A self-signed TLS certificate for 127.0.0.1, shared by Dovecot and the SMTP servers."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import NamedTuple


class TlsCert(NamedTuple):
    cert: str
    key: str

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate (imapclient ssl_context=, aiosmtplib tls_context=)."""
        return ssl.create_default_context(cafile=self.cert)


def make_self_signed(directory: Path) -> TlsCert:
    """cert.pem + key.pem in `directory`. The IP SAN matters: clients that connect to
    127.0.0.1 check the address against it (CERTIFICATE_VERIFY_FAILED, IP address mismatch)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return TlsCert(str(cert), str(key))
