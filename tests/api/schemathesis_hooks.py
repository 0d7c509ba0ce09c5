"""What schemathesis is told beyond the OpenAPI document, for `schemathesis run` (through
SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks) and for the test that runs it.

Some rules JSON Schema cannot state: a grace at most half the interval, a duration string
within its bounds, a cron expression that fires, a zone that exists, a time still to come,
a channel that exists, a URL Apprise can use. The document states them in words, and the
server answers a request that breaks one with a 400 naming the field. Such a 400 for a
request the schema allows is the server keeping its rule, not the schema being loose; a
400 naming any other field still fails the run.
"""

from __future__ import annotations

import json

import schemathesis
from schemathesis.core.failures import Failure
from schemathesis.openapi.checks import RejectedPositiveData

_CHECK_RULES = frozenset(
    {
        "every_seconds",  # as a string, within 30s to 7d
        "grace_seconds",  # at most half the interval; as a string, within its bounds
        "max_duration_seconds",
        "escalate_after_seconds",  # needs escalate_to
        "escalate_to",
        "remind_every_seconds",
        "cron",  # fires at all
        "tz",  # exists here, and goes with a cron schedule
        "channels",  # exist
        "escalation_policy",  # exists
    }
)
_CHANNEL_RULES = frozenset({"url"})
RULES_BEYOND_THE_SCHEMA: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/checks"): _CHECK_RULES,
    ("PATCH", "/checks/{ref}"): _CHECK_RULES,
    ("POST", "/checks/{ref}/pause"): frozenset({"for", "paused_until"}),
    ("POST", "/windows"): frozenset({"for", "starts_at", "ends_at", "tz"}),
    ("POST", "/channels"): _CHANNEL_RULES,
    ("PATCH", "/channels/{name}"): _CHANNEL_RULES,
    # People, rotations and policies name channels, people and rotations that must exist;
    # a shift lasts at most a year, a zone and a date must be real, steps keep their order.
    ("POST", "/people"): frozenset({"channels"}),
    ("PATCH", "/people/{person}"): frozenset({"channels"}),
    ("POST", "/rotations"): frozenset({"people", "every", "tz", "start"}),
    ("PATCH", "/rotations/{rotation}"): frozenset({"people", "every", "tz", "start"}),
    ("POST", "/overrides"): frozenset({"person", "starts_at", "ends_at"}),
    ("POST", "/policies"): frozenset({"steps"}),
    ("PATCH", "/policies/{policy}"): frozenset({"steps"}),
}


@schemathesis.hook
def filter_failure(
    context: schemathesis.HookContext,
    failure: Failure,
    case: schemathesis.Case,
    response: schemathesis.Response,
) -> bool:
    """Keep every failure but a schema-valid request refused for a rule named above."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return True
    try:
        field = json.loads(response.content).get("field")
    except (ValueError, AttributeError):
        return True
    return field not in RULES_BEYOND_THE_SCHEMA.get((case.method.upper(), case.path), set())
