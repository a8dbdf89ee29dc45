"""The AsyncAPI 3.0 document: well formed, every reference resolves, every event and topic
described, and the schemas say what is really on the wire."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.asyncapi import PARTNER_CHANNEL, asyncapi_document, malformed_keys
from consumers.catalogue import event_classes
from consumers.checkpointer import checkpoint_message
from consumers.topics import PARTNER_REGIONS, all_topics, kafka_topic_for
from domain.base import DomainEvent, recording_as
from domain.values import PartyKind
from infra.integrity.merkle import MerkleTree
from infra.integrity.signing import Signer
from infra.integrity.store import StoredCheckpoint
from infra.privacy.erasure import PersonalDataErasure
from tests.builders_cases import a_filed_case
from tests.conftest import TEST_META

DOC = asyncapi_document(prefix="", bootstrap="broker:9092")


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve at {part!r}"
        node = node[part]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    return []


def test_the_document_has_what_asyncapi_3_requires() -> None:
    assert DOC["asyncapi"] == "3.0.0"
    assert DOC["info"]["title"] and DOC["info"]["version"]
    assert DOC["servers"]["kafka"] == {
        "host": "broker:9092",
        "protocol": "kafka",
        "description": "The configured Kafka cluster",
    }
    for name, channel in DOC["channels"].items():
        assert isinstance(channel["address"], str), name
        assert channel["messages"], name
        for message in channel["messages"].values():
            assert "payload" in resolve(DOC, message["$ref"])
    for name, operation in DOC["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        channel_ref = operation["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/")
        for message in operation["messages"]:
            # An operation's messages are messages of its own channel (AsyncAPI 3 rule).
            assert message["$ref"].startswith(channel_ref + "/messages/"), name
    assert malformed_keys(DOC) == []


def test_every_reference_resolves() -> None:
    found = refs(DOC)
    assert len(found) > 300
    for ref in found:
        resolve(DOC, ref)


def test_every_event_class_of_the_domain_is_a_message_of_its_topic_s_channel() -> None:
    classes = event_classes()
    assert PersonalDataErasure.Recorded in classes
    assert len(classes) > 100
    for cls in classes:
        channel = DOC["channels"][kafka_topic_for(cls.TOPIC)]
        assert cls.TOPIC in channel["messages"], cls.TOPIC
        message = resolve(DOC, channel["messages"][cls.TOPIC]["$ref"])
        headers = message["headers"]["allOf"][-1]["properties"]["ce_type"]
        assert headers == {"type": "string", "const": f"cn.binhai.ledger.{cls.TOPIC}"}
        payload = resolve(DOC, message["payload"]["$ref"])
        assert "originator_id" not in payload["properties"]
        assert "meta" in payload["required"]


def test_every_topic_has_its_channel_and_every_partner_region_its_address() -> None:
    addresses = {c["address"] for c in DOC["channels"].values()}
    partner = DOC["channels"][PARTNER_CHANNEL]
    regions = partner["parameters"]["region"]["enum"]
    assert sorted(regions) == sorted(PARTNER_REGIONS)
    expanded = addresses | {partner["address"].replace("{region}", r) for r in regions}
    for spec in all_topics():
        assert spec.name in expanded, spec.name


def test_a_prefix_names_every_address() -> None:
    prefixed = asyncapi_document(prefix="t1.")
    assert all(c["address"].startswith("t1.") for c in prefixed["channels"].values())
    assert "servers" not in prefixed


def test_personal_data_is_sealed_on_ledger_topics_and_redacted_on_partner_topics() -> None:
    opened = DOC["components"]["schemas"]["CrossRegionalCase.Opened"]
    assert opened["properties"]["person"] == {
        "anyOf": [{"$ref": "#/components/schemas/SealedPersonalData"}, {"type": "null"}]
    }
    message = resolve(
        DOC,
        DOC["channels"][PARTNER_CHANNEL]["messages"]["partner.CrossRegionalCase.Opened"]["$ref"],
    )
    redacted = resolve(DOC, message["payload"]["$ref"])
    assert redacted["properties"]["person"]["anyOf"][0] == {
        "$ref": "#/components/schemas/RedactedPersonalData"
    }
    assert "sealed" not in DOC["components"]["schemas"]["RedactedPersonalData"]["properties"]
    # Every collaboration event, and nothing else, is on the partner channel.
    partner_messages = set(DOC["channels"][PARTNER_CHANNEL]["messages"])
    collaboration = set(DOC["channels"]["ledger.collaboration.v1"]["messages"])
    assert partner_messages == {f"partner.{t}" for t in collaboration}


def test_a_stored_event_has_exactly_the_fields_its_schema_describes() -> None:
    with recording_as(TEST_META):
        case, _ = a_filed_case(party_kind=PartyKind.CITIZEN)
    for event in case.pending_events:
        assert isinstance(event, DomainEvent)
        topic = type(event).TOPIC
        stored = event.model_dump(mode="json", exclude={"originator_id", "originator_version"})
        schema = DOC["components"]["schemas"][topic]
        assert set(stored) <= set(schema["properties"]), topic
        assert set(schema["required"]) <= set(stored), topic


def test_the_checkpoint_schema_is_the_checkpointer_s_message() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    tree = MerkleTree([bytes(32)] * 3)
    stored = StoredCheckpoint(
        signer.sign("/ledgers/t", 3, tree.root(), 7, datetime.now(UTC)), [bytes(32)]
    )
    message = checkpoint_message(stored, 1)
    schema = DOC["components"]["schemas"]["Checkpoint"]
    assert set(message) == set(schema["properties"]) == set(schema["required"])


@pytest.mark.parametrize("section", ["schemas", "messages"])
def test_components_are_all_used(section: str) -> None:
    used = {r.rsplit("/", 1)[-1] for r in refs({k: v for k, v in DOC.items() if k != "components"})}
    used |= {r.rsplit("/", 1)[-1] for r in refs(DOC["components"])}
    unused = set(DOC["components"][section]) - used
    assert unused <= {"PersonalData"}  # the plaintext inside a sealed value, for reference
