"""Every area of the domain, imported once so that their aggregates, commands and handlers
are registered (topics with the event store, handlers with the application service)."""

from __future__ import annotations

import domain.audit.trail
import domain.cases.handlers
import domain.collaboration.handlers
import domain.field.handlers
import domain.inspection.handlers
import domain.oversight.handlers
import domain.planning.handlers
import domain.registry.handlers  # noqa: F401
