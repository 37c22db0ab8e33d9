"""The learner's days: a learner's time zone decides where each day begins and how times are shown.

Streaks, the activity heat map, "today", the per-day aggregates and the dashboard cache's midnight
all use the learner's local calendar, so an evening session in San Francisco counts for that
evening, not for the next UTC day.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC_NAME = "UTC"
# Zone names that are aliases of others or legacy files, not places a learner would pick.
_HIDDEN_PREFIXES = ("Etc/", "SystemV/", "US/", "posix", "right/")
_HIDDEN_NAMES = {"Factory", "localtime", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "UCT", "Universal", "Zulu", "EST",
                 "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "CET", "EET", "MET", "WET"}


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """The names offered on the account page: IANA zones, UTC first."""
    aliases = _links()
    names = {n for n in available_timezones()
             if not n.startswith(_HIDDEN_PREFIXES) and n not in _HIDDEN_NAMES and "/" in n and n not in aliases}
    return (UTC_NAME, *sorted(names))


def is_known_zone(name: str | None) -> bool:
    """Any name zoneinfo knows (a browser may send an alias such as "Asia/Calcutta")."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def _links() -> dict[str, str]:
    """Alias -> canonical name, from the tz database's own list of links (tzdata.zi: "L Asia/Kolkata
    Asia/Calcutta"); empty if no copy of it is found, and then aliases are simply listed too."""
    for root in TZPATH:
        path = Path(root, "tzdata.zi")
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            break
    else:
        try:
            text = resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text(encoding="utf-8")
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            return {}
    return {parts[2]: parts[1] for line in text.splitlines() if (parts := line.split()) and parts[0] == "L" and len(parts) == 3}


def canonical_zone(name: str) -> str:
    """The tz database's own name for an alias: browsers still report legacy names (Chromium says
    "Asia/Calcutta" for "Asia/Kolkata"), which the account page's list leaves out."""
    links = _links()
    for _ in range(4):  # a link may point at another link
        if name not in links:
            break
        name = links[name]
    return name


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The zone for a stored name; UTC when unknown or unset."""
    if name and is_known_zone(name):
        return ZoneInfo(name)
    return ZoneInfo(UTC_NAME)


def local_day(when: datetime, tz: ZoneInfo) -> date:
    """The calendar day `when` falls on for someone living in `tz`."""
    return when.astimezone(tz).date()


def next_midnight(now: datetime, tz: ZoneInfo) -> datetime:
    """The next local midnight after `now`, as an aware UTC time (23, 24 or 25 hours a day apart)."""
    tomorrow = local_day(now, tz) + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=tz).astimezone(timezone.utc)


def local_time(when: datetime | None, tz: ZoneInfo, fmt: str = "%d %b %Y %H:%M") -> str:
    """`when` in the learner's zone, with the zone's abbreviation so it is never ambiguous."""
    if when is None:
        return ""
    if when.tzinfo is None:  # stored times are UTC
        when = when.replace(tzinfo=timezone.utc)
    local = when.astimezone(tz)
    return f"{local.strftime(fmt)} {local.tzname()}"


def local_date(when: datetime | None, tz: ZoneInfo, fmt: str = "%d %b %Y") -> str:
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(tz).strftime(fmt)


def viewer_zone(user=None) -> ZoneInfo:
    """The zone times are shown in: `user`'s, else the signed-in learner's, else UTC."""
    if user is None:
        from flask_login import current_user

        user = current_user
    return zone(getattr(user, "time_zone", None))


def init_app(app) -> None:
    """Template filters: `{{ attempt.submitted_at | local_time }}` -> "05 Dec 2026 17:00 PST";
    `| local_date(learner)` for a date in someone else's zone (a certificate)."""
    app.add_template_filter(lambda when, user=None, fmt="%d %b %Y %H:%M": local_time(when, viewer_zone(user), fmt),
                            "local_time")
    app.add_template_filter(lambda when, user=None, fmt="%d %b %Y": local_date(when, viewer_zone(user), fmt),
                            "local_date")
    app.add_template_global(zone_names, "time_zone_names")
