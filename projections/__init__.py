"""Read models: one module per view, each rebuildable from the event store."""
