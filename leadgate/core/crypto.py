"""Field encryption with a key ring, and keyed blind indexes.

A :class:`KeyRing` contains AES-256-GCM data keys, newest (current) first, and one
separate HMAC key for blind indexes. Every ciphertext starts with a header that
names its format version and key id, so old rows stay readable after rotation::

    byte 0        format version (1)
    byte 1        length n of the key id
    bytes 2..2+n  key id, ASCII
    12 bytes      random nonce
    the rest      AES-GCM ciphertext with its 16-byte tag

The header and the ``context`` (``"<table>.<column>"``) are the associated data, so
a ciphertext copied into another column, or with an edited key id, fails to decrypt.

NOTE: the context names the column, not the row, so two ciphertexts swapped between
rows of the same column still decrypt. Hash chains that must catch that cover the
plaintext.

The ring comes from ``LEADGATE_ENCRYPTION_KEYS`` (``id:base64key,...``, current
first, plus one ``index:base64key`` entry for the blind-index key) or from
``<data dir>/keys.json``, which :meth:`KeyRing.load` creates on first use.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from leadgate.errors import CryptoError
from leadgate.locales import text

if TYPE_CHECKING:
    from leadgate.config.settings import Settings

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE_NAME = "keys.json"
ENV_VARIABLE = "LEADGATE_ENCRYPTION_KEYS"
INDEX_KEY_ID = "index"
"""The reserved id of the blind-index key in ``LEADGATE_ENCRYPTION_KEYS``."""

_KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_KEY_FILE_VERSION = 1

KeySource = Literal["file", "env", "memory"]


@dataclass(frozen=True)
class DataKey:
    """One AES-256-GCM data key and its id."""

    id: str
    key: bytes
    created_at: str = ""

    def __repr__(self) -> str:
        return f"DataKey(id={self.id!r})"


class KeyRing:
    """AES-GCM data keys (current first) and a blind-index key.

    ``created_path`` is the key file :meth:`load` has just created, or ``None``; a
    command shows the owner a notice to back it up. ``source`` names where the ring
    came from: ``"file"``, ``"env"`` or ``"memory"``.
    """

    def __init__(
        self,
        keys: list[DataKey],
        index_key: bytes,
        *,
        source: KeySource = "memory",
        path: Path | None = None,
    ) -> None:
        if not keys:
            raise CryptoError(text("storage.keyring_empty"))
        self._keys = list(keys)
        self._by_id = {key.id: key for key in keys}
        self._ciphers = {key.id: AESGCM(key.key) for key in keys}
        self._index_key = index_key
        self.source: KeySource = source
        self.path = path
        self.created_path: Path | None = None

    def __repr__(self) -> str:
        return f"KeyRing(source={self.source!r}, key_ids={self.key_ids!r})"

    # -- construction -------------------------------------------------------------

    @classmethod
    def generate(cls) -> KeyRing:
        """Create an in-memory ring with one fresh data key and a fresh index key."""
        return cls([_new_data_key()], secrets.token_bytes(KEY_BYTES))

    @classmethod
    def load(cls, data_dir: Path, settings: Settings) -> KeyRing:
        """Load the ring from ``settings.encryption_keys`` or ``<data_dir>/keys.json``.

        When neither exists, the key file is created (mode 0600, the directory too if
        missing) and ``created_path`` is set, because losing that file makes every
        encrypted value unreadable.
        """
        if settings.encryption_keys:
            return cls.from_env_value(settings.encryption_keys)

        path = Path(data_dir) / KEY_FILE_NAME
        if path.exists():
            return cls.from_file(path)

        return cls._create_file(path)

    @classmethod
    def from_env_value(cls, value: str) -> KeyRing:
        """Parse ``id:base64key,id:base64key,index:base64key``, current key first."""
        keys: list[DataKey] = []
        index_key: bytes | None = None
        for position, item in enumerate(part.strip() for part in value.split(",")):
            if not item:
                continue
            key_id, separator, encoded = item.partition(":")
            if not separator:
                raise CryptoError(text("storage.env_item_invalid", position=position + 1))
            key = _decode_key(encoded, key_id=key_id, where=ENV_VARIABLE)
            if key_id == INDEX_KEY_ID:
                index_key = key
            else:
                keys.append(DataKey(_checked_key_id(key_id, ENV_VARIABLE), key))

        if index_key is None:
            raise CryptoError(text("storage.env_index_missing"))
        if not keys:
            raise CryptoError(text("storage.keyring_empty"))
        _reject_duplicate_ids(keys, ENV_VARIABLE)
        return cls(keys, index_key, source="env")

    @classmethod
    def from_file(cls, path: Path) -> KeyRing:
        """Read a key file written by :meth:`load` or :meth:`rotate`."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            keys = [
                DataKey(
                    _checked_key_id(item["id"], str(path)),
                    _decode_key(item["key"], key_id=item["id"], where=str(path)),
                    str(item.get("created_at", "")),
                )
                for item in document["keys"]
            ]
            index_key = _decode_key(document["index_key"], key_id=INDEX_KEY_ID, where=str(path))
        except OSError as error:
            raise CryptoError(
                text("storage.key_file_unreadable", path=path, reason=error.strerror)
            ) from error
        except (ValueError, KeyError, TypeError) as error:
            raise CryptoError(text("storage.key_file_invalid", path=path)) from error

        _reject_duplicate_ids(keys, str(path))
        _warn_if_readable_by_others(path)
        return cls(keys, index_key, source="file", path=path)

    @classmethod
    def _create_file(cls, path: Path) -> KeyRing:
        ring = cls([_new_data_key()], secrets.token_bytes(KEY_BYTES), source="file", path=path)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            _write_key_file(path, ring._document(), replace=False)
        except FileExistsError:
            # Another process created the file between our check and our write; its
            # keys may already protect data, so use them rather than ours.
            return cls.from_file(path)

        ring.created_path = path
        logger.warning("Created a new key file at %s; back it up, it cannot be recreated", path)
        return ring

    # -- keys ------------------------------------------------------------------------

    @property
    def current_id(self) -> str:
        """The id of the key new ciphertexts are encrypted with."""
        return self._keys[0].id

    @property
    def key_ids(self) -> tuple[str, ...]:
        """All data-key ids, current first."""
        return tuple(key.id for key in self._keys)

    def rotate(self) -> str:
        """Add a new current data key and return its id.

        A ring read from a key file writes the file again (atomically, mode 0600)
        before returning, so no value is ever encrypted under an unsaved key. A ring
        from ``LEADGATE_ENCRYPTION_KEYS`` changes only in memory: the operator must
        put :meth:`env_value` into the environment before anything is re-encrypted,
        which is why ``leadgate keys rotate`` stops after printing it for such a ring.
        The blind-index key never changes, so indexes stay valid.
        """
        key = _new_data_key()
        while key.id in self._by_id:
            key = _new_data_key()

        keys = [key, *self._keys]
        if self.source == "file" and self.path is not None:
            document = {**self._document(), "keys": [_key_entry(item) for item in keys]}
            _write_key_file(self.path, document, replace=True)

        self._keys = keys
        self._by_id[key.id] = key
        self._ciphers[key.id] = AESGCM(key.key)
        logger.info("Added data key %s to the key ring (%s)", key.id, self.source)
        return key.id

    def remove(self, key_id: str) -> None:
        """Remove an old data key, saving the key file when the ring came from one.

        The caller first makes sure no stored value still uses the key (``leadgate
        keys retire`` counts them). Raises ``CryptoError`` for the current key or an
        unknown id.
        """
        if key_id not in self._by_id:
            raise CryptoError(
                text("storage.key_unknown", key_id=key_id, known=", ".join(self.key_ids))
            )
        if key_id == self.current_id:
            raise CryptoError(text("storage.key_current", key_id=key_id))

        keys = [key for key in self._keys if key.id != key_id]
        if self.source == "file" and self.path is not None:
            document = {**self._document(), "keys": [_key_entry(item) for item in keys]}
            _write_key_file(self.path, document, replace=True)

        self._keys = keys
        del self._by_id[key_id]
        del self._ciphers[key_id]
        logger.info("Removed data key %s from the key ring (%s)", key_id, self.source)

    def env_value(self) -> str:
        """Return the ring in the ``LEADGATE_ENCRYPTION_KEYS`` format (contains secrets)."""
        items = [f"{key.id}:{_encode_key(key.key)}" for key in self._keys]
        items.append(f"{INDEX_KEY_ID}:{_encode_key(self._index_key)}")
        return ",".join(items)

    def _document(self) -> dict[str, Any]:
        return {
            "version": _KEY_FILE_VERSION,
            "keys": [_key_entry(key) for key in self._keys],
            "index_key": _encode_key(self._index_key),
        }

    # -- encryption ------------------------------------------------------------------

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """Encrypt ``plaintext`` under the current key, bound to ``context``."""
        if not isinstance(plaintext, str):
            raise TypeError(f"KeyRing.encrypt takes str, not {type(plaintext).__name__}")
        return self._encrypt_bytes(plaintext.encode("utf-8"), context)

    def decrypt(self, blob: bytes | bytearray | memoryview, *, context: str) -> str:
        """Decrypt a ciphertext from :meth:`encrypt` that was bound to ``context``.

        Raises ``CryptoError`` naming the key id and the fix when the key is missing
        or wrong, the ciphertext is damaged, or it was encrypted for another context.
        """
        key_id, plaintext = self._decrypt_bytes(bytes(blob), context)
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CryptoError(
                text("storage.ciphertext_damaged", context=context, key_id=key_id)
            ) from error

    def encrypt_json(self, value: Any, *, context: str) -> bytes:
        """Encrypt a JSON-serialisable value (compact UTF-8 JSON) bound to ``context``."""
        serialised = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return self._encrypt_bytes(serialised.encode("utf-8"), context)

    def decrypt_json(self, blob: bytes | bytearray | memoryview, *, context: str) -> Any:
        """Decrypt a ciphertext from :meth:`encrypt_json` and parse its JSON."""
        key_id, plaintext = self._decrypt_bytes(bytes(blob), context)
        try:
            return json.loads(plaintext.decode("utf-8"))
        except ValueError as error:
            raise CryptoError(
                text("storage.ciphertext_damaged", context=context, key_id=key_id)
            ) from error

    def reencrypt(self, blob: bytes | bytearray | memoryview, *, context: str) -> bytes:
        """Decrypt a ciphertext of ``context`` and encrypt it again under the current key.

        Works for :meth:`encrypt` and :meth:`encrypt_json` ciphertexts alike, since both
        encrypt UTF-8 bytes.
        """
        _, plaintext = self._decrypt_bytes(bytes(blob), context)
        return self._encrypt_bytes(plaintext, context)

    def key_id_of(self, blob: bytes | bytearray | memoryview, *, context: str = "") -> str:
        """Return the key id in a ciphertext's header without decrypting it."""
        key_id, _, _ = _split_header(bytes(blob), context)
        return key_id

    def _encrypt_bytes(self, plaintext: bytes, context: str) -> bytes:
        key_id = self.current_id
        header = _header(key_id)
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, plaintext, header + context.encode("utf-8"))
        return header + nonce + sealed

    def _decrypt_bytes(self, blob: bytes, context: str) -> tuple[str, bytes]:
        key_id, header, body = _split_header(blob, context)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CryptoError(
                text("storage.key_missing", context=context, key_id=key_id, source=self.source)
            )

        nonce, sealed = body[:NONCE_BYTES], body[NONCE_BYTES:]
        try:
            plaintext = cipher.decrypt(nonce, sealed, header + context.encode("utf-8"))
        except InvalidTag as error:
            raise CryptoError(
                text("storage.ciphertext_rejected", context=context, key_id=key_id)
            ) from error
        return key_id, plaintext

    # -- blind indexes ---------------------------------------------------------------

    def blind_index(self, value: str, *, purpose: str) -> str:
        """Return the hex HMAC-SHA256 of ``value`` for lookups by ``purpose``.

        The purpose ("phone", "channel_user") separates indexes, so equal values of
        different kinds do not match. Callers normalise the value first (a phone in
        E.164, say), because the index matches exact strings only.
        """
        message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


# -- ciphertext header ---------------------------------------------------------------


def _header(key_id: str) -> bytes:
    encoded = key_id.encode("ascii")
    return bytes((FORMAT_VERSION, len(encoded))) + encoded


def _split_header(blob: bytes, context: str) -> tuple[str, bytes, bytes]:
    """Split a ciphertext into key id, header and nonce-plus-ciphertext."""
    if len(blob) < 2 or blob[0] != FORMAT_VERSION:
        version = blob[0] if blob else None
        raise CryptoError(text("storage.ciphertext_format", context=context, version=version))

    end = 2 + blob[1]
    if len(blob) < end + NONCE_BYTES + 16:
        raise CryptoError(text("storage.ciphertext_format", context=context, version=blob[0]))

    try:
        key_id = blob[2:end].decode("ascii")
    except UnicodeDecodeError as error:
        raise CryptoError(
            text("storage.ciphertext_format", context=context, version=blob[0])
        ) from error
    return key_id, blob[:end], blob[end:]


# -- key material ------------------------------------------------------------------


def _new_data_key() -> DataKey:
    now = dt.datetime.now(dt.UTC)
    key_id = f"k{now:%Y%m%d}-{secrets.token_hex(3)}"
    return DataKey(key_id, AESGCM.generate_key(bit_length=256), now.isoformat(timespec="seconds"))


def _key_entry(key: DataKey) -> dict[str, str]:
    return {"id": key.id, "key": _encode_key(key.key), "created_at": key.created_at}


def _encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _decode_key(encoded: object, *, key_id: object, where: str) -> bytes:
    """Decode a base64 key and check it is 256 bits; the error never shows the key."""
    try:
        key = base64.b64decode(str(encoded).strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise CryptoError(text("storage.key_invalid", key_id=key_id, where=where)) from error
    if len(key) != KEY_BYTES:
        raise CryptoError(text("storage.key_invalid", key_id=key_id, where=where))
    return key


def _checked_key_id(key_id: object, where: str) -> str:
    if not isinstance(key_id, str) or not _KEY_ID_PATTERN.fullmatch(key_id):
        raise CryptoError(text("storage.key_id_invalid", key_id=key_id, where=where))
    if key_id == INDEX_KEY_ID:
        raise CryptoError(text("storage.key_id_invalid", key_id=key_id, where=where))
    return key_id


def _reject_duplicate_ids(keys: list[DataKey], where: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key.id in seen:
            raise CryptoError(text("storage.key_id_duplicate", key_id=key.id, where=where))
        seen.add(key.id)


# -- key file ----------------------------------------------------------------------


def _write_key_file(path: Path, document: dict[str, Any], *, replace: bool) -> None:
    """Write the key file through a 0600 temporary file, then link or rename it.

    ``replace=False`` links the file into place, which fails with ``FileExistsError``
    when another process got there first; ``replace=True`` renames over the old file.
    """
    payload = json.dumps(document, indent=2).encode("utf-8") + b"\n"
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
        _fsync_directory(path.parent)
    except OSError as error:
        if isinstance(error, FileExistsError):
            raise
        raise CryptoError(
            text("storage.key_file_unwritable", path=path, reason=error.strerror)
        ) from error
    finally:
        temporary.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _warn_if_readable_by_others(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        logger.warning(
            "Key file %s has mode %o; run 'chmod 600 %s' so only its owner can read it",
            path,
            mode,
            path,
        )
