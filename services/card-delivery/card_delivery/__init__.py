"""Card delivery: issuing and mailing new residence cards."""
