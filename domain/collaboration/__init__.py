"""Cross-regional collaboration with partner regions (京津冀执法协作)."""
