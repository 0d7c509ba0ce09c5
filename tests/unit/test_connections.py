"""Who keeps a connection when there is no room: the idle one waiting longest goes, a busy
one never; one address can only push out its own; a trusted proxy is not counted alone."""

from __future__ import annotations

from beatwatch.web.connections import ConnectionTable


def table(total: int = 4, per_address: int = 2, proxy: str = "10.0.0.1") -> ConnectionTable[str]:
    return ConnectionTable(total, per_address, lambda address: address == proxy)


def test_over_its_cap_an_address_pushes_out_its_own_oldest_idle_connection() -> None:
    conns = table()
    conns.admit("a1", "192.0.2.1")
    conns.admit("b1", "192.0.2.2")
    conns.admit("a2", "192.0.2.1")

    admission = conns.admit("a3", "192.0.2.1")

    assert admission.admitted and admission.evict == "a1"
    assert conns.count("192.0.2.1") == 2 and len(conns) == 3


def test_an_address_whose_connections_are_all_busy_is_refused() -> None:
    conns = table()
    for name in ("a1", "a2"):
        conns.admit(name, "192.0.2.1")
        conns.busy(name)

    admission = conns.admit("a3", "192.0.2.1")

    assert not admission.admitted and "this address" in admission.reason
    assert len(conns) == 2


def test_when_full_the_connection_idle_longest_goes_and_answered_ones_count_as_fresh() -> None:
    conns = table(total=3, per_address=3)
    for name in ("old", "mid", "new"):
        conns.admit(name, f"192.0.2.{len(conns)}")
    conns.busy("old")
    conns.idle("old")  # answered a request: now the most recent idle one
    conns.busy("mid")  # being answered: never pushed out

    assert conns.admit("x", "192.0.2.9").evict == "new"
    assert conns.admit("y", "192.0.2.9").evict == "old"
    conns.busy("x")
    conns.busy("y")
    refused = conns.admit("z", "192.0.2.8")
    assert not refused.admitted and refused.reason == "too many connections"


def test_a_trusted_proxy_is_held_only_to_the_total() -> None:
    conns = table(total=5, per_address=2)
    admitted = [conns.admit(f"p{n}", "10.0.0.1") for n in range(5)]

    assert all(a.admitted and a.evict is None for a in admitted)
    assert conns.admit("p5", "10.0.0.1").evict == "p0"


def test_removing_forgets_the_connection_everywhere() -> None:
    conns = table()
    conns.admit("a1", "192.0.2.1")
    conns.remove("a1")
    conns.remove("a1")
    conns.busy("a1")
    conns.idle("a1")

    assert len(conns) == 0 and conns.count("192.0.2.1") == 0
    assert conns.admit("a2", "192.0.2.1").evict is None
