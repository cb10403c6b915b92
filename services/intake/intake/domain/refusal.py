"""A refusal: a message key that may carry the date from which the person may file.

It is a ``str`` (the key itself), so every place that stores or compares error keys keeps working;
``from_date`` lets the web layer say *when* the rule stops refusing ("you can apply from 2027-04-01").
"""

from __future__ import annotations

from datetime import date


class Refusal(str):
    from_date: date | None

    def __new__(cls, key: str, from_date: date | None = None) -> Refusal:
        made = super().__new__(cls, key)
        made.from_date = from_date
        return made

    def __reduce__(self) -> tuple[type[Refusal], tuple[str, date | None]]:
        return (Refusal, (str(self), self.from_date))


def from_date_of(key: str | None) -> date | None:
    """The date a refusal names, if any."""
    return key.from_date if isinstance(key, Refusal) else None
