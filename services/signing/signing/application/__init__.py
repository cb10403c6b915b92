"""Signing's use cases: what an event does (verify a submission, answer a data export)."""
