"""
Attribute text → the JSON value Split stores, one converter per :class:`~compile.fields.rules.Kind`
(``field.to_json(field.from_json(deserialize_field(field, text)))``, without the XBlock classes).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .rules import DATE_FIELDS, Kind

__all__ = ["CONVERTERS", "InvalidValue", "parse_iso", "string_value", "to_structure_value", "usage_reference"]


def to_structure_value(name: str, value: Any) -> Any:
    """
    The value as a Split document holds it: a Date field's ISO string becomes a tz-aware UTC
    datetime (Split stores dates natively); everything else, and a string that does not parse as
    ISO-8601 (left for ``Date.from_json`` to read), is returned unchanged.
    """
    if name in DATE_FIELDS and isinstance(value, str):
        moment = parse_iso(value)
        if moment is not None:
            return moment
    return value


# --- values -----------------------------------------------------------------------------------


class InvalidValue(ValueError):
    """A value its field's type cannot hold."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _loads(raw: str) -> tuple[bool, Any]:
    """``deserialize_field``'s first step: the attribute as JSON, if it is JSON."""
    try:
        return True, json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False, None


def parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def string_value(raw: str) -> Any:
    loaded, value = _loads(raw)
    if loaded and (value is None or isinstance(value, str)):
        return value
    return raw


def _boolean(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded or isinstance(value, str):
        text = (value if loaded else raw).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise InvalidValue(raw)
    if value is None:
        return False  # Boolean.from_json(None)
    if isinstance(value, bool | int | float):
        return bool(value)
    raise InvalidValue(raw)


def _number(raw: str, cast: Callable[[Any], int | float]) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidValue(raw)
    try:
        number = cast(value)
    except (ValueError, OverflowError):
        raise InvalidValue(raw) from None
    if not math.isfinite(number):
        raise InvalidValue(raw)
    return number


def _integer(raw: str) -> Any:
    return _number(raw, int)


def _float(raw: str) -> Any:
    return _number(raw, float)


def _date(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if value is None or value == "":
        return None
    moment: datetime | None = None
    if isinstance(value, str):
        moment = parse_iso(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:  # Date.from_json reads a number as milliseconds since the epoch
            moment = datetime.fromtimestamp(value / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            moment = None
    if moment is None:
        raise InvalidValue(raw)
    return moment.isoformat()


_TIMEDELTA: Final = re.compile(
    r"^(?:(?P<days>\d+) days?)?\s?(?:(?P<hours>\d+) hours?)?\s?"
    r"(?:(?P<minutes>\d+) minutes?)?\s?(?:(?P<seconds>\d+) seconds?)?$"
)


def _timedelta(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if value is None:
        return None
    match = _TIMEDELTA.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidValue(raw)
    try:
        span = timedelta(**{unit: int(count) for unit, count in match.groupdict().items() if count})
    except OverflowError:
        raise InvalidValue(raw) from None
    # Timedelta.to_json, as Split stores it: "1 day 2 hours" is "1 days 7200 seconds".
    return " ".join(
        f"{count} {unit}" for unit, count in (("days", span.days), ("seconds", span.seconds)) if count
    )


_CLOCK: Final = re.compile(r"^(\d{1,2}):(\d{1,2}):(\d{1,2})$")


def _relative_time(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if not value:  # RelativeTime.from_json: anything falsy is 0
        span = timedelta(0)
    elif isinstance(value, float):
        span = timedelta(seconds=value)
    elif isinstance(value, str) and (clock := _CLOCK.match(value)):
        hours, minutes, seconds = (int(part) for part in clock.groups())
        if hours > 23 or minutes > 59 or seconds > 61:  # time.strptime("%H:%M:%S") limits
            raise InvalidValue(raw)
        span = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    else:
        raise InvalidValue(raw)
    if span < timedelta(0) or span.total_seconds() > 86400:
        raise InvalidValue(raw)
    text = str(span)
    return "0" + text if len(text) == 7 else text  # RelativeTime.to_json: "HH:MM:SS"


def _dict(raw: str) -> Any:
    loaded, value = _loads(raw)
    if loaded and (value is None or isinstance(value, dict)):
        return value
    raise InvalidValue(raw)


def _list(raw: str) -> Any:
    loaded, value = _loads(raw)
    if loaded and (value is None or isinstance(value, list)):
        return value
    raise InvalidValue(raw)


def _group_access(raw: str) -> Any:
    value = _dict(raw)
    if value is None:
        return None
    try:  # GroupAccessDict: int(key) on read, str(key) on write
        access = {str(int(key)): groups for key, groups in value.items()}
    except ValueError:
        raise InvalidValue(raw) from None
    for groups in access.values():  # the LMS iterates the group ids: a string would be its characters
        if not isinstance(groups, list) or not all(type(group) is int for group in groups):
            raise InvalidValue(raw)
    return access


_RANDOMIZATION_ALIASES: Final = {"": "always", "true": "always", "false": "per_student"}


def _randomization(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if value is None:
        return None
    if isinstance(value, bool):
        # deserialize_field keeps the JSON bool and Randomization.from_json passes it through: Split
        # stores true/false as Studio's import read them (the LMS reads true as "always").
        return value
    if isinstance(value, str):
        return _RANDOMIZATION_ALIASES.get(value, value)
    raise InvalidValue(raw)


def usage_reference(text: str) -> list[str] | None:
    """``block-v1:ORG+COURSE+RUN+type@T+block@ID`` or ``i4x://org/course/T/ID`` → ``[T, ID]``."""
    text = text.strip()
    if text.startswith(("block-v1:", "lib-block-v1:")):
        parts = dict(part.split("@", 1) for part in text.split(":", 1)[1].split("+") if "@" in part)
        block_type, block_id = parts.get("type"), parts.get("block")
        return [block_type, block_id] if block_type and block_id else None
    if text.startswith("i4x://"):
        parts_list = text[len("i4x://") :].split("/")
        if len(parts_list) == 4 and parts_list[2] and parts_list[3]:
            return [parts_list[2], parts_list[3].split("@", 1)[0]]
    return None


def _reference_dict(raw: str) -> Any:
    value = _dict(raw)
    if value is None:
        return None
    references = {}
    for key, location in value.items():
        reference = usage_reference(location) if isinstance(location, str) else None
        if reference is None:
            raise InvalidValue(raw)
        references[key] = reference
    return references


def _reference_list(raw: str) -> Any:
    value = _list(raw)
    if value is None:
        return None
    references = [usage_reference(item) if isinstance(item, str) else None for item in value]
    if any(reference is None for reference in references):
        raise InvalidValue(raw)
    return references


def _any(raw: str) -> Any:
    loaded, value = _loads(raw)
    return value if loaded else raw


CONVERTERS: Final[dict[Kind, Callable[[str], Any]]] = {
    Kind.STRING: string_value,
    Kind.BOOLEAN: _boolean,
    Kind.INTEGER: _integer,
    Kind.FLOAT: _float,
    Kind.DATE: _date,
    Kind.TIMEDELTA: _timedelta,
    Kind.RELATIVE_TIME: _relative_time,
    Kind.DICT: _dict,
    Kind.LIST: _list,
    Kind.GROUP_ACCESS: _group_access,
    Kind.RANDOMIZATION: _randomization,
    Kind.REFERENCE_DICT: _reference_dict,
    Kind.REFERENCE_LIST: _reference_list,
    Kind.ANY: _any,
}
