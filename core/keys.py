"""A signing key for development, made once and kept beside the development database."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def development_private_key(path: Path) -> str:
    """The RSA private key (PEM) kept at ``path``, made on first use.

    Only for development and tests: production reads its key from the environment, so
    that no key it signs with ever lies in the working tree.
    """
    if path.exists():
        return path.read_text()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under another name, then renamed: two processes starting at once both
    # end up reading a complete key (the last one written).
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    with os.fdopen(descriptor, "w") as file:
        file.write(pem)
    os.replace(temporary, path)
    return path.read_text()
