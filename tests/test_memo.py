"""newsroom.memo: the bounded in-process memory behind the page cache's tag memory and pictures."""

from newsroom.memo import BoundedMemo


def test_it_forgets_the_oldest_entries_beyond_its_size():
    memo = BoundedMemo(2)
    memo.set("a", 1)
    memo.set("b", 2)
    memo.set("a", 10)  # known: replaced, nothing forgotten
    memo.set("c", 3)

    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (None, 2, 3)
    assert len(memo) == 2
