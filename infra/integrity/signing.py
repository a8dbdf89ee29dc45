"""Signed checkpoints: a tree size and root hash, signed with the ledger's Ed25519 key.

The signed bytes are the checkpoint *body* in the text form of C2SP's ``tlog-checkpoint`` (the
note format transparency logs exchange), with two extension lines::

    <origin>
    <tree size>
    <root hash, base64>
    position <the log position of the last leaf>
    time <when it was sealed, ISO 8601 UTC>

so a checkpoint can be checked by anyone holding the public key, with no database and no
knowledge of this code base beyond these five lines.

The private key is a PKCS#8 PEM file (``LEDGER_SIGNING_KEY_FILE``, by default in the data
folder), created with mode 0600 on first use when absent; ``key_id`` is the first 8 bytes of
the SHA-256 of the raw public key, in hex, so checkpoints name the key that signed them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class CheckpointFormatError(ValueError):
    """A checkpoint or key that cannot be parsed."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo) or base64 of the 32 raw bytes."""
    text = data.strip()
    try:
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(text)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as error:
        raise CheckpointFormatError(f"not an Ed25519 public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointFormatError("the public key is not an Ed25519 key")
    return key


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key at ``path``, generated there (mode 0600) if the file does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it meanwhile: use theirs
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as error:
        raise CheckpointFormatError(f"{path}: not a PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointFormatError(f"{path}: the signing key is not an Ed25519 key")
    return key


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the log of ``origin`` had these ``tree_size`` leaves, this root."""

    origin: str
    tree_size: int
    root_hash: bytes
    last_position: int
    timestamp: datetime
    key_id: str
    signature: bytes

    def body(self) -> bytes:
        return checkpoint_body(
            self.origin, self.tree_size, self.root_hash, self.last_position, self.timestamp
        )

    def signed_by(self, public_key: Ed25519PublicKey) -> bool:
        """Whether the signature is ``public_key``'s over this checkpoint's body."""
        try:
            public_key.verify(self.signature, self.body())
        except InvalidSignature:
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "last_position": self.last_position,
            "timestamp": self.timestamp.astimezone(UTC).isoformat(),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
            "body": self.body().decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        """Parse :meth:`to_json`; the signed ``body`` must say what the fields say."""
        try:
            checkpoint = cls(
                origin=str(data["origin"]),
                tree_size=int(data["tree_size"]),
                root_hash=bytes.fromhex(str(data["root_hash"])),
                last_position=int(data["last_position"]),
                timestamp=datetime.fromisoformat(str(data["timestamp"])),
                key_id=str(data["key_id"]),
                signature=base64.b64decode(str(data["signature"]), validate=True),
            )
        except (KeyError, ValueError, binascii.Error) as error:
            raise CheckpointFormatError(f"malformed checkpoint: {error!r}") from None
        body = data.get("body")
        if body is not None and str(body).encode() != checkpoint.body():
            raise CheckpointFormatError("the checkpoint's body does not say what its fields say")
        return checkpoint


def checkpoint_body(
    origin: str, tree_size: int, root_hash: bytes, last_position: int, timestamp: datetime
) -> bytes:
    if "\n" in origin or not origin:
        raise CheckpointFormatError("the origin is one non-empty line")
    when = timestamp.astimezone(UTC).isoformat()
    root = base64.b64encode(root_hash).decode()
    return f"{origin}\n{tree_size}\n{root}\nposition {last_position}\ntime {when}\n".encode()


class Signer:
    """Signs checkpoints with the ledger's private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(self.public_key)

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        return cls(load_or_create_private_key(path))

    def sign(
        self,
        origin: str,
        tree_size: int,
        root_hash: bytes,
        last_position: int,
        timestamp: datetime,
    ) -> Checkpoint:
        body = checkpoint_body(origin, tree_size, root_hash, last_position, timestamp)
        return Checkpoint(
            origin=origin,
            tree_size=tree_size,
            root_hash=root_hash,
            last_position=last_position,
            timestamp=timestamp,
            key_id=self.key_id,
            signature=self._key.sign(body),
        )

    @property
    def public_pem(self) -> str:
        return public_pem(self.public_key)
