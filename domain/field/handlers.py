"""How the field commands are carried out."""

from __future__ import annotations
