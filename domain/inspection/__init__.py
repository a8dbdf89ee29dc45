"""Inspections (行政检查): started under dual certificates, evidence, conclusion, refusal."""
