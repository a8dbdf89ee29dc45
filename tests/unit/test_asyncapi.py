"""The AsyncAPI 3.0 document: well formed, every reference resolves, every event and topic
described, and the schemas say what is really on the wire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match

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


# The official JSON Schema of AsyncAPI 3.0.0: schemas/3.0.0-without-$id.json of the npm package
# @asyncapi/specs 6.11.1 (Apache-2.0, github.com/asyncapi/spec-json-schemas), unmodified; the
# "without $id" form has every definition inline, so it validates offline.
SPEC_SCHEMA = Path(__file__).parent.parent / "data" / "asyncapi-3.0.0.json"


@cache
def spec_validator() -> Draft7Validator:
    schema = orjson.loads(SPEC_SCHEMA.read_bytes())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def spec_errors(document: dict[str, Any]) -> list[str]:
    """What the official schema finds wrong with ``document`` (as it goes on the wire)."""
    wire = orjson.loads(orjson.dumps(document))
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {best_match([error]).message}"
        for error in spec_validator().iter_errors(wire)
    ]


def test_the_document_is_valid_against_the_official_asyncapi_3_schema() -> None:
    assert spec_errors(DOC) == []


def one_channel(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` cut to its first channel and operation (the schema checks each part on
    its own, and the whole document takes seconds to validate)."""
    cut: dict[str, Any] = orjson.loads(orjson.dumps(document))
    for part in ("channels", "operations"):
        first = next(iter(cut[part]))
        cut[part] = {first: cut[part][first]}
    cut["components"] = {}
    return cut


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("info"),
        lambda d: d.update(asyncapi="2.6.0"),
        lambda d: next(iter(d["channels"].values())).update(address=7),
        lambda d: next(iter(d["operations"].values())).update(action="publish"),
        lambda d: d["servers"]["kafka"].pop("protocol"),
    ],
)
def test_the_official_schema_catches_a_broken_document(
    breakage: Callable[[dict[str, Any]], object],
) -> None:
    broken = one_channel(DOC)
    assert spec_errors(broken) == []
    breakage(broken)
    assert spec_errors(broken)


def test_what_the_schema_cannot_say() -> None:
    assert DOC["servers"]["kafka"]["host"] == "broker:9092"
    for name, operation in DOC["operations"].items():
        channel_ref = operation["channel"]["$ref"]
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
