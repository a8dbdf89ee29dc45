"""Tamper evidence: every event hash-chained, the whole log sealed into signed Merkle checkpoints.

The design in brief (each module says more):

- :mod:`.content` — the *content hash* of an event: SHA-256 of its stored JSON with the
  ciphertext of personal data left out (so erasure and partners' redacted copies hash alike);
- :mod:`.leaf` — the *event leaf*: leaf index, position, aggregate, version, the database's
  ``recorded_at``, content hash and the previous version's event hash; the *event hash* is its
  RFC 9162 leaf hash. PostgreSQL computes it in the insert trigger (``infra.eventstore``);
- :mod:`.merkle` — RFC 9162 §2.1: tree hash, inclusion and consistency proofs, and their
  verification algorithms (pure functions; all a partner or an auditor needs offline);
- :mod:`.signing` — checkpoints (tree size, root, last position, time) signed with Ed25519;
- :mod:`.verify` — the verifier: one streamed pass, names the first bad event;
- :mod:`.store` — the tables, read with psycopg (a server-side cursor, prefetched batches);
- :mod:`.proofs` — proof documents and their offline check;
- :mod:`.service` — what the API and the CLI call; :mod:`.wiring` — the key, the checkpointer;
- :mod:`.bench` — replay, verify and proof figures for ``make bench``.

An auditor's walk-through::

    ledger audit public-key > ledger.pub           # or GET /api/v1/audit/public-key
    ledger verify --public-key ledger.pub          # every chain, checkpoint and consistency
    ledger history penalty-case <id> --format markdown --as-of 2023-06-30T18:00
    ledger audit proof <position> --output p.json  # or GET /api/v1/audit/proofs/<position>
    ledger audit check-proof p.json --public-key ledger.pub   # offline, no database

What it does not protect against: a superuser who appends well-formed events after the last
checkpoint and before anyone copied the log (Kafka, partners); the checkpointer's interval
bounds that window, and the relay and partner topics keep outside copies.
"""
