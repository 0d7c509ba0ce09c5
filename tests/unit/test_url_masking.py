"""A channel URL shown to a person keeps enough to recognise it and none of its secrets."""

from __future__ import annotations

import pytest

from beatwatch.core.url_masking import mask_request_target, mask_url


@pytest.mark.parametrize(
    ("url", "shown", "secret"),
    [
        (
            "mailtos://alice:Secret123@mail.example.com?to=ops@example.com",
            "mailtos://alice:****@mail.example.com?to=ops@example.com",
            "Secret123",
        ),
        (
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
            "slack://T1…L2/A1…JD/TI…FQ",
            "TIiajkdnlazkcOXrIdevi7FQ",
        ),
        (
            "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-100123",
            "tgram://12…89:AA…aw/…",
            "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        ),
        (
            "ntfys://ntfy.sh/backups-Xy9Kq2LmP4",
            "ntfys://ntfy.sh/ba…P4",
            "Xy9Kq2LmP4",
        ),
        (
            "ntfys://ntfy.example.com/pager",
            "ntfys://ntfy.example.com/…",
            "pager",
        ),
        (
            "json://localhost:8080/hook?+X-Token=abcdef&method=POST",
            "json://localhost:8080/…?+X-Token=****&method=POST",
            "abcdef",
        ),
    ],
)
def test_secrets_are_hidden_and_the_rest_is_kept(url: str, shown: str, secret: str) -> None:
    assert mask_url(url) == shown
    assert secret not in mask_url(url)


def test_a_url_without_secrets_is_shown_as_it_is() -> None:
    url = "mailtos://mail.example.com?to=ops@example.com&from=beatwatch@example.com"
    assert mask_url(url) == url


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("/ping/0c6f1b2e-1111-4222-8333-444455556666/fail/3", "/ping/0c…66/fail/3"),
        (
            "/ping/Xy9Kq2LmP4abcdEFGH/nightly?create=1&rid=abc",
            "/ping/Xy…GH/nightly?create=****&rid=****",
        ),
        ("/api/v1/checks", "/api/v1/checks"),
    ],
)
def test_a_request_target_keeps_its_shape_and_hides_its_secrets(target: str, shown: str) -> None:
    assert mask_request_target(target) == shown


def test_a_huge_request_target_is_cut_short() -> None:
    assert len(mask_request_target("/ping/" + "a/" * 5000)) == 100
