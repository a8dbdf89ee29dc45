"""Audit: case-history replay, the case-file export, and the trail of who read what."""
