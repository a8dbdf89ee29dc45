"""Settings, wiring, and the scripts that start PostgreSQL and Kafka."""
