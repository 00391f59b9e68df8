"""SnapStart: ids and random sequences stay distinct across environments restored from one snapshot, and the
hooks are registered with the runtime's registry (issue 17; chalicelib/snapstart.py)."""

from __future__ import annotations

import multiprocessing
import random
from typing import Any

import snapshot_restore_py

from chalicelib import snapstart
from chalicelib.domain.ids import is_valid_id, new_id

SAME_MS = (
    1_764_600_000_000  # every copy creates its ids in the same millisecond: only randomness tells them apart
)
N = 500


def _restored_copy(queue: Any, snapshot: Any) -> None:
    """One environment restored from the snapshot: Lambda runs the after-restore hooks, then requests come."""
    # A restored copy has the snapshot's exact generator state: put it back first (a new process would
    # otherwise seed itself from the OS, which a restore does not do).
    random.setstate(snapshot)
    snapstart.register()  # the init ran before the snapshot: the hooks are registered in every copy
    for hook, args, kwargs in snapshot_restore_py.get_after_restore():
        hook(*args, **kwargs)
    queue.put(([new_id(SAME_MS) for _ in range(N)], [random.random() for _ in range(N)]))


def _restore_twice() -> list[tuple[list[str], list[float]]]:
    # The "snapshot": random's generator state, which every restored copy starts from. Fresh processes
    # ("spawn": forking the multi-threaded test worker could deadlock) are given that state.
    random.seed(1234)
    snapshot = random.getstate()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    copies = [ctx.Process(target=_restored_copy, args=(queue, snapshot)) for _ in range(2)]
    for p in copies:
        p.start()
    results = [queue.get(timeout=60) for _ in copies]
    for p in copies:
        p.join(timeout=60)
    return results


def test_the_hooks_are_registered_with_the_runtimes_registry():
    assert snapstart.register() is True
    assert any(f is snapstart.prime for f, _, _ in snapshot_restore_py.get_before_snapshot())
    assert any(f is snapstart.reseed for f, _, _ in snapshot_restore_py.get_after_restore())


def test_two_copies_restored_from_one_snapshot_create_distinct_ids():
    (ids_a, rand_a), (ids_b, rand_b) = _restore_twice()
    assert all(is_valid_id(i) for i in ids_a + ids_b)
    assert len(set(ids_a)) == N and len(set(ids_b)) == N
    assert not set(ids_a) & set(ids_b)
    # random's generator was identical in both copies at the snapshot; the after-restore hook reseeded it
    assert rand_a != rand_b


def test_without_the_reseed_hook_the_copies_would_repeat_each_other():
    """The situation the hook exists for: copies of one state draw the same 'random' numbers."""
    random.seed(1234)
    snapshot = random.getstate()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    copies = [ctx.Process(target=_draw, args=(queue, snapshot)) for _ in range(2)]
    for p in copies:
        p.start()
    first, second = queue.get(timeout=60), queue.get(timeout=60)
    for p in copies:
        p.join(timeout=60)
    assert first == second


def _draw(queue: Any, snapshot: Any) -> None:
    random.setstate(snapshot)
    queue.put([random.random() for _ in range(10)])
