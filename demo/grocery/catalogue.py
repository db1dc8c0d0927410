# AISLES is a data table, one aisle per line: long lines read best there.
# ruff: noqa: E501
"""The grocery catalogue: about 50,000 products in departments and aisles, with readable names.

``AISLES`` lists 21 departments and their aisles; each aisle names a few kinds of product and a
median price. A product is a brand, a qualifier, a kind and a pack size — "Meadow Lane Organic
Whole Milk 1L" — every name distinct. Aisles hold products in proportion to a lognormal weight;
prices scatter lognormally around the aisle's median by pack size. Popularity is Zipf-like within
an aisle, and aisles are weighted as grocery baskets are (fresh produce and dairy far ahead of
baby food and pets), so a few thousand products make most of the sales, as in public grocery
data. Rebuilt from the seed alone; ``items.csv`` is this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

N_ITEMS = 49_688  # products, as in the public Instacart data
POPULARITY_EXPONENT = 1.05  # within an aisle, weight ∝ rank ** -exponent

# department / aisle: kinds of product @ median price; aisle weight in baskets (relative)
AISLES = """
produce / fresh fruits: Bananas; Apples; Pears; Grapes; Oranges; Lemons; Strawberries; Blueberries @ 2.5 * 10
produce / fresh vegetables: Carrots; Onions; Broccoli; Spinach; Potatoes; Tomatoes; Cucumbers; Peppers @ 2.0 * 9
produce / packaged vegetables fruits: Baby Carrots; Sugar Snap Peas; Green Beans; Cherry Tomatoes; Fruit Salad @ 2.6 * 5
produce / fresh herbs: Basil; Parsley; Coriander; Mint; Dill; Chives @ 1.4 * 1.5
produce / packaged salads: Mixed Leaf Salad; Baby Spinach Salad; Rocket Salad; Caesar Salad Kit @ 2.8 * 2
dairy eggs / milk: Whole Milk; Semi Skimmed Milk; Skimmed Milk; Lactose Free Milk; Chocolate Milk @ 1.3 * 4.5
dairy eggs / yogurt: Greek Yogurt; Natural Yogurt; Strawberry Yogurt; Vanilla Yogurt; Kefir @ 1.8 * 4.5
dairy eggs / cheese: Cheddar; Mozzarella; Gouda; Brie; Parmesan; Feta; Cream Cheese @ 3.4 * 3.5
dairy eggs / eggs: Free Range Eggs; Large Eggs; Organic Eggs; Quail Eggs @ 2.8 * 2
dairy eggs / butter: Salted Butter; Unsalted Butter; Spreadable Butter; Margarine @ 2.4 * 1.5
dairy eggs / cream: Double Cream; Single Cream; Sour Cream; Creme Fraiche; Whipping Cream @ 1.6 * 1.2
dairy eggs / plant milk: Oat Milk; Almond Milk; Soya Milk; Coconut Drink; Rice Drink @ 1.9 * 2
bakery / bread: White Bread; Wholemeal Bread; Sourdough Loaf; Rye Bread; Seeded Bread @ 1.8 * 3
bakery / rolls buns: Brioche Buns; Bagels; Ciabatta Rolls; Croissants; Hot Dog Rolls @ 2.2 * 1.2
bakery / cakes: Chocolate Cake; Lemon Drizzle Cake; Carrot Cake; Muffins; Flapjacks @ 3.2 * 0.8
bakery / wraps flatbreads: Flour Tortillas; Corn Tortillas; Pitta Bread; Naan Bread; Wraps @ 1.6 * 1
meat seafood / poultry: Chicken Breast; Chicken Thighs; Whole Chicken; Turkey Mince; Chicken Wings @ 5.5 * 2
meat seafood / beef: Beef Mince; Sirloin Steak; Stewing Beef; Beef Burgers; Roast Beef Joint @ 6.5 * 1.2
meat seafood / pork: Pork Sausages; Smoked Bacon; Pork Chops; Ham Slices; Pulled Pork @ 4.5 * 1.2
meat seafood / seafood: Salmon Fillets; Cod Fillets; King Prawns; Tuna Steaks; Smoked Salmon @ 7.0 * 1
deli / sliced meats: Salami; Chorizo; Prosciutto; Roast Turkey Slices; Pastrami @ 3.0 * 1
deli / dips: Hummus; Guacamole; Tzatziki; Salsa Dip; Sour Cream Dip @ 2.0 * 1.5
deli / ready meals: Lasagne; Chicken Curry; Macaroni Cheese; Cottage Pie; Vegetable Risotto @ 4.0 * 1
deli / olives antipasti: Green Olives; Kalamata Olives; Stuffed Peppers; Artichoke Hearts @ 2.4 * 0.5
deli / tofu meat alternatives: Tofu; Tempeh; Veggie Burgers; Meat Free Mince; Falafel @ 2.6 * 0.8
frozen / frozen vegetables: Frozen Peas; Frozen Sweetcorn; Frozen Mixed Vegetables; Frozen Spinach @ 1.8 * 1.5
frozen / frozen meals: Frozen Pizza; Fish Fingers; Chicken Nuggets; Frozen Lasagne; Frozen Dumplings @ 3.4 * 1.8
frozen / ice cream: Vanilla Ice Cream; Chocolate Ice Cream; Ice Lollies; Sorbet; Frozen Yogurt @ 3.0 * 1.5
frozen / frozen fruit: Frozen Berries; Frozen Mango; Frozen Cherries; Frozen Pineapple @ 2.8 * 0.8
frozen / frozen potatoes: Oven Chips; Hash Browns; Potato Wedges; Roast Potatoes @ 2.0 * 0.8
frozen / frozen breakfast: Frozen Waffles; Frozen Pancakes; Breakfast Burritos @ 2.6 * 0.4
pantry / oils vinegars: Olive Oil; Sunflower Oil; Rapeseed Oil; Coconut Oil; Cider Vinegar @ 3.5 * 0.8
pantry / spices seasonings: Black Pepper; Smoked Paprika; Ground Cumin; Cinnamon; Chilli Flakes; Sea Salt @ 1.8 * 0.8
pantry / baking ingredients: Plain Flour; Self Raising Flour; Caster Sugar; Baking Powder; Cocoa Powder @ 1.6 * 0.9
pantry / condiments: Ketchup; Mayonnaise; Dijon Mustard; Soy Sauce; Hot Sauce @ 2.0 * 1
pantry / spreads: Peanut Butter; Strawberry Jam; Honey; Chocolate Spread; Marmalade @ 2.6 * 1
pantry / stock gravy: Chicken Stock; Vegetable Stock; Beef Stock; Gravy Granules @ 1.4 * 0.5
dry goods pasta / pasta: Spaghetti; Penne; Fusilli; Lasagne Sheets; Tagliatelle; Macaroni @ 1.3 * 1.2
dry goods pasta / rice: Basmati Rice; Long Grain Rice; Risotto Rice; Brown Rice; Jasmine Rice @ 2.0 * 0.9
dry goods pasta / grains pulses: Couscous; Quinoa; Bulgur Wheat; Red Lentils; Pearl Barley @ 2.4 * 0.5
dry goods pasta / pasta sauce: Tomato Pasta Sauce; Bolognese Sauce; Arrabbiata Sauce; Carbonara Sauce @ 2.0 * 0.9
canned goods / canned tomatoes: Chopped Tomatoes; Plum Tomatoes; Passata; Tomato Puree @ 0.9 * 0.9
canned goods / canned beans: Baked Beans; Kidney Beans; Chickpeas; Black Beans; Butter Beans @ 0.9 * 0.9
canned goods / soup: Tomato Soup; Chicken Soup; Lentil Soup; Minestrone Soup; Mushroom Soup @ 1.4 * 1
canned goods / canned fish: Tuna Chunks; Sardines; Mackerel Fillets; Anchovies @ 1.5 * 0.6
canned goods / canned fruit: Peaches in Juice; Pineapple Chunks; Fruit Cocktail; Mandarin Segments @ 1.2 * 0.4
breakfast / cereal: Corn Flakes; Granola; Muesli; Bran Flakes; Rice Crisps; Wheat Biscuits @ 2.8 * 1.8
breakfast / oats porridge: Porridge Oats; Instant Oats; Overnight Oats; Oat Bran @ 1.8 * 0.8
breakfast / breakfast bars: Cereal Bars; Oat Bars; Protein Bars; Fruit Bars @ 2.5 * 0.9
snacks / crisps: Sea Salt Crisps; Cheese Onion Crisps; Tortilla Chips; Popcorn; Pretzels @ 1.6 * 2
snacks / chocolate: Milk Chocolate; Dark Chocolate; Chocolate Buttons; Hazelnut Chocolate @ 1.8 * 1.8
snacks / biscuits: Digestive Biscuits; Chocolate Cookies; Shortbread; Oat Biscuits; Crackers @ 1.5 * 1.8
snacks / nuts seeds dried fruit: Salted Peanuts; Cashews; Almonds; Mixed Nuts; Raisins @ 2.8 * 1.2
snacks / sweets: Fruit Gums; Mints; Liquorice; Jelly Beans; Marshmallows @ 1.2 * 0.9
beverages / water: Still Water; Sparkling Water; Flavoured Water; Coconut Water @ 0.8 * 2.4
beverages / juice: Orange Juice; Apple Juice; Cranberry Juice; Smoothie; Grapefruit Juice @ 2.0 * 1.5
beverages / soft drinks: Cola; Lemonade; Ginger Beer; Tonic Water; Iced Tea @ 1.5 * 1.8
beverages / coffee: Ground Coffee; Coffee Beans; Instant Coffee; Coffee Pods; Decaf Coffee @ 4.5 * 0.9
beverages / tea: Black Tea; Green Tea; Peppermint Tea; Chamomile Tea; Earl Grey Tea @ 2.5 * 0.9
alcohol / beer cider: Lager; Pale Ale; Stout; Cider; Alcohol Free Beer @ 5.0 * 0.6
alcohol / wine: Red Wine; White Wine; Rose Wine; Prosecco @ 8.0 * 0.5
alcohol / spirits: Gin; Vodka; Whisky; Dark Rum @ 18.0 * 0.2
household / cleaning: Washing Up Liquid; Surface Cleaner; Bleach; Glass Cleaner; Dishwasher Tablets @ 2.4 * 0.8
household / laundry: Laundry Detergent; Fabric Conditioner; Laundry Pods; Stain Remover @ 6.0 * 0.6
household / paper goods: Toilet Roll; Kitchen Roll; Tissues; Paper Napkins @ 4.0 * 1
household / bags wraps: Bin Bags; Cling Film; Kitchen Foil; Freezer Bags; Baking Paper @ 2.2 * 0.4
personal care / oral care: Toothpaste; Toothbrush; Mouthwash; Dental Floss @ 2.8 * 0.5
personal care / hair care: Shampoo; Conditioner; Hair Gel; Dry Shampoo @ 3.5 * 0.4
personal care / body care: Shower Gel; Hand Soap; Body Lotion; Deodorant; Sun Cream @ 2.8 * 0.5
personal care / vitamins first aid: Paracetamol; Vitamin C; Plasters; Multivitamins; Ibuprofen @ 3.2 * 0.3
babies / baby food: Baby Puree; Baby Porridge; Baby Snacks; Baby Rice Cakes @ 1.2 * 0.5
babies / nappies wipes: Nappies; Baby Wipes; Nappy Cream; Changing Mats @ 7.0 * 0.3
babies / baby milk: Infant Formula; Follow On Milk; Growing Up Milk @ 11.0 * 0.2
pets / dog food care: Dry Dog Food; Wet Dog Food; Dog Treats; Dog Chews @ 5.0 * 0.3
pets / cat food care: Dry Cat Food; Wet Cat Food; Cat Treats; Cat Litter @ 4.0 * 0.4
international / asian foods: Egg Noodles; Coconut Milk; Red Curry Paste; Sweet Chilli Sauce; Rice Noodles @ 2.2 * 0.7
international / mexican foods: Taco Shells; Fajita Kit; Refried Beans; Jalapenos; Enchilada Sauce @ 2.2 * 0.5
international / italian foods: Gnocchi; Sun Dried Tomatoes; Balsamic Vinegar; Arborio Rice; Breadsticks @ 2.6 * 0.5
international / indian foods: Mango Chutney; Poppadoms; Tikka Masala Sauce; Garam Masala; Lime Pickle @ 2.0 * 0.4
bulk / bulk grains: Bulk Oats; Bulk Basmati Rice; Bulk Red Lentils; Bulk Flour @ 6.0 * 0.15
bulk / bulk snacks: Bulk Trail Mix; Bulk Dried Apricots; Bulk Almonds; Bulk Sunflower Seeds @ 8.0 * 0.15
other / seasonal: Mince Pies; Hot Cross Buns; Easter Eggs; Christmas Pudding; Pumpkin Soup @ 3.0 * 0.2
missing / uncategorised: Assorted Groceries; Market Bundle; Mystery Box @ 5.0 * 0.1
"""

BRANDS = (
    "Meadow Lane", "Green Valley", "Sunny Farm", "Golden Field", "Old Mill", "Riverside",
    "Northfield", "Blue Harbour", "Hillside", "Oakwood", "Brookside", "Silver Birch",
    "Harvest Moon", "Willow Creek", "Red Barn", "Little Orchard", "Stonebridge", "Cedar Grove",
    "Fairview", "Maple Leaf", "Highland", "Seaview", "Wild Acre", "Clover Hill", "Bramble",
    "Kingfisher", "Morning Star", "True North", "Honeybrook", "Rosehip", "Daily Basics",
    "Pantry Plus", "Fresh Start", "Good Table", "Urban Kitchen", "Family Choice",
    "Simply Good", "Greenleaf", "Home Style", "Summit",
)
QUALIFIERS = (  # "" = none
    "", "Organic", "Classic", "Original", "Premium", "Value", "Finest", "Everyday", "Farmhouse",
    "Light", "Natural", "Traditional", "Family",
)
# pack sizes of solid and liquid goods, in the same order of size (PACK_FACTOR: price factor)
SIZES = ("100g", "250g", "500g", "1kg", "Small", "Large", "Pack of 4", "Pack of 6",
         "Family Size", "Multipack")
LIQUID_SIZES = ("250ml", "500ml", "1L", "2L", "Small", "Large", "Pack of 4", "Pack of 6",
                "Family Size", "Multipack")
PACK_FACTOR = np.array([0.5, 0.7, 1.0, 1.8, 0.8, 1.4, 2.2, 3.0, 2.0, 3.5])
LIQUID_AISLES = {
    "dairy eggs / milk", "dairy eggs / cream", "dairy eggs / plant milk", "beverages / water",
    "beverages / juice", "beverages / soft drinks", "alcohol / beer cider", "alcohol / wine",
    "alcohol / spirits", "pantry / oils vinegars", "canned goods / soup", "household / cleaning",
    "household / laundry", "personal care / hair care", "personal care / body care",
    "personal care / oral care", "pantry / condiments",
}


@dataclass(frozen=True)
class GroceryCatalogue:
    """Items 0..n-1 (``item_ids`` = position + 1) with their aisle, price and popularity."""

    item_ids: np.ndarray  # int64, 1..n
    names: pa.Array  # string
    aisle: np.ndarray  # int32 index into aisle_names
    aisle_names: tuple[str, ...]  # "department / aisle"
    price: np.ndarray  # float64, 2 decimals
    weight: np.ndarray  # float64 popularity, sums to 1
    cumulative: np.ndarray  # float64 cumulative popularity, for drawing

    @property
    def n_items(self) -> int:
        return int(self.item_ids.size)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` item positions by popularity."""
        return np.minimum(np.searchsorted(self.cumulative, rng.random(n), side="right"),
                          self.n_items - 1)

    def table(self) -> pa.Table:
        """``items.csv``: item_id, name, category, price."""
        return pa.table({
            "item_id": pa.array(self.item_ids),
            "name": self.names,
            "category": pa.DictionaryArray.from_arrays(
                self.aisle.astype(np.int32), pa.array(list(self.aisle_names))),
            "price": pa.array(self.price),
        })


def _parse_aisles() -> tuple[list[str], list[list[str]], np.ndarray, np.ndarray]:
    names, kinds, medians, weights = [], [], [], []
    for line in AISLES.strip().splitlines():
        category, rest = line.split(": ", 1)
        products, numbers = rest.split(" @ ")
        median, weight = numbers.split(" * ")
        names.append(category)
        kinds.append([p.strip() for p in products.split(";")])
        medians.append(float(median))
        weights.append(float(weight))
    return names, kinds, np.array(medians), np.array(weights)


def build_grocery_catalogue(rng: np.random.Generator) -> GroceryCatalogue:
    """The catalogue: names distinct by construction, prices by aisle, popularity by aisle."""
    aisle_names, kinds, medians, aisle_weight = _parse_aisles()
    n_aisles = len(aisle_names)
    share = rng.lognormal(0.0, 0.5, n_aisles) * np.sqrt(aisle_weight)
    size = np.floor(N_ITEMS * share / share.sum()).astype(np.int64)
    size[np.argsort(-share)[: N_ITEMS - size.sum()]] += 1  # exactly N_ITEMS in all

    aisle = np.repeat(np.arange(n_aisles), size).astype(np.int32)
    combos = len(BRANDS) * len(QUALIFIERS) * len(SIZES)
    picks = []
    for a in range(n_aisles):  # one draw per aisle (90), not per item
        space = combos * len(kinds[a])
        if size[a] > space:
            raise ValueError(f"aisle {aisle_names[a]} cannot hold {size[a]} distinct names")
        picks.append(rng.choice(space, size[a], replace=False))
    pick = np.concatenate(picks)
    n_kinds = np.array([len(k) for k in kinds])[aisle]
    kind, rest = pick % n_kinds, pick // n_kinds
    brand, rest = rest % len(BRANDS), rest // len(BRANDS)
    qualifier, pack = rest % len(QUALIFIERS), rest // len(QUALIFIERS)
    all_kinds = [k for ks in kinds for k in ks]
    kind_offset = np.concatenate([[0], np.cumsum([len(k) for k in kinds])[:-1]])[aisle]
    liquid = np.array([name in LIQUID_AISLES for name in aisle_names], dtype=np.int64)
    no_qualifier = qualifier == QUALIFIERS.index("")  # distinct picks give distinct names
    names = pc.binary_join_element_wise(
        pc.take(pa.array(BRANDS), pa.array(brand)),
        pc.take(pa.array(QUALIFIERS), pa.array(qualifier, mask=no_qualifier)),
        pc.take(pa.array(all_kinds), pa.array(kind_offset + kind)),
        pc.take(pa.array(SIZES + LIQUID_SIZES), pa.array(pack + len(SIZES) * liquid[aisle])),
        " ", null_handling="skip",
    )

    raw = medians[aisle] * PACK_FACTOR[pack] * rng.lognormal(0.0, 0.3, N_ITEMS)
    price = np.maximum(np.round(np.round(raw, 1) - 0.01, 2), 0.19)

    rank = np.empty(N_ITEMS)
    for a in range(n_aisles):
        members = np.flatnonzero(aisle == a)
        rank[members] = rng.permutation(members.size) + 1
    within = rank ** -POPULARITY_EXPONENT
    per_aisle = np.bincount(aisle, weights=within)
    weight = aisle_weight[aisle] * within / per_aisle[aisle]
    return GroceryCatalogue(
        item_ids=np.arange(1, N_ITEMS + 1, dtype=np.int64),
        names=names,
        aisle=aisle,
        aisle_names=tuple(aisle_names),
        price=price,
        weight=weight / weight.sum(),
        cumulative=np.cumsum(weight / weight.sum()),
    )
