"""/metrics read by Prometheus's own text parser: per-check state, age of the last ping, run
duration, totals by state, and the engine's counters."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import Api


async def test_metrics_parse_and_tell_each_checks_state(api: Api) -> None:
    backup = await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600}, 201)
    await api.ok("POST", "/checks", {"name": "report", "every_seconds": 3600}, 201)
    await api.ping(backup["uuid"], "/start")
    await api.ping(backup["uuid"], "/fail/3")
    async with api.session.get(f"{api.base}/ping/00000000-0000-4000-8000-000000000000") as r:
        assert r.status == 200

    reply = await api.call("GET", "/metrics", token="ro")
    assert reply.status == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert value("beatwatch_check_state", check="backup", state="failing") == 1
    assert value("beatwatch_check_state", check="backup", state="up") == 0
    assert value("beatwatch_check_state", check="report", state="new") == 1
    assert 0 <= value("beatwatch_check_seconds_since_last_ping", check="backup") < 60
    assert value("beatwatch_check_last_duration_seconds", check="backup") >= 0
    assert value("beatwatch_checks", state="failing") == 1
    assert value("beatwatch_checks", state="new") == 1
    assert value("beatwatch_pings_received_total") == 3
    assert value("beatwatch_unknown_pings_total") == 1
    assert value("beatwatch_storage_ok") == 1
    # This engine is the one node on its database: it holds both duties.
    [node] = {dict(labels)["node"] for name, labels in samples if name.startswith("beatwatch_node")}
    assert value("beatwatch_node_duty_held", node=node, duty="evaluate") == 1
    assert value("beatwatch_node_duty_held", node=node, duty="dispatch") == 1
    assert abs(value("beatwatch_node_clock_offset_seconds", node=node)) < 1
