"""Supervision and coordination: 12345 hotline tickets, meetings, suggestions, equipment."""
