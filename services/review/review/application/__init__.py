"""Review's use cases: what an officer's request, an incoming event or a periodic job does."""
