"""The header's line about the nodes on the database: nothing for a node alone, else who
holds each duty, whose clock is off, and what nobody holds."""

from __future__ import annotations

from beatwatch.service.cluster import NodeStatus, cluster_summary
from beatwatch.store.node_rows import NodeRow


def node(host: str, *duties: str, offset: float = 0.0, alive: bool = True) -> NodeStatus:
    row = NodeRow(f"{host}-1", host, 100, "0.0.0.0:8790", 0.0, 0.0, offset)
    return NodeStatus(row, duties, alive)


def test_a_node_alone_and_on_time_says_nothing_nor_does_no_node():
    assert cluster_summary([node("mon1", "evaluate", "dispatch")], []) == ""
    assert cluster_summary([node("mon1", alive=False)], ["evaluate", "dispatch"]) == ""


def test_several_nodes_say_who_holds_each_duty_and_whose_clock_is_off():
    nodes = [
        node("mon1", "evaluate"),
        node("mon2", "dispatch", offset=-4.2),
        node("mon3", alive=False),
    ]
    assert cluster_summary(nodes, []) == (
        "2 nodes · deadlines on mon1, alerts on mon2 · mon2's clock is off"
    )
    assert cluster_summary([node("mon1", "evaluate"), node("mon2")], ["dispatch"]) == (
        "2 nodes · deadlines on mon1, nobody sends alerts"
    )


def test_one_node_holding_both_duties_is_said_once():
    nodes = [node("mon1", "evaluate", "dispatch"), node("mon2")]
    assert cluster_summary(nodes, []) == "2 nodes · duties on mon1"
