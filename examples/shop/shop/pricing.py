"""Pricing rules of the shop, as pure functions (no I/O).

Money is handled in integer cents; percentages round half up to the cent.

Rules, in order:
1. ``qty`` is a whole number from 1 to MAX_QTY.
2. The customer gets the better of the item's multibuy offer ("4 for 3")
   and the volume discount (5 % from 10 units, 10 % from 50, 15 % from 100);
   the two never stack.
3. A promo code then takes its percentage off what is left.
4. All discounts together never exceed MAX_DISCOUNT_PERCENT of the subtotal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CURRENCY = "EUR"
MAX_QTY = 1000
MAX_DISCOUNT_PERCENT = 30

# (minimum quantity, percent off), highest threshold first.
VOLUME_TIERS = ((100, 15), (50, 10), (10, 5))

PROMO_CODES = {"WELCOME5": 5, "SPRING10": 10, "STAFF20": 20}


class PricingError(ValueError):
    """The request cannot be priced (bad quantity, unknown code...)."""


@dataclass(frozen=True)
class Item:
    name: str
    unit_cents: int
    # A multibuy offer "buy N, pay M" as (N, M), or None.
    multibuy: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.unit_cents < 0:
            raise ValueError("unit price must not be negative")
        if self.multibuy is not None:
            buy, pay = self.multibuy
            if not 0 < pay < buy:
                raise ValueError("multibuy must be (buy, pay) with 0 < pay < buy")


@dataclass(frozen=True)
class Discount:
    name: str
    amount_cents: int


@dataclass(frozen=True)
class Quote:
    item: str
    qty: int
    unit_cents: int
    subtotal_cents: int
    discounts: tuple[Discount, ...] = field(default_factory=tuple)
    capped: bool = False  # the discount cap trimmed the discounts

    @property
    def discount_cents(self) -> int:
        return sum(d.amount_cents for d in self.discounts)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents

    def as_dict(self) -> dict:
        return {
            "item": self.item,
            "qty": self.qty,
            "currency": CURRENCY,
            "unit_cents": self.unit_cents,
            "subtotal_cents": self.subtotal_cents,
            "discounts": [
                {"name": d.name, "amount_cents": d.amount_cents} for d in self.discounts
            ],
            "total_cents": self.total_cents,
            "total": format_cents(self.total_cents),
            "capped": self.capped,
        }


def percent_of(amount_cents: int, percent: int) -> int:
    """``percent`` % of ``amount_cents``, rounded half up to the cent."""
    return (amount_cents * percent + 50) // 100


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def parse_qty(text: str | None) -> int:
    """Parse a quantity from a query string value, strictly."""
    if text is None or text == "":
        raise PricingError("qty is required")
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise PricingError(f"qty must be a whole number from 1 to {MAX_QTY}")
    qty = int(text)
    if not 1 <= qty <= MAX_QTY:
        raise PricingError(f"qty must be a whole number from 1 to {MAX_QTY}")
    return qty


def volume_percent(qty: int) -> int:
    for minimum, percent in VOLUME_TIERS:
        if qty >= minimum:
            return percent
    return 0


def multibuy_cents(item: Item, qty: int) -> int:
    if item.multibuy is None:
        return 0
    buy, pay = item.multibuy
    free_units = (qty // buy) * (buy - pay)
    return free_units * item.unit_cents


def quote(item: Item, qty: int, code: str | None = None) -> Quote:
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise PricingError(f"qty must be a whole number from 1 to {MAX_QTY}")
    subtotal = item.unit_cents * qty
    discounts: list[Discount] = []

    multibuy = multibuy_cents(item, qty)
    vol_pct = volume_percent(qty)
    volume = percent_of(subtotal, vol_pct)
    if multibuy > 0 and multibuy >= volume:
        buy, pay = item.multibuy  # type: ignore[misc]
        discounts.append(Discount(f"multibuy {buy} for {pay}", multibuy))
    elif volume > 0:
        discounts.append(Discount(f"volume {vol_pct}%", volume))

    if code:
        normalized = code.strip().upper()
        if normalized not in PROMO_CODES:
            raise PricingError("unknown promo code")
        pct = PROMO_CODES[normalized]
        remaining = subtotal - sum(d.amount_cents for d in discounts)
        discounts.append(Discount(f"promo {normalized} {pct}%", percent_of(remaining, pct)))

    cap = percent_of(subtotal, MAX_DISCOUNT_PERCENT)
    taken = sum(d.amount_cents for d in discounts)
    capped = taken > cap
    if capped:
        # Trim the excess off the last discounts first (the promo code).
        excess = taken - cap
        trimmed: list[Discount] = []
        for d in reversed(discounts):
            cut = min(excess, d.amount_cents)
            excess -= cut
            if d.amount_cents - cut > 0:
                trimmed.append(Discount(d.name, d.amount_cents - cut))
        discounts = list(reversed(trimmed))

    return Quote(item.name, qty, item.unit_cents, subtotal, tuple(discounts), capped)
