"""Leaves, signed checkpoints and proof documents, checked offline with only the public key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.integrity.content import canonical, content_hash
from infra.integrity.leaf import GENESIS, EventLeaf, leaf_bytes, micros
from infra.integrity.merkle import MerkleTree
from infra.integrity.proofs import check, consistency_document, inclusion_document
from infra.integrity.signing import (
    Checkpoint,
    CheckpointFormatError,
    Signer,
    load_or_create_private_key,
    load_public_key,
)

T0 = datetime(2024, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)


def events(n: int) -> list[tuple[EventLeaf, dict[str, object]]]:
    made = []
    prev = GENESIS
    aggregate = uuid4()
    for i in range(n):
        state = {"n": i, "meta": {"principal": "p"}}
        leaf = EventLeaf(
            leaf_index=i,
            position=i + 3,
            aggregate_id=aggregate,
            version=i + 1,
            topic="Officer.TrainingRecorded",
            recorded_at=T0 + timedelta(seconds=i),
            content_hash=content_hash(canonical(state)),
            prev_hash=prev,
        )
        prev = leaf.event_hash()
        made.append((leaf, state))
    return made


@pytest.fixture
def signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


def sealed(signer: Signer, n: int) -> tuple[list[tuple[EventLeaf, dict[str, object]]], MerkleTree]:
    made = events(n)
    return made, MerkleTree(leaf.event_hash() for leaf, _ in made)


def checkpoint(signer: Signer, tree: MerkleTree, size: int) -> Checkpoint:
    return signer.sign("binhai", size, tree.root(size), size + 2, T0 + timedelta(minutes=size))


# The leaf ------------------------------------------------------------------------------------


def test_the_leaf_layout_is_fixed_fields_then_the_topic() -> None:
    leaf, _ = events(1)[0]
    raw = leaf.leaf()
    assert len(raw) == 1 + 8 + 8 + 16 + 8 + 8 + 32 + 32 + 2 + len(leaf.topic)
    assert raw[0] == 1
    assert raw[33:41] == (1).to_bytes(8, "big")  # the version
    assert raw[-len(leaf.topic) :] == leaf.topic.encode()
    assert micros(T0) == 1709280000123456
    assert (
        leaf_bytes(
            0,
            3,
            leaf.aggregate_id.bytes,
            1,
            micros(T0),
            leaf.content_hash,
            GENESIS,
            leaf.topic.encode(),
        )
        == raw
    )


def test_a_leaf_survives_its_json_form() -> None:
    leaf, _ = events(1)[0]
    again = EventLeaf.from_json(orjson.loads(orjson.dumps(leaf.to_json())))
    assert again == leaf and again.event_hash() == leaf.event_hash()


# Checkpoints ---------------------------------------------------------------------------------


def test_a_checkpoint_is_signed_over_its_body(signer: Signer) -> None:
    _, tree = sealed(signer, 5)
    cp = checkpoint(signer, tree, 5)
    assert cp.body().decode().splitlines()[:2] == ["binhai", "5"]
    assert cp.signed_by(signer.public_key)
    assert not cp.signed_by(Signer(Ed25519PrivateKey.generate()).public_key)
    again = Checkpoint.from_json(orjson.loads(orjson.dumps(cp.to_json())))
    assert again == cp


def test_a_checkpoint_whose_fields_differ_from_its_body_is_refused(signer: Signer) -> None:
    _, tree = sealed(signer, 3)
    document = checkpoint(signer, tree, 3).to_json()
    with pytest.raises(CheckpointFormatError, match="body"):
        Checkpoint.from_json({**document, "tree_size": 2})
    edited = Checkpoint.from_json({**document, "tree_size": 2, "body": None})
    assert not edited.signed_by(signer.public_key)


def test_the_signing_key_is_created_once_and_kept(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "keys" / "signing.pem"
    first = load_or_create_private_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    second = load_or_create_private_key(path)
    assert Signer(first).key_id == Signer(second).key_id
    public = Signer(first).public_pem.encode()
    assert Signer(first).key_id == Signer(second).key_id
    assert load_public_key(public).public_bytes_raw() == first.public_key().public_bytes_raw()
    with pytest.raises(CheckpointFormatError):
        load_public_key(b"not a key")


# Proof documents, offline --------------------------------------------------------------------


def test_an_inclusion_proof_checks_out_with_only_the_public_key(signer: Signer) -> None:
    made, tree = sealed(signer, 11)
    cp = checkpoint(signer, tree, 11)
    for index in (0, 5, 10):
        leaf, state = made[index]
        doc = inclusion_document(leaf, tree.inclusion_proof(index, 11), cp, state)
        outcome = check(doc.model_dump_json().encode(), signer.public_key)
        assert outcome.ok, outcome.failed


@pytest.mark.parametrize(
    "forge",
    [
        lambda d: d["state"].update(n=99),
        lambda d: d["event"].update(recorded_at="2024-03-01T08:00:01+00:00"),
        lambda d: d["event"].update(leaf_index=4),
        lambda d: d["inclusion_path"].reverse(),
        lambda d: d["checkpoint"].update(root_hash="00" * 32),
        lambda d: d.update(tree_size=10),
    ],
    ids=["state", "recorded_at", "leaf", "path", "root", "size"],
)
def test_a_forged_inclusion_proof_does_not(signer: Signer, forge: object) -> None:
    made, tree = sealed(signer, 11)
    cp = checkpoint(signer, tree, 11)
    leaf, state = made[3]
    document = inclusion_document(leaf, tree.inclusion_proof(3, 11), cp, state).model_dump(
        mode="json"
    )
    forge(document)  # type: ignore[operator]
    assert not check(orjson.dumps(document), signer.public_key).ok


def test_a_proof_under_another_key_does_not_check_out(signer: Signer) -> None:
    made, tree = sealed(signer, 4)
    leaf, state = made[1]
    doc = inclusion_document(leaf, tree.inclusion_proof(1, 4), checkpoint(signer, tree, 4), state)
    other = Signer(Ed25519PrivateKey.generate())
    outcome = check(doc.model_dump_json().encode(), other.public_key)
    assert not outcome.ok
    assert any("signature" in line for line in outcome.failed)


def test_a_consistency_proof_checks_out_and_a_fork_does_not(signer: Signer) -> None:
    made, tree = sealed(signer, 20)
    first, second = checkpoint(signer, tree, 7), checkpoint(signer, tree, 20)
    good = consistency_document(first, second, tree.consistency_proof(7, 20))
    assert check(good.model_dump_json().encode(), signer.public_key).ok
    forked = MerkleTree(
        [
            *(leaf.event_hash() for leaf, _ in made[:6]),
            GENESIS,
            *[leaf.event_hash() for leaf, _ in made[7:]],
        ]
    )
    fork = checkpoint(signer, forked, 20)
    bad = consistency_document(first, fork, forked.consistency_proof(7, 20))
    assert not check(bad.model_dump_json().encode(), signer.public_key).ok


def test_a_malformed_document_fails_in_words(signer: Signer) -> None:
    for document in (b"not json", b"[]", b'{"type": "other"}', b'{"type": "inclusion-proof"}'):
        outcome = check(document, signer.public_key)
        assert not outcome.ok and outcome.failed
