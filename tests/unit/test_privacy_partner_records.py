"""What leaves the district for a partner, and what a partner accepts: redacted records that
carry their own proof reference, and checkpoints that extend the ones held."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from uuid import UUID

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from consumers.envelope import Envelope
from consumers.partner_filter import (
    ProofRef,
    partner_cloudevent,
    partner_headers,
    partner_value,
    regions_of,
)
from consumers.partner_records import (
    CheckpointMessage,
    Rejected,
    check_checkpoint,
    check_record,
    parse_record,
)
from infra.integrity.content import content_hash
from infra.integrity.leaf import GENESIS, EventLeaf
from infra.integrity.merkle import MerkleTree
from infra.integrity.signing import Signer
from infra.privacy.sealing import DataKey, seal

SOURCE = "/ledgers/test"
AT = datetime(2023, 5, 9, 8, 30, 15, 123456, tzinfo=UTC)


def canonical(value: object) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def sealed_person() -> dict[str, str]:
    return seal({"name": "杨某", "id_number": None, "phone": None}, "a" * 32, DataKey.generate())


def an_event(state: dict[str, object], *, version: int = 1, position: int = 7) -> Envelope:
    return Envelope(
        position=position,
        aggregate_id=UUID(int=5),
        version=version,
        topic="CrossRegionalCase.Opened",
        recorded_at=AT,
        state=canonical(state),
    )


def ref_of(event: Envelope, *, leaf_index: int = 3, prev: bytes = GENESIS) -> ProofRef:
    leaf = EventLeaf(
        leaf_index=leaf_index,
        position=event.position,
        aggregate_id=event.aggregate_id,
        version=event.version,
        topic=event.topic,
        recorded_at=event.recorded_at,
        content_hash=content_hash(event.state),
        prev_hash=prev,
    )
    return ProofRef(leaf_index, prev, leaf.event_hash(), None)


CASE: dict[str, object] = {"regions": ["tangshan"], "party_kind": "citizen", "cause": "无照经营"}


def test_a_partner_gets_the_redacted_form_which_hashes_as_the_stored_event() -> None:
    person = sealed_person()
    event = an_event({**CASE, "person": person})
    value = partner_value(event)
    assert orjson.loads(value)["person"] == {
        "subject": person["subject"],
        "digest": person["digest"],
    }
    assert b"sealed" not in value
    assert content_hash(value) == content_hash(event.state)


def test_a_state_without_personal_data_goes_as_stored_byte_for_byte() -> None:
    event = an_event({**CASE, "party_kind": "organisation", "uscc": "91130200MA0000000X"})
    assert partner_value(event) == event.state


def test_personal_data_stored_in_the_clear_is_withheld_not_sent() -> None:
    event = an_event({**CASE, "person": {"name": "杨某", "id_number": None, "phone": None}})
    value = partner_value(event)
    assert "杨某".encode() not in value
    assert orjson.loads(value)["person"] is None


@pytest.mark.parametrize(
    "text",
    [
        "当事人身份证号13020019850505123X，已责令改正",
        "联系电话 139 0000 0000",
        "经营者手机+86 13900000000",
    ],
)
def test_an_id_or_phone_number_in_free_text_is_withheld(text: str) -> None:
    event = an_event({**CASE, "summary": text, "uscc": "91130200MA0000000X"})
    value = orjson.loads(partner_value(event))
    assert "[withheld]" in value["summary"]
    assert not any(ch.isdigit() for ch in value["summary"].replace("[withheld]", ""))
    assert value["uscc"] == "91130200MA0000000X"


@given(
    st.sampled_from(
        [
            "2023-05-09T08:30:15.123456+00:00",
            "津滨市监罚〔2023〕1号",
            "00000000-0000-4000-8000-013800000000",
            "91130200MA0000000X",
            "罚款5000元，没收违法所得13900元",
        ]
    ),
    st.binary(min_size=32, max_size=32),
)
def test_dates_case_numbers_ids_and_hashes_are_not_taken_for_personal_data(
    text: str, digest: bytes
) -> None:
    event = an_event({**CASE, "note": text, "evidence": [digest.hex()]})
    assert partner_value(event) == event.state


@given(st.lists(st.sampled_from(["tangshan", "cangzhou", "mars", 7]), max_size=5))
def test_only_known_regions_route_a_record(regions: list[object]) -> None:
    found = regions_of(canonical({"regions": regions}))
    assert found == [r for r in regions if r in ("tangshan", "cangzhou")]


def test_events_without_regions_go_nowhere() -> None:
    assert regions_of(canonical({"title": "x"})) == []
    assert regions_of(canonical([1, 2])) == []


def test_a_genuine_record_passes_its_own_checks() -> None:
    event = an_event({**CASE, "person": sealed_person()})
    record = parse_record(partner_headers(event, ref_of(event), SOURCE), partner_value(event))
    check_record(record, "tangshan")
    assert record.event.recorded_at == AT  # microseconds survive the trip


def test_a_record_with_changed_content_fails_its_hash() -> None:
    event = an_event(CASE)
    changed = canonical({**CASE, "cause": "伪造"})
    record = parse_record(partner_headers(event, ref_of(event), SOURCE), changed)
    with pytest.raises(Rejected, match="event hash does not match"):
        check_record(record, "tangshan")


@pytest.mark.parametrize(
    ("state", "region", "reason"),
    [
        (CASE, "cangzhou", "does not concern cangzhou"),
        ({**CASE, "person": sealed_person()}, None, "sealed personal data"),
    ],
)
def test_records_not_for_the_region_or_carrying_ciphertext_are_refused(
    state: dict[str, object], region: str | None, reason: str
) -> None:
    event = an_event(state)
    # Sent as stored (not redacted), the ciphertext would reach the partner.
    record = parse_record(partner_headers(event, ref_of(event), SOURCE), event.state)
    with pytest.raises(Rejected, match=reason):
        check_record(record, region or "tangshan")


def test_a_first_event_may_not_claim_a_predecessor() -> None:
    event = an_event(CASE)
    record = parse_record(
        partner_headers(event, ref_of(event, prev=b"\x01" * 32), SOURCE), partner_value(event)
    )
    with pytest.raises(Rejected, match="first event"):
        check_record(record, "tangshan")


def test_a_record_without_its_proof_reference_is_refused() -> None:
    event = an_event(CASE)
    with pytest.raises(Rejected, match="no proof reference"):
        parse_record(partner_headers(event, None, SOURCE), partner_value(event))
    with pytest.raises(Rejected, match="not a ledger CloudEvent"):
        parse_record([("ce_specversion", b"1.0")], b"{}")


def test_the_structured_cloudevent_says_what_the_kafka_headers_say() -> None:
    event = an_event({**CASE, "person": sealed_person()})
    ref = ref_of(event)
    document = partner_cloudevent(event, ref, SOURCE)
    headers = {k.removeprefix("ce_"): v.decode() for k, v in partner_headers(event, ref, SOURCE)}
    for key in ("id", "source", "type", "subject", "time", "leafindex", "eventhash", "prevhash"):
        assert str(document[key]) == headers[key], key
    assert document["data"] == orjson.loads(partner_value(event))


# Checkpoints --------------------------------------------------------------------------------


def leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() for i in range(n)]


def message(
    signer: Signer, tree: MerkleTree, size: int, previous: int, origin: str = "o"
) -> CheckpointMessage:
    checkpoint = signer.sign(origin, size, tree.root(size), size * 2, AT)
    proof = tree.consistency_proof(previous, size) if previous else []
    return CheckpointMessage(checkpoint, previous, proof)


def test_a_checkpoint_is_kept_when_signed_and_consistent_with_the_one_held() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    tree = MerkleTree(leaves(13))
    first = message(signer, tree, 5, 0)
    check_checkpoint(first, None, signer.public_key)
    check_checkpoint(message(signer, tree, 13, 5), first.checkpoint, signer.public_key)


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    other = Signer(Ed25519PrivateKey.generate())
    forged = message(other, MerkleTree(leaves(3)), 3, 0)
    with pytest.raises(Rejected, match="not signed by the ledger's key"):
        check_checkpoint(forged, None, signer.public_key)


def test_a_rewritten_log_is_refused_even_when_signed() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    tree = MerkleTree(leaves(13))
    first = message(signer, tree, 5, 0)
    rewritten = MerkleTree([*leaves(4), b"\x09" * 32, *leaves(13)[5:]])
    second = message(signer, rewritten, 13, 5)
    with pytest.raises(Rejected, match="not consistent"):
        check_checkpoint(second, first.checkpoint, signer.public_key)
    skipping = message(signer, tree, 13, 8)
    with pytest.raises(Rejected, match="proves consistency with tree 8"):
        check_checkpoint(skipping, first.checkpoint, signer.public_key)
    elsewhere = message(signer, tree, 13, 5, origin="another log")
    with pytest.raises(Rejected, match="another log"):
        check_checkpoint(elsewhere, first.checkpoint, signer.public_key)


def test_a_checkpoint_message_round_trips_and_garbage_is_refused() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    sent = message(signer, MerkleTree(leaves(9)), 9, 4)
    value = orjson.dumps(
        {
            **sent.checkpoint.to_json(),
            "previous_tree_size": 4,
            "consistency_proof": [h.hex() for h in sent.consistency_proof],
        }
    )
    assert CheckpointMessage.parse(value) == sent
    with pytest.raises(Rejected, match="malformed checkpoint"):
        CheckpointMessage.parse(b"{not json")
    with pytest.raises(Rejected, match="malformed checkpoint"):
        CheckpointMessage.parse(orjson.dumps({"tree_size": "x"}))
