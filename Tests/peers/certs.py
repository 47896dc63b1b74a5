#!/usr/bin/env python3
"""Test PKI made at test time with the `openssl` CLI (nothing secret is committed).

    pki = make_test_pki(Path(tmp))
    pki.ca            -> CA certificate; give it to the bridge as SSL_CERT_FILE
    pki.localhost     -> (cert, key) for DNS:localhost, IP:127.0.0.1
    pki.wrong_host    -> (cert, key) for DNS:wrong.example only (hostname-mismatch tests)

Keys are P-256 (fast to make); certificates last two days. CLI: `certs.py DIR`.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SERVER_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = {san}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


@dataclass(frozen=True)
class TestPKI:
    """Paths of the generated files."""

    __test__ = False  # not a pytest test class

    directory: Path
    ca: Path
    ca_key: Path
    localhost: tuple[Path, Path]
    wrong_host: tuple[Path, Path]


def _openssl(*args: str | Path, cwd: Path) -> None:
    cmd = ["openssl", *map(str, args)]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")


def _server_cert(directory: Path, name: str, cn: str, san: str, ca: Path, ca_key: Path
                 ) -> tuple[Path, Path]:
    key, csr, cert = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.pem"
    ext = directory / f"{name}.ext"
    ext.write_text(SERVER_EXTENSIONS.format(san=san))
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={cn}", cwd=directory)
    _openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-set_serial",
             str(secrets.randbits(62) + 1), "-days", "2", "-sha256",
             "-extfile", ext, "-out", cert, cwd=directory)
    return cert, key


def make_test_pki(directory: Path) -> TestPKI:
    """Creates a CA and two server certificates in `directory` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = directory / "ca.pem", directory / "ca.key"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2", "-sha256",
             "-subj", "/CN=voice-bridge test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    localhost = _server_cert(directory, "localhost", "localhost",
                             "DNS:localhost, IP:127.0.0.1", ca, ca_key)
    wrong = _server_cert(directory, "wrong-host", "wrong.example", "DNS:wrong.example",
                         ca, ca_key)
    return TestPKI(directory, ca, ca_key, localhost, wrong)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: certs.py DIR")
    pki = make_test_pki(Path(sys.argv[1]))
    print(f"ca={pki.ca} localhost={pki.localhost[0]} wrong_host={pki.wrong_host[0]}")
