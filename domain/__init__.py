"""The supervision domain: aggregates, rules, commands and the application service."""
