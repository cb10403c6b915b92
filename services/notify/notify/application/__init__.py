"""Notify's use cases: what an event does (notices written in the applicant's language), how the sender
delivers the e-mails, and what a bounce, an export request or a closed account changes."""
