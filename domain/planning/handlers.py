"""How the planning commands are carried out."""

from __future__ import annotations
