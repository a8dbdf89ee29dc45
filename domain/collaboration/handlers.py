"""How the collaboration commands are carried out."""

from __future__ import annotations
