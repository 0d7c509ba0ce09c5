"""The token buckets behind the rate limits, driven by an explicit `now`, and the two settings
that configure them."""

from __future__ import annotations

from pathlib import Path

import pytest

from beatwatch.config import DEFAULT_API_RATE, DEFAULT_PING_RATE, load
from beatwatch.core.errors import ConfigError
from beatwatch.core.ratelimit import Rate, RateLimiter, parse_rate, retry_after

T0 = 1000.0


def spend(limiter: RateLimiter, key: str, count: int, now: float = T0) -> list[float]:
    return [limiter.take(key, now) for _ in range(count)]


def test_a_full_burst_passes_and_the_next_request_waits_for_one_token():
    limiter = RateLimiter(Rate(per_second=2, burst=5))
    assert spend(limiter, "10.0.0.1", 5) == [0.0] * 5
    assert limiter.take("10.0.0.1", T0) == pytest.approx(0.5)


def test_tokens_come_back_at_the_sustained_rate_and_never_beyond_the_burst():
    limiter = RateLimiter(Rate(per_second=2, burst=5))
    spend(limiter, "a", 5)
    assert limiter.take("a", T0 + 0.5) == 0.0  # one token back after half a second
    assert limiter.take("a", T0 + 0.5) > 0
    spend(limiter, "a", 1, now=T0 + 3600)  # an hour idle refills to the burst, no more
    assert spend(limiter, "a", 4, now=T0 + 3600) == [0.0] * 4
    assert limiter.take("a", T0 + 3600) > 0


def test_a_refused_request_does_not_push_the_wait_further_out():
    limiter = RateLimiter(Rate(per_second=1, burst=1))
    limiter.take("a", T0)
    waits = spend(limiter, "a", 50, now=T0 + 0.25)
    assert all(w == pytest.approx(0.75) for w in waits)
    assert limiter.take("a", T0 + 1.0) == 0.0


def test_one_address_over_its_limit_never_holds_back_another():
    limiter = RateLimiter(Rate(per_second=1, burst=3))
    spend(limiter, "runaway", 100)
    assert limiter.take("runaway", T0) > 0
    assert spend(limiter, "neighbour", 3) == [0.0] * 3


def test_a_clock_that_goes_backwards_adds_no_tokens():
    limiter = RateLimiter(Rate(per_second=1, burst=2))
    spend(limiter, "a", 2)
    assert limiter.take("a", T0 - 100) > 0


def test_idle_clients_are_forgotten_once_their_bucket_would_be_full_again():
    limiter = RateLimiter(Rate(per_second=10, burst=20))  # refills fully in 2 s
    for n in range(100):
        spend(limiter, f"10.0.0.{n}", 20)  # empty: two seconds from full again
    assert len(limiter) == 100
    limiter.take("10.0.1.1", T0 + 1.0)
    assert len(limiter) == 101  # the others are still refilling
    limiter.take("10.0.1.2", T0 + 2.0)
    assert len(limiter) == 1  # all full again, and forgetting them changes nothing


def test_the_table_never_grows_past_its_cap_and_drops_the_least_recently_seen():
    limiter = RateLimiter(Rate(per_second=1, burst=1), max_clients=50)
    limiter.take("busy", T0)
    for n in range(1000):
        limiter.take(f"spray-{n}", T0 + n * 0.001)
        limiter.take("busy", T0 + n * 0.001)
        assert len(limiter) <= 50
    last = T0 + 0.999
    assert limiter.take("busy", last) > 0, "a client seen all along is still remembered"
    assert limiter.take("spray-0", last) == 0.0, "the least recently seen was dropped"
    print(f"\nrate limiter: 2001 requests from 1001 addresses, table held {len(limiter)}")


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("50/s", Rate(50, 500)),
        ("600/min", Rate(10, 100)),
        ("20/s burst 100", Rate(20, 100)),
        ("20 / second, burst 5", Rate(20, 5)),
        ("3600/h", Rate(1, 10)),
        ("1/h", Rate(1 / 3600, 1)),
        ("off", None),
        ("0", None),
    ],
)
def test_rate_settings(text: str, rate: Rate | None):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["fast", "50", "50/fortnight", "-5/s", "0/s", "5/s burst 0", ""])
def test_a_bad_rate_says_what_is_accepted(text: str):
    with pytest.raises(ValueError, match=r"off|burst"):
        parse_rate(text)


def test_retry_after_is_whole_seconds_and_never_zero():
    assert [retry_after(w) for w in (0.01, 1.0, 1.2, 59.9)] == ["1", "1", "2", "60"]


def test_the_defaults_and_both_settings_from_the_config_file(tmp_path: Path):
    assert load(environ={}).ping_rate_limit == DEFAULT_PING_RATE
    assert load(environ={}).api_rate_limit == DEFAULT_API_RATE
    path = tmp_path / "beatwatch.toml"
    path.write_text('ping_rate_limit = "10/s burst 20"\napi_rate_limit = "off"\n')
    settings = load(path, environ={})
    assert settings.ping_rate_limit == Rate(10, 20)
    assert settings.api_rate_limit is None
    assert load(path, environ={"BEATWATCH_API_RATE_LIMIT": "5/s"}).api_rate_limit == Rate(5, 50)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('ping_rate_limit = "lots"', r"line 2: ping_rate_limit: 'lots' is not a rate"),
        ("api_rate_limit = 20", r"line 2: api_rate_limit must be a rate such as"),
    ],
)
def test_a_bad_rate_in_the_config_file_names_the_key_and_its_line(
    tmp_path: Path, line: str, message: str
):
    path = tmp_path / "beatwatch.toml"
    path.write_text(f'listen = "127.0.0.1:8790"\n{line}\n')
    with pytest.raises(ConfigError, match=message):
        load(path, environ={})
