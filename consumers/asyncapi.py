"""The AsyncAPI 3.0 document of every Kafka topic, generated from the code that fills them.

Channels are the topics of ``consumers.topics`` (the partner topics as one channel with a
``{region}`` parameter); messages are the domain's event classes, found by walking the
aggregates, with their payload schemas from pydantic (``model_json_schema``, serialisation
mode) adjusted to what is really on the wire:

- the stored state has no ``originator_id``/``originator_version`` (they travel as the record
  key and the CloudEvents ``id``/``aggregateversion``);
- ``person`` is sealed (``SealedPersonalData``) on the ledger's topics and redacted
  (``RedactedPersonalData``) on the partner topics — ``PersonalData`` is what the sealed
  ciphertext holds;
- CloudEvents attributes are Kafka headers (binary content mode), described per message, with
  ``ce_type`` fixed to the event's type; partner records add the inclusion-proof reference.

Nothing here is written by hand but the headers, the sealed forms and the checkpoint payload
(the checkpointer's JSON, not a pydantic model).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from consumers.catalogue import events_by_topic
from consumers.checkpointer import CLOUDEVENT_TYPE as CHECKPOINT_TYPE
from consumers.envelope import TYPE_PREFIX
from consumers.partner_filter import EVENT_HASH, LEAF_INDEX, PREV_HASH, TREE_SIZE
from consumers.topics import (
    CHECKPOINT_TOPIC,
    COLLABORATION_TOPIC,
    LEDGER_TOPICS,
    PARTNER_REGIONS,
)
from domain.base import DomainEvent

ASYNCAPI_VERSION = "3.0.0"
PARTNER_CHANNEL = "partner.collaboration"
PARTNER_ADDRESS = "partner.{region}.collaboration.v1"
REF = "#/components/schemas/{model}"
_PERSONAL_REF = REF.format(model="PersonalData")
_COMPONENT_KEY = re.compile(r"^[A-Za-z0-9.\-_]+$")
_STORED_APART = ("originator_id", "originator_version")


# Schemas ----------------------------------------------------------------------------------


class WireSchema(GenerateJsonSchema):
    """Schemas of what is serialised: a field with a default is still always there."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization" and field.get("serialization_exclude_if") is None:
            return not field.get("serialization_exclude", False)
        return super().field_is_required(field, total)


def _replace_refs(schema: Any, old: str, new: str) -> Any:
    if isinstance(schema, dict):
        return {
            k: (new if k == "$ref" and v == old else _replace_refs(v, old, new))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_replace_refs(item, old, new) for item in schema]
    return schema


def payload_schema(
    cls: type[BaseModel], schemas: dict[str, Any], *, person: str = "SealedPersonalData"
) -> dict[str, Any]:
    """The schema of ``cls`` as stored, its nested models added to ``schemas``."""
    schema = cls.model_json_schema(
        mode="serialization", ref_template=REF, schema_generator=WireSchema
    )
    for name, definition in schema.pop("$defs", {}).items():
        earlier = schemas.setdefault(name, definition)
        if earlier != definition:
            raise ValueError(f"two different schemas are both called {name}")
    for name in _STORED_APART:
        schema.get("properties", {}).pop(name, None)
        if name in schema.get("required", []):
            schema["required"].remove(name)
    replaced: dict[str, Any] = _replace_refs(schema, _PERSONAL_REF, REF.format(model=person))
    return replaced


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


HEX32 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def fixed_schemas() -> dict[str, Any]:
    """The schemas not generated from pydantic models."""
    return {
        "SealedPersonalData": {
            "type": "object",
            "description": "An individual's personal data, sealed: AES-256-GCM ciphertext under "
            "the subject's data key (destroyed on a lawful erasure); the plaintext is a "
            "PersonalData.",
            "properties": {
                "subject": _string("Pseudonymous subject id (HMAC)", pattern="^[0-9a-f]{32}$"),
                "sealed": _string("Base64 of 0x01 | key id | nonce | ciphertext", format="byte"),
                "digest": {**HEX32, "description": "SHA-256 of the decoded sealed bytes"},
            },
            "required": ["subject", "sealed", "digest"],
            "additionalProperties": False,
        },
        "RedactedPersonalData": {
            "type": "object",
            "description": "An individual's personal data as partners receive it: the pseudonym "
            "and the ciphertext's digest, no ciphertext.",
            "properties": {
                "subject": _string("Pseudonymous subject id (HMAC)", pattern="^[0-9a-f]{32}$"),
                "digest": {**HEX32, "description": "SHA-256 of the sealed bytes (not sent)"},
            },
            "required": ["subject", "digest"],
            "additionalProperties": False,
        },
        "CloudEventHeaders": {
            "type": "object",
            "description": "CloudEvents 1.0 attributes as Kafka headers (binary content mode).",
            "properties": {
                "ce_specversion": {"type": "string", "const": "1.0"},
                "ce_id": _string("<aggregate id>:<version>, stable across re-publication"),
                "ce_source": _string("The ledger instance (one per jurisdiction)"),
                "ce_type": _string("cn.binhai.ledger.<event topic>"),
                "ce_subject": _string("<Aggregate>/<aggregate id>"),
                "ce_time": _string("When the database wrote the event", format="date-time"),
                "ce_position": _string(
                    "The event's position in the ledger's log", pattern=r"^\d+$"
                ),
                "ce_aggregateversion": _string("The aggregate's version", pattern=r"^\d+$"),
                "content-type": {"type": "string", "const": "application/json"},
            },
            "required": [
                "ce_specversion",
                "ce_id",
                "ce_source",
                "ce_type",
                "ce_subject",
                "ce_time",
                "ce_position",
                "ce_aggregateversion",
                "content-type",
            ],
        },
        "ProofReferenceHeaders": {
            "type": "object",
            "description": "The inclusion-proof reference of a partner record.",
            "properties": {
                LEAF_INDEX: _string(
                    "The event's leaf in the ledger's Merkle tree", pattern=r"^\d+$"
                ),
                PREV_HASH: {**HEX32, "description": "Event hash of the aggregate's previous event"},
                EVENT_HASH: {**HEX32, "description": "RFC 9162 leaf hash of the event leaf"},
                TREE_SIZE: _string(
                    "The smallest signed checkpoint covering the event when it was filtered",
                    pattern=r"^\d+$",
                ),
            },
            "required": [LEAF_INDEX, PREV_HASH, EVENT_HASH],
        },
        "CheckpointHeaders": {
            "type": "object",
            "properties": {
                "ce_specversion": {"type": "string", "const": "1.0"},
                "ce_id": _string("<origin>:checkpoint:<tree size>"),
                "ce_source": _string("The ledger instance"),
                "ce_type": {"type": "string", "const": CHECKPOINT_TYPE},
                "ce_subject": _string("checkpoints/<tree size>"),
                "ce_time": _string("When the checkpoint was signed", format="date-time"),
                "ce_treesize": _string("The checkpoint's tree size", pattern=r"^\d+$"),
                "content-type": {"type": "string", "const": "application/json"},
            },
            "required": ["ce_specversion", "ce_id", "ce_type", "ce_treesize"],
        },
        "Checkpoint": {
            "type": "object",
            "description": "A signed Merkle checkpoint of the whole log (RFC 9162 tree, "
            "Ed25519 over the C2SP tlog-checkpoint body), with the consistency proof from the "
            "previous checkpoint.",
            "properties": {
                "origin": _string("The log's name"),
                "tree_size": {"type": "integer", "minimum": 1},
                "root_hash": HEX32,
                "last_position": {
                    "type": "integer",
                    "description": "Log position of the last leaf",
                },
                "timestamp": _string("When it was signed", format="date-time"),
                "key_id": _string("First 8 bytes of SHA-256 of the public key, hex"),
                "signature": _string("Ed25519 signature of body, base64", format="byte"),
                "body": _string("The signed text"),
                "previous_tree_size": {"type": "integer", "minimum": 0},
                "consistency_proof": {"type": "array", "items": HEX32},
            },
            "required": [
                "origin",
                "tree_size",
                "root_hash",
                "last_position",
                "timestamp",
                "key_id",
                "signature",
                "body",
                "previous_tree_size",
                "consistency_proof",
            ],
        },
    }


# The document -----------------------------------------------------------------------------


def _ref(*path: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path)}


def _headers(base: str, event_type: str, *more: str) -> dict[str, Any]:
    return {
        "allOf": [
            _ref("components", "schemas", base),
            *(_ref("components", "schemas", m) for m in more),
            {"type": "object", "properties": {"ce_type": {"type": "string", "const": event_type}}},
        ]
    }


def _message(cls: type[DomainEvent], payload: str, headers: dict[str, Any]) -> dict[str, Any]:
    doc = (cls.__doc__ or "").strip()
    return {
        "name": cls.TOPIC,
        "title": cls.TOPIC,
        "summary": doc.splitlines()[0] if doc else f"{cls.TOPIC} (a ledger event)",
        "contentType": "application/json",
        "headers": headers,
        "payload": _ref("components", "schemas", payload),
        "correlationId": {"location": "$message.header#/ce_id"},
        "bindings": {"kafka": {"key": {"type": "string", "format": "uuid"}}},
    }


def asyncapi_document(
    *, prefix: str = "", bootstrap: str | None = None, version: str = "1.0.0"
) -> dict[str, Any]:
    schemas: dict[str, Any] = fixed_schemas()
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}

    by_topic = events_by_topic(prefix)
    for spec in LEDGER_TOPICS:
        topic = prefix + spec.name
        members = by_topic[topic]
        channel_messages: dict[str, Any] = {}
        for cls in members:
            schemas[cls.TOPIC] = payload_schema(cls, schemas)
            messages[cls.TOPIC] = _message(
                cls, cls.TOPIC, _headers("CloudEventHeaders", TYPE_PREFIX + cls.TOPIC)
            )
            channel_messages[cls.TOPIC] = _ref("components", "messages", cls.TOPIC)
        channels[topic] = {
            "address": topic,
            "title": spec.name,
            "description": f"The ledger's {spec.area} events, keyed by aggregate id, in order "
            "per aggregate (CloudEvents, binary mode; the value is the stored state).",
            "messages": channel_messages,
            "bindings": {
                "kafka": {"topic": topic, "partitions": spec.partitions, "bindingVersion": "0.5.0"}
            },
        }
        refs = [_ref("channels", topic, "messages", m) for m in channel_messages]
        operations[f"relay.{spec.name}"] = {
            "action": "send",
            "title": f"The relay publishes {spec.name}",
            "summary": "Every stored event, in log order, at least once.",
            "channel": _ref("channels", topic),
            "messages": refs,
        }
        operations[f"project.{spec.name}"] = {
            "action": "receive",
            "title": f"The projections consume {spec.name}",
            "summary": "Exactly once into the views (offsets stored with the views).",
            "channel": _ref("channels", topic),
            "messages": refs,
        }

    # The partner topics: the collaboration events, redacted, with the proof reference.
    collaboration = by_topic[prefix + COLLABORATION_TOPIC]
    partner_messages: dict[str, Any] = {}
    for cls in collaboration:
        redacted = payload_schema(cls, schemas, person="RedactedPersonalData")
        payload = cls.TOPIC if redacted == schemas[cls.TOPIC] else f"{cls.TOPIC}.redacted"
        schemas[payload] = redacted
        name = f"partner.{cls.TOPIC}"
        messages[name] = {
            **_message(
                cls,
                payload,
                _headers("CloudEventHeaders", TYPE_PREFIX + cls.TOPIC, "ProofReferenceHeaders"),
            ),
            "name": name,
        }
        partner_messages[name] = _ref("components", "messages", name)
    partner_address = prefix + PARTNER_ADDRESS
    channels[PARTNER_CHANNEL] = {
        "address": partner_address,
        "title": "A partner region's collaboration feed",
        "description": "The collaboration events that concern the region (their `regions` "
        "name it), personal data redacted, each with its inclusion-proof reference. One "
        "partition; written by the partner filter in Kafka transactions (read_committed).",
        "parameters": {
            "region": {
                "enum": list(PARTNER_REGIONS),
                "description": "The partner region (domain.collaboration.values.PartnerRegion)",
            }
        },
        "messages": partner_messages,
        "bindings": {"kafka": {"partitions": 1, "bindingVersion": "0.5.0"}},
    }
    partner_refs = [_ref("channels", PARTNER_CHANNEL, "messages", m) for m in partner_messages]
    operations["partner-filter.send"] = {
        "action": "send",
        "title": "The partner filter writes each region's feed",
        "summary": "Exactly once: a Kafka transaction with the consumed offsets.",
        "channel": _ref("channels", PARTNER_CHANNEL),
        "messages": partner_refs,
    }
    operations["partner.receive"] = {
        "action": "receive",
        "title": "A partner region's subscriber reads its feed",
        "summary": "Each record checked, then proven against the signed checkpoints.",
        "channel": _ref("channels", PARTNER_CHANNEL),
        "messages": partner_refs,
    }

    checkpoint_topic = prefix + CHECKPOINT_TOPIC
    messages["Checkpoint"] = {
        "name": "Checkpoint",
        "title": "Checkpoint",
        "summary": "A signed Merkle checkpoint of the whole log.",
        "contentType": "application/json",
        "headers": _ref("components", "schemas", "CheckpointHeaders"),
        "payload": _ref("components", "schemas", "Checkpoint"),
        "bindings": {"kafka": {"key": {"type": "string", "description": "The log's origin"}}},
    }
    channels[checkpoint_topic] = {
        "address": checkpoint_topic,
        "title": CHECKPOINT_TOPIC,
        "description": "Signed checkpoints, smallest tree first; verifiable with the public key.",
        "messages": {"Checkpoint": _ref("components", "messages", "Checkpoint")},
        "bindings": {
            "kafka": {"topic": checkpoint_topic, "partitions": 1, "bindingVersion": "0.5.0"}
        },
    }
    checkpoint_refs = [_ref("channels", checkpoint_topic, "messages", "Checkpoint")]
    operations["checkpointer.send"] = {
        "action": "send",
        "title": "The checkpointer publishes each checkpoint",
        "channel": _ref("channels", checkpoint_topic),
        "messages": checkpoint_refs,
    }
    operations["checkpoints.receive"] = {
        "action": "receive",
        "title": "Partners and auditors read the checkpoints",
        "channel": _ref("channels", checkpoint_topic),
        "messages": checkpoint_refs,
    }

    document: dict[str, Any] = {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Supervision ledger (行政执法监督台账) — Kafka topics",
            "version": version,
            "description": "Every topic the ledger writes: its events (CloudEvents 1.0, Kafka "
            "binding, binary mode), each partner region's redacted feed, and the signed "
            "checkpoints. Payload schemas are generated from the pydantic event models.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }
    if bootstrap:
        document["servers"] = {
            "kafka": {
                "host": bootstrap.split(",")[0].strip(),
                "protocol": "kafka",
                "description": "The configured Kafka cluster",
            }
        }
    return document


def component_keys(document: dict[str, Any]) -> Iterator[str]:
    """Every key of ``components`` sections, channels and operations (for the key rule)."""
    for section in ("schemas", "messages"):
        yield from document["components"][section]
    yield from document["channels"]
    yield from document["operations"]


def malformed_keys(document: dict[str, Any]) -> list[str]:
    return [k for k in component_keys(document) if not _COMPONENT_KEY.match(k)]
