"""Penalty cases (行政处罚) of both procedures, and case-file reviews (案卷评查)."""
