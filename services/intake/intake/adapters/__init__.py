"""Intake: the applicants' web front."""
