"""healthchecks' integrations as Apprise URLs, each checked by Apprise itself."""

from __future__ import annotations

import json

import pytest

from beatwatch.core.healthchecks_channels import Converted, NotConverted, convert
from beatwatch.engine.apprise_sender import validate_url

MAIL = "mailtos://user:pass@smtp.example.com?from=bw@example.com"


@pytest.mark.parametrize(
    ("kind", "value", "url"),
    [
        ("slack", "https://hooks.slack.com/services/T0/B0/XXXX", "slack://T0/B0/XXXX"),
        (
            "slack",
            json.dumps({"incoming_webhook": {"url": "https://hooks.slack.com/services/T0/B0/X"}}),
            "slack://T0/B0/X",
        ),
        (
            "discord",
            json.dumps({"webhook": {"url": "https://discord.com/api/webhooks/123/tok"}}),
            "discord://123/tok",
        ),
        (
            "mattermost",
            "https://chat.example.com/hooks/abcdefgh",
            "mmosts://chat.example.com/abcdefgh",
        ),
        (
            "ntfy",
            json.dumps(
                {"topic": "ops", "url": "https://ntfy.example.com", "priority": 5, "token": "tk"}
            ),
            "ntfys://ntfy.example.com/ops?priority=max&token=tk",
        ),
        (
            "gotify",
            json.dumps({"url": "https://gotify.example.com/", "token": "AbC"}),
            "gotifys://gotify.example.com/AbC",
        ),
        (
            "webhook",
            json.dumps({"url_down": "https://hooks.example.com/down", "method_down": "POST"}),
            "jsons://hooks.example.com/down",
        ),
        (
            "email",
            json.dumps({"value": "ops@example.com", "up": True, "down": True}),
            "mailtos://user:pass@smtp.example.com?from=bw%40example.com&to=ops%40example.com",
        ),
        ("apprise", "tgram://123:abc/456", "tgram://123:abc/456"),
    ],
)
def test_what_apprise_can_express_becomes_its_url(kind, value, url):
    converted = convert(kind, value, MAIL)
    assert isinstance(converted, Converted) and converted.url == url
    validate_url(converted.url)


@pytest.mark.parametrize(
    ("kind", "value", "mail", "why"),
    [
        ("telegram", '{"id": 42}', None, "healthchecks' own bot token"),
        ("po", "user|0|0", None, "healthchecks' own app token"),
        ("email", "ops@example.com", None, "--mail-via"),
        ("sms", "+15550100", None, "no conversion for healthchecks' 'sms'"),
        ("slack", None, None, "dumpdata api.channel"),
        ("webhook", json.dumps({"url_down": ""}), None, "no http(s) URL"),
    ],
)
def test_the_rest_is_listed_with_why(kind, value, mail, why):
    converted = convert(kind, value, mail)
    assert isinstance(converted, NotConverted) and why in converted.reason
