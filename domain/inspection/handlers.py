"""How the inspection commands are carried out."""

from __future__ import annotations
