"""``make bench``: every benchmark, each measured beside its baseline in the same run.

Absolute times drift on shared machines, so each figure is reported as a ratio against a
baseline measured moments before or after it, on the same data: the relay against raw
kafka-python producing the same records, projections against a raw consume of the same topics,
a rebuild against a raw PostgreSQL COPY of the same rows, commands over HTTP against bare
eventsourcing appends of the same events.
"""
