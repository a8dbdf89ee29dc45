"""Personal data of individuals, sealed so that it can be erased (crypto-shredding).

The design in one paragraph: every event field named ``person`` (``domain.personal.
PersonalData``) is stored *sealed* — ``{"subject", "sealed", "digest"}`` — where ``subject`` is
a pseudonym of the individual (random, given on first sealing; the vault finds it from the
person's id number — or name and phone — through a keyed lookup kept beside the keys, never in
the log, and forgets that link on erasure), ``sealed`` is the AES-256-GCM ciphertext of the data
under a key of that subject, and ``digest`` the SHA-256 of that ciphertext. The event store, the
hash chains, the Merkle checkpoints and the Kafka topics only ever hold ciphertext and digests.
A lawful erasure destroys the subject's keys and the link: the ciphertext stays where it is
(nothing in the append-only log is rewritten, so chains and proofs stay valid) but can never be
decrypted again, and reading such an event yields the person as :data:`ERASED`.

Modules: :mod:`.subjects` (pseudonyms), :mod:`.sealing` (pure AES-GCM sealing of one value and
the walk over an event's JSON), :mod:`.vault` (the PostgreSQL key tables and the mapper's
hook), :mod:`.erasure` (the erasure record and the erasure itself).
"""

from __future__ import annotations
