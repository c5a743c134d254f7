"""System checks of the API-metrics limits read from the environment: a value out of range
stops ``manage.py check`` (and every server start) instead of misbehaving later."""

from django.conf import settings
from django.core.checks import Error, register

from apimetrics.keys import MAX_GRACE_HOURS
from apimetrics.models import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS

# setting: (lowest, highest, why the bound)
BOUNDS = {
    "APIMETRICS_RATE_LIMIT_PER_MINUTE": (1, None, "a key must be able to send an event"),
    "APIMETRICS_MAX_BATCH": (1, None, "a request must be able to hold an event"),
    "APIMETRICS_KEY_GRACE_HOURS": (0, MAX_GRACE_HOURS, "what a rotation may ask for"),
    "APIMETRICS_RETENTION_DAYS": (
        MIN_RETENTION_DAYS,
        MAX_RETENTION_DAYS,
        "late events re-roll minutes up to 7 days old from the raw events",
    ),
}


@register()
def limits(app_configs, **kwargs) -> list[Error]:
    errors = []
    for index, (name, (lowest, highest, why)) in enumerate(BOUNDS.items(), start=1):
        value = getattr(settings, name)
        # "not (…)" also refuses NaN, which every comparison fails.
        if not (lowest <= value and (highest is None or value <= highest)):
            span = f"at least {lowest}" if highest is None else f"from {lowest} to {highest}"
            errors.append(Error(f"{name} is {value}: it must be {span} ({why}).", id=f"apimetrics.E00{index}"))
    return errors
