"""The push message: title and body templates rendered for each customer of an audience.

A placeholder is ``{name}`` or ``{name|default}``. The item's own are ``{item_name}``,
``{category}`` (its last level, e.g. "fresh fruits" of "produce / fresh fruits"), ``{price}``
(two decimals) and ``{item_id}``; any other name is a customer attribute (a column of the
audience frame given to ``render_messages``, e.g. ``{segment}``), and its default is used where
the customer has none (an empty text when no default is written). Rendering is column-wise
string concatenation, never a loop over customers.

Length limits: what the common mobile platforms show before truncating (commonly cited
figures): Android about 65 characters of title and 240 of body; iOS about 178 characters of
title and body together on the lock screen. Longer messages are allowed, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import pandas as pd

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^{}]*))?\}")
ITEM_FIELDS = ("item_id", "item_name", "category", "price")
ANDROID_TITLE, ANDROID_BODY, IOS_TOTAL = 65, 240, 178
MAX_LENGTH = 1000  # refused beyond this: no platform shows it
DEFAULT_TITLE = "{item_name|Our pick} for your next basket"
DEFAULT_BODY = ("Add {item_name|it} ({category}) at {price} to your next big order. "
                "Picked for {segment|you}.")
DEFAULT_LINK = "myapp://item/{item_id}"


@dataclass(frozen=True)
class Template:
    """A checked template: literal pieces and the placeholders between them."""

    text: str
    pieces: tuple[str, ...]  # literal text, one more than fields
    fields: tuple[tuple[str, str], ...]  # (name, default)


def parse_template(text: str, what: str = "template") -> Template:
    """ValueError naming the problem: an empty or too long text, or a stray brace."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"the {what} is empty")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the {what} is {len(text):,} characters long; at most {MAX_LENGTH:,}")
    pieces, fields, at = [], [], 0
    for match in PLACEHOLDER.finditer(text):
        pieces.append(text[at:match.start()])
        fields.append((match.group(1), match.group(2) or ""))
        at = match.end()
    pieces.append(text[at:])
    stray = next((p for p in pieces if "{" in p or "}" in p), None)
    if stray is not None:
        raise ValueError(f"the {what} has a brace that is not a placeholder such as "
                         f"{{item_name}} or {{segment|friend}}: {stray.strip()!r}")
    return Template(text, tuple(pieces), tuple(fields))


def item_values(item: Mapping[str, object]) -> dict[str, str]:
    """The item's placeholder values (missing ones empty, so their defaults apply)."""
    category = str(item.get("category") or "")
    price = item.get("price_amount")
    return {
        "item_id": str(item.get("item_id") or ""),
        "item_name": str(item.get("item_name") or ""),
        "category": category.rsplit("/", 1)[-1].strip(),
        "price": f"{float(price):.2f}" if price is not None and price == price else "",
    }


def render_messages(template: str, item: Mapping[str, object],
                    customers: pd.DataFrame, what: str = "template") -> pd.Series:
    """``template`` rendered for every row of ``customers`` (index kept). ValueError for a
    placeholder that is neither an item field nor a column of ``customers``."""
    parsed = parse_template(template, what)
    values = item_values(item)
    unknown = [name for name, _ in parsed.fields
               if name not in values and name not in customers.columns]
    if unknown:
        raise ValueError(f"the {what} names {{{unknown[0]}}}, which is neither an item field "
                         f"({', '.join(ITEM_FIELDS)}) nor a customer attribute "
                         f"({', '.join(map(str, customers.columns))})")
    out = pd.Series(parsed.pieces[0], index=customers.index, dtype="object")
    for (name, default), piece in zip(parsed.fields, parsed.pieces[1:], strict=True):
        if name in values:
            out = out + (values[name] or default)
        else:
            column = customers[name].astype("object")
            text = column.where(column.notna(), "").astype(str)
            out = out + text.where(text.str.strip() != "", default)
        out = out + piece
    return out


def check_deep_link(link: str) -> str:
    """A deep link with a scheme (``myapp://item/{item_id}`` or https); ValueError otherwise."""
    parts = urlsplit((link or "").strip())
    if not parts.scheme or not (parts.netloc or parts.path):
        raise ValueError(f"the deep link {link!r} needs a scheme and a target, such as "
                         "myapp://item/{item_id} or https://shop.example/item/{item_id}")
    return link.strip()


def length_warnings(title: str, body: str) -> list[str]:
    """What the common mobile platforms would cut from this rendered title and body."""
    warnings = []
    if len(title) > ANDROID_TITLE:
        warnings.append(f"Title: {len(title)} characters; Android shows about {ANDROID_TITLE}.")
    if len(body) > ANDROID_BODY:
        warnings.append(f"Body: {len(body)} characters; Android shows about {ANDROID_BODY}.")
    if len(title) + len(body) > IOS_TOTAL:
        warnings.append(f"Title and body: {len(title) + len(body)} characters; the iOS lock "
                        f"screen shows about {IOS_TOTAL}.")
    return warnings
