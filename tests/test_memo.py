"""newsroom.memo: the bounded in-process memory behind the page cache's tag memory and pictures."""

import threading

from newsroom.memo import BoundedMemo


def test_it_forgets_the_oldest_entries_beyond_its_size():
    memo = BoundedMemo(2)
    memo.set("a", 1)
    memo.set("b", 2)
    memo.set("a", 10)  # known: replaced, nothing forgotten
    memo.set("c", 3)

    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (None, 2, 3)
    assert len(memo) == 2


def test_threads_can_share_it():
    memo = BoundedMemo(50)
    errors = []

    def fill(offset):
        try:
            for n in range(2_000):
                memo.set(offset + n, n)
                memo.get(offset + n - 1)
        except Exception as error:  # noqa: BLE001 - any error from a race is the failure
            errors.append(error)

    threads = [threading.Thread(target=fill, args=(offset,)) for offset in range(0, 40_000, 10_000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(memo) == 50
