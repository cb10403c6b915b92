"""Card delivery's use cases: what an event, a mailroom button, the carrier's CSV or the deadline check does.

Each loads a case, applies one domain transition, stores it and stages its event, all in the caller's
transaction (so the state and the event commit together or not at all).
"""
