"""Domain events <-> stored events, as canonical JSON, with personal data sealed.

The stored state is the pydantic event without its aggregate id and version (columns of their
own), serialised by orjson with sorted keys and no whitespace: canonical bytes, so that a hash of
them is reproducible by any program that reads the same JSON (Kafka consumers, auditors), and no
library type wrappers (``{"_type_": ...}``) that other programs would have to understand.

Every ``person`` field (personal data of an individual) is stored *sealed* — its subject id,
its AES-GCM ciphertext under the subject's key and that ciphertext's digest — and opened again
on reading (see :mod:`infra.privacy`); once the subject's keys are destroyed it reads as the
erased marker, never as an error. The sealing vault comes in the library's cipher slot
(``CIPHER_TOPIC`` = :class:`infra.privacy.vault.SealingCipher`); without it the mapper stores
persons in the clear and refuses to read sealed ones.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Cipher, Compressor, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

import infra.privacy.erasure  # noqa: F401 - erasure records are events the mapper reads too
from infra.privacy.sealing import PERSON_MARK, DataKey, is_sealed, persons_in
from infra.privacy.vault import KeyVault, SealingCipher

log = logging.getLogger(__name__)


class PydanticMapper(Mapper[UUID]):
    """Domain events <-> stored events as plain JSON (no library type wrappers)."""

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        if compressor is not None or (cipher is not None and not isinstance(cipher, SealingCipher)):
            # Whole-state compression or encryption would hide the JSON the hashes and the
            # Kafka consumers read; personal data is sealed field by field instead.
            raise TypeError("PydanticMapper takes no compressor and no cipher but SealingCipher")
        super().__init__(transcoder)
        self.vault: KeyVault | None = cipher.vault if isinstance(cipher, SealingCipher) else None
        self._warned = False

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event = cast(BaseModel, domain_event)
        state: dict[str, Any] = event.model_dump(
            mode="json", exclude={"originator_id", "originator_version"}
        )
        if self.vault is not None:
            state = self.vault.seal_state(state)
        elif not self._warned and persons_in(state):
            self._warned = True
            log.warning("personal data stored unsealed: CIPHER_TOPIC names no SealingCipher")
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=orjson.dumps(state, option=orjson.OPT_SORT_KEYS),
        )

    def to_domain_event(
        self, stored_event: StoredEvent, known_keys: Mapping[bytes, DataKey] | None = None
    ) -> DomainEventProtocol[UUID]:
        """The event of ``stored_event``; ``known_keys``: keys read from the vault with it (see
        ``KeyVault.open_person``)."""
        cls = resolve_topic(stored_event.topic)
        state: dict[str, Any] = orjson.loads(stored_event.state)
        if PERSON_MARK not in stored_event.state:
            pass  # no individual in it: nothing to open (most events; a scan in C is cheap)
        elif self.vault is not None:
            state = self.vault.open_state(state, known_keys)
        elif any(is_sealed(person) for person in persons_in(state)):
            raise RuntimeError(
                f"event {stored_event.originator_id}:{stored_event.originator_version} holds "
                "sealed personal data and this ledger has no key vault (CIPHER_TOPIC)"
            )
        event: DomainEventProtocol[UUID] = cls(
            originator_id=stored_event.originator_id,
            originator_version=stored_event.originator_version,
            **state,
        )
        return event
