"""The Kafka topic layout: one topic per kind of act, keyed by aggregate id.

| topic | what | partitions |
|---|---|---|
| ``ledger.registry.v1`` | agencies, entities, inspection items, exemption lists, grid cells | 6 |
| ``ledger.officers.v1`` | officers and their enforcement certificates | 6 |
| ``ledger.plans.v1`` | inspection plans, tasks, draws, matching, e-inspection certificates | 6 |
| ``ledger.inspections.v1`` | inspections | 6 |
| ``ledger.patrols.v1`` | area patrols | 6 |
| ``ledger.cases.v1`` | penalty cases and case-file reviews | 6 |
| ``ledger.oversight.v1`` | hotline tickets, meetings, suggestions, equipment | 6 |
| ``ledger.collaboration.v1`` | joint actions and cases with partner regions | 6 |
| ``ledger.audit.v1`` | auditors' reads of records (who looked at what, when) | 6 |
| ``ledger.privacy.v1`` | records of lawful erasures of personal data (subject ids only) | 1 |
| ``partner.<region>.collaboration.v1`` | a partner region's own feed, redacted | 1 |
| ``ledger.checkpoints.v1`` | signed Merkle checkpoints of the whole log | 1 |

Every partner region of ``domain.collaboration.values.PartnerRegion`` has its partner topic
(written by the partner filter, ``consumers/partner_filter.py``); one partition each, so a
partner reads each aggregate's events in order.

Six partitions for every kind of act: 1, 2, 3 or 6 projection runners of one group, or relay
shards (``ledger relay --shard I/N``), share them evenly (with three, two runners split them
2:1; the benchmark's two projectors went from ≈ 13,000 to 18,000 or more events/s when the
officers' topic went from three to six). Topics that exist already keep their count.

Topics are created by the project with these partition counts (``ensure_topics``, run by
``ledger topics`` as the one principal allowed to create them, see ``docs/kafka-acls.md``),
never by auto-creation; the other processes only check that the topics they use exist
(``require_topics``) and stop with an error naming ``ledger topics`` if not. Each
aggregate's events share a key (its id), so they stay in one partition in order; the relay's
idempotent producer keeps that order through retries.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

from eventsourcing.utils import resolve_topic

from domain.collaboration.values import PartnerRegion

PARTNER_REGIONS = tuple(region.value for region in PartnerRegion)
CHECKPOINT_TOPIC = "ledger.checkpoints.v1"
COLLABORATION_TOPIC = "ledger.collaboration.v1"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    area: str


LEDGER_TOPICS = [
    TopicSpec("ledger.registry.v1", 6, "registry"),
    TopicSpec("ledger.officers.v1", 6, "officers"),
    TopicSpec("ledger.plans.v1", 6, "planning"),
    TopicSpec("ledger.inspections.v1", 6, "inspection"),
    TopicSpec("ledger.patrols.v1", 6, "field"),
    TopicSpec("ledger.cases.v1", 6, "cases"),
    TopicSpec("ledger.oversight.v1", 6, "oversight"),
    TopicSpec(COLLABORATION_TOPIC, 6, "collaboration"),
    TopicSpec("ledger.audit.v1", 6, "audit"),
    TopicSpec("ledger.privacy.v1", 1, "privacy"),
]


def partner_topic(region: str, prefix: str = "") -> str:
    """The Kafka topic of a partner region's feed (``partner.<region>.collaboration.v1``)."""
    return f"{prefix}partner.{region}.collaboration.v1"


PARTNER_TOPICS = [TopicSpec(partner_topic(region), 1, "partner") for region in PARTNER_REGIONS]
CHECKPOINT_TOPICS = [TopicSpec(CHECKPOINT_TOPIC, 1, "checkpoints")]
RESERVED_TOPICS = [*CHECKPOINT_TOPICS, *PARTNER_TOPICS]
PARTNER_FILTER_TOPICS = [t for t in LEDGER_TOPICS if t.name == COLLABORATION_TOPIC] + PARTNER_TOPICS
"""What the partner filter reads and writes."""
_BY_AREA = {t.area: t.name for t in LEDGER_TOPICS}
# Officers and their certificates are an act of their own in the report (issued / revoked).
_AGGREGATE_AREA = {"Officer": "officers", "CertificateNumber": "officers"}
_cache: dict[str, str] = {}


def kafka_topic_for(event_topic: str, prefix: str = "") -> str:
    """The Kafka topic of a stored event's topic (``Inspection.Concluded`` -> inspections).

    ``prefix`` namespaces every topic (several ledgers or test runs on one cluster).
    """
    aggregate = event_topic.split(".", 1)[0]
    found = _cache.get(aggregate)
    if found is None:
        area = _AGGREGATE_AREA.get(aggregate)
        if area is None:
            module: str = resolve_topic(aggregate).__module__  # domain.<area>.<aggregate>
            area = module.split(".")[1]
        found = _cache[aggregate] = _BY_AREA[area]
    return prefix + found


def all_topics() -> list[TopicSpec]:
    return [*LEDGER_TOPICS, *RESERVED_TOPICS]


def ensure_topics(
    bootstrap: str,
    *,
    prefix: str = "",
    replication: int = 1,
    specs: list[TopicSpec] | None = None,
) -> list[str]:
    """Create the topics that do not exist yet (named ``prefix + name``); the names created."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka.admin import KafkaAdminClient, NewTopic
        from kafka.errors import TopicAlreadyExistsError

    wanted = specs or all_topics()
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="ledger-admin")
    try:
        existing = set(admin.list_topics())
        missing = [t for t in wanted if prefix + t.name not in existing]
        created: list[str] = []
        for spec in missing:
            name = prefix + spec.name
            try:
                admin.create_topics(
                    [
                        NewTopic(
                            name=name,
                            num_partitions=spec.partitions,
                            replication_factor=replication,
                        )
                    ]
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass  # another process created it meanwhile: that is what we wanted
        return created
    finally:
        admin.close()


class TopicsMissing(ValueError):
    """Topics a process needs do not exist (``ledger topics`` creates them)."""


def require_topics(
    bootstrap: str,
    *,
    prefix: str = "",
    specs: list[TopicSpec],
    client_id: str = "ledger",
    patience: float = 10.0,
) -> None:
    """Check that the topics of ``specs`` exist; ``TopicsMissing`` naming them if not.

    Only a look at the cluster's metadata (Describe): a process allowed to read or write its
    topics may not create them, and should not try (it would fail on every start). Topics
    created a moment ago may take a moment to show in a broker's metadata: missing ones are
    looked for again for up to ``patience`` seconds.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka import KafkaConsumer

    deadline = time.monotonic() + patience
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id=client_id)
    try:
        while True:
            existing = consumer.topics()
            missing = [prefix + t.name for t in specs if prefix + t.name not in existing]
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        consumer.close()
    if missing:
        raise TopicsMissing(
            f"Kafka topics missing: {', '.join(missing)}; create them with `ledger topics`"
        )
