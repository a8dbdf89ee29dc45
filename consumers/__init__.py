"""What moves events: the relay to Kafka, the projection runners, partner subscribers."""
