"""The emulator's clock: real UTC time plus an offset that only ever moves forward.

Token expiry, search and job timestamps and quarantine progress all read this clock, so
tests and demos can skip time with ``advance`` instead of sleeping.
"""

from datetime import datetime, timedelta, timezone


class Clock:
    """UTC time that can be advanced, or frozen at a fixed moment for tests.

    Args:
        frozen_at: when given, ``now`` returns this moment (plus any advance) instead of
            following the system clock.
    """

    def __init__(self, frozen_at: datetime | None = None):
        if frozen_at is not None and frozen_at.tzinfo is None:
            frozen_at = frozen_at.replace(tzinfo=timezone.utc)
        self._frozen_at = frozen_at
        self._offset = timedelta()

    def now(self) -> datetime:
        """The current emulator time, an aware UTC datetime."""
        base = self._frozen_at or datetime.now(timezone.utc)
        return base + self._offset

    def advance(self, seconds: float) -> datetime:
        """Moves the clock forward and returns the new time.

        Raises:
            ValueError: when seconds is negative, since issued tokens and running jobs
                assume time never goes back.
        """
        if seconds < 0:
            raise ValueError("The clock only moves forward.")
        self._offset += timedelta(seconds=seconds)
        return self.now()


def naive_utc_iso(moment: datetime) -> str:
    """Vision's form for search and job dates: naive UTC with microseconds."""
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return naive.isoformat(timespec="microseconds")


def offset_iso(moment: datetime) -> str:
    """Vision's form for message dates: milliseconds and a +00:00 offset."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
