"""Push templates: placeholders of the item and of customers, defaults where values are
missing, refusals that say what is wrong, and the platforms' length limits."""

from __future__ import annotations

import pandas as pd
import pytest

from warehouse.promote.message import (
    check_deep_link,
    length_warnings,
    parse_template,
    render_messages,
)

ITEM = {"item_id": "1108", "item_name": "Organic Grapes", "category": "produce / fresh fruits",
        "price_amount": 2.5}
CUSTOMERS = pd.DataFrame({"customer_id": ["a", "b", "c"],
                          "segment": ["Champions", None, "  "]}, index=[10, 11, 12])


def test_item_and_customer_placeholders_with_defaults_where_missing():
    rendered = render_messages("{segment|Hello}: {item_name} ({category}) at {price}",
                               ITEM, CUSTOMERS)
    assert rendered.to_dict() == {
        10: "Champions: Organic Grapes (fresh fruits) at 2.50",
        11: "Hello: Organic Grapes (fresh fruits) at 2.50",
        12: "Hello: Organic Grapes (fresh fruits) at 2.50",
    }


def test_an_item_field_missing_from_the_catalogue_takes_its_default():
    item = {"item_id": "7", "item_name": None, "category": None, "price_amount": None}
    assert render_messages("{item_name|Our pick} {price|}", item, CUSTOMERS).tolist() == \
        ["Our pick "] * 3


def test_a_customer_attribute_without_default_becomes_empty():
    assert render_messages("Hi {segment}!", ITEM, CUSTOMERS).tolist() == \
        ["Hi Champions!", "Hi !", "Hi !"]


@pytest.mark.parametrize(("template", "message"), [
    ("", "is empty"),
    ("Hi {first_name}", "neither an item field"),
    ("Price {price", "brace that is not a placeholder"),
    ("x" * 1001, "at most 1,000"),
])
def test_bad_templates_are_refused_with_the_reason(template, message):
    with pytest.raises(ValueError, match=message):
        render_messages(template, ITEM, CUSTOMERS)


def test_placeholders_are_parsed_with_their_defaults():
    parsed = parse_template("{a} and {b|two words}")
    assert parsed.fields == (("a", ""), ("b", "two words"))
    assert parsed.pieces == ("", " and ", "")


def test_deep_links_need_a_scheme_and_a_target():
    assert check_deep_link(" myapp://item/{item_id} ") == "myapp://item/{item_id}"
    with pytest.raises(ValueError, match="needs a scheme"):
        check_deep_link("item/1108")


def test_length_warnings_follow_the_platforms_limits():
    assert length_warnings("t" * 65, "b" * 113) == []
    warned = length_warnings("t" * 66, "b" * 241)
    assert [w.split(":")[0] for w in warned] == ["Title", "Body", "Title and body"]
