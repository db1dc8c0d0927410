"""Names spliced into SQL are plain lower-case identifiers, checked before use."""

from __future__ import annotations

import pytest

from warehouse.identifiers import check_identifier, is_identifier


@pytest.mark.parametrize("name", ["customers", "stg_events", "_tmp", "count_2"])
def test_plain_lower_case_names_are_identifiers(name):
    assert is_identifier(name) and check_identifier(name, "table") == name


@pytest.mark.parametrize("name", ["Customers", "2nd", "a-b", "a b", "x;--", "", None, ["a"]])
def test_anything_else_is_refused_with_what_it_was_meant_to_be(name):
    assert not is_identifier(name)
    with pytest.raises(ValueError, match=r"^table .* is not a plain lower-case SQL identifier"):
        check_identifier(name, "table")
