"""How the cases commands are carried out."""

from __future__ import annotations
