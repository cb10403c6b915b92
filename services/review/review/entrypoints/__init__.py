"""Review: the regional bureau officers' service."""
