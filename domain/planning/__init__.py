"""Inspection plans (行政检查计划) and their tasks, joint-inspection matching and
e-inspection certificates (电子检查证)."""
