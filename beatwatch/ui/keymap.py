"""Mistakes in the [keymap] of beatwatch.toml, found before Textual silently ignores them: an
id no binding has, or a key that a remapped binding now shares with another one; and which
key a binding has under it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding
from textual.dom import DOMNode


def keymap_problems(
    keymap: Mapping[str, str], owners: Iterable[type[DOMNode]], help_key: str
) -> list[str]:
    """What is wrong with `keymap`, one sentence each, for the bindings of `owners` (the app
    and each screen or widget class). The app's bindings count on every screen, and so do
    those of the widgets a screen names in its KEYED_WIDGETS (its table). `help_key` opens
    the list of keys."""
    owners = list(owners)
    bindings = {owner: _inherited(owner) for owner in owners}
    known = {b.id for found in bindings.values() for b in found}
    problems = [
        f"no key binding has the id {binding_id!r}, so it was ignored ({help_key} lists each "
        "screen's keys with their ids)"
        for binding_id in keymap
        if binding_id not in known
    ]
    app_bindings = bindings[owners[0]] if owners else []
    for owner in owners[1:]:
        widgets: Iterable[type[DOMNode]] = getattr(owner, "KEYED_WIDGETS", ())
        held = [b for widget in widgets for b in _inherited(widget)]
        problems += _clashes(keymap, [*app_bindings, *bindings[owner], *held])
    return list(dict.fromkeys(problems))


def binding_owners(app_class: type[DOMNode]) -> list[type[DOMNode]]:
    """The app class, then every beatwatch screen and widget class that declares bindings
    (all are imported by the time the app runs)."""
    found: list[type[DOMNode]] = []
    pending = list(DOMNode.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls is not app_class and cls.__module__.startswith("beatwatch.") and _bindings(cls):
            found.append(cls)
    return [app_class, *sorted(found, key=lambda cls: cls.__qualname__)]


def as_bound(
    keymap: Mapping[str, str], owners: Iterable[type[DOMNode]], binding_id: str
) -> Binding:
    """The binding `binding_id` of `owners` with the key `keymap` gives it (the first, if it
    has several): for text that tells which key to press."""
    binding = next(b for owner in owners for b in _with_ids(owner) if b.id == binding_id)
    return binding.with_key(keymap.get(binding_id, binding.key).split(",")[0].strip())


def own_actions(owners: Iterable[type[DOMNode]]) -> frozenset[tuple[str, str]]:
    """The (action, description) of every binding `owners` declare: what tells beatwatch's
    keys from the ones Textual gives its widgets (scroll left, focus next…)."""
    return frozenset((b.action, b.description) for owner in owners for b in _bindings(owner))


def _bindings(owner: type[DOMNode]) -> list[Binding]:
    """The bindings `owner` declares itself."""
    return [b for b in owner.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


def _inherited(owner: type[DOMNode]) -> list[Binding]:
    """The bindings with ids that `owner` declares or takes from the classes it is made of
    (the keys every table screen shares)."""
    return [b for cls in owner.__mro__ for b in _with_ids(cls)]


def _with_ids(owner: type[DOMNode]) -> list[Binding]:
    """The bindings `owner` declares itself that a keymap can remap."""
    return [b for b in _bindings(owner) if b.id]


def _clashes(keymap: Mapping[str, str], bindings: list[Binding]) -> list[str]:
    """A remapped binding whose new key another binding on the same screen also uses."""
    holders: dict[str, list[str]] = {}
    for binding in bindings:
        assert binding.id is not None
        keys = keymap.get(binding.id, binding.key)
        for key in (k.strip() for k in keys.split(",")):
            holders.setdefault(key, []).append(binding.id)
    return [
        f"{key!r} is the key of both {' and '.join(ids)}: only one of them works"
        for key, ids in holders.items()
        if len(ids) > 1 and any(i in keymap for i in ids)
    ]
