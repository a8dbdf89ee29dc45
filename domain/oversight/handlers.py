"""How the oversight commands are carried out."""

from __future__ import annotations
