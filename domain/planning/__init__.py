"""Inspection plans (行政检查计划), their tasks, joint-inspection matching and e-inspection certificates."""
