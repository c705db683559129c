"""The three-way merge of article contents: one side's change kept, both sides' changes a conflict."""

from articles.merge import Conflict, three_way_merge

BASE = {"headline": "Bridge opens", "summary": "In May.", "authors": [1, 2], "section": 3}


def test_a_field_only_one_side_changed_is_taken_from_that_side():
    theirs = {**BASE, "summary": "In June."}
    mine = {**BASE, "headline": "Bridge date set"}

    result = three_way_merge(BASE, theirs, mine)

    assert result.merged == {**BASE, "summary": "In June.", "headline": "Bridge date set"}
    assert result.conflicts == {}
    assert result.taken_from_theirs == ["summary"]


def test_a_field_both_sides_changed_differently_is_a_conflict_left_out_of_merged():
    theirs = {**BASE, "summary": "In June.", "section": 4}
    mine = {**BASE, "summary": "In July."}

    result = three_way_merge(BASE, theirs, mine)

    assert result.conflicts == {"summary": Conflict("summary", "In May.", "In June.", "In July.")}
    assert "summary" not in result.merged
    assert result.merged["section"] == 4


def test_the_same_change_on_both_sides_is_no_conflict():
    same = {**BASE, "summary": "In June."}

    result = three_way_merge(BASE, same, dict(same))

    assert result.conflicts == {}
    assert result.merged == same
    assert result.taken_from_theirs == []


def test_ordered_relations_are_compared_as_whole_lists():
    reordered = {**BASE, "authors": [2, 1]}
    added = {**BASE, "authors": [1, 2, 5]}

    assert three_way_merge(BASE, reordered, dict(BASE)).merged["authors"] == [2, 1]
    assert three_way_merge(BASE, reordered, added).conflicts["authors"] == Conflict(
        "authors", [1, 2], [2, 1], [1, 2, 5]
    )


def test_fields_limits_the_merge_and_a_missing_key_counts_as_none():
    # A field added to revisions later is missing from an old base revision.
    theirs = {**BASE, "publish_at": "2026-05-01T09:00:00+00:00"}

    result = three_way_merge(BASE, theirs, dict(BASE), fields=["headline", "publish_at"])

    assert result.merged == {"headline": "Bridge opens", "publish_at": "2026-05-01T09:00:00+00:00"}
    assert result.taken_from_theirs == ["publish_at"]
