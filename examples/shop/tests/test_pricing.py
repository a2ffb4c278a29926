import unittest

from shop.pricing import (
    Item, PricingError, format_cents, parse_qty, percent_of, quote, volume_percent,
)

APPLE = Item("apple", 45)
TEA = Item("tea", 450, multibuy=(4, 3))
MUG = Item("mug", 1250)


class PercentAndFormat(unittest.TestCase):
    def test_percent_rounds_half_up(self):
        self.assertEqual(percent_of(1000, 5), 50)
        self.assertEqual(percent_of(10, 5), 1)   # 0.5 -> 1
        self.assertEqual(percent_of(9, 5), 0)    # 0.45 -> 0
        self.assertEqual(percent_of(0, 15), 0)

    def test_format_cents(self):
        self.assertEqual(format_cents(0), "0.00")
        self.assertEqual(format_cents(5), "0.05")
        self.assertEqual(format_cents(12345), "123.45")
        self.assertEqual(format_cents(-250), "-2.50")


class Quantity(unittest.TestCase):
    def test_parse_accepts_whole_numbers_in_range(self):
        self.assertEqual(parse_qty("1"), 1)
        self.assertEqual(parse_qty("1000"), 1000)

    def test_parse_rejects_everything_else(self):
        for bad in (None, "", "0", "-1", "1001", "1.5", "1e3", " 2", "٣", "abc", "99999999"):
            with self.subTest(bad=bad), self.assertRaises(PricingError):
                parse_qty(bad)

    def test_quote_rejects_out_of_range(self):
        for bad in (0, -3, 1001, True):
            with self.subTest(bad=bad), self.assertRaises(PricingError):
                quote(APPLE, bad)

    def test_volume_tiers(self):
        self.assertEqual([volume_percent(q) for q in (1, 9, 10, 49, 50, 99, 100, 1000)],
                         [0, 0, 5, 5, 10, 10, 15, 15])


class Quotes(unittest.TestCase):
    def test_no_discount_below_ten(self):
        q = quote(APPLE, 3)
        self.assertEqual((q.subtotal_cents, q.discounts, q.total_cents), (135, (), 135))
        self.assertEqual(q.as_dict()["total"], "1.35")

    def test_volume_discount(self):
        q = quote(APPLE, 12)  # 540, 5 % = 27
        self.assertEqual(q.total_cents, 513)
        self.assertEqual(q.discounts[0].name, "volume 5%")
        self.assertEqual(quote(APPLE, 100).total_cents, 4500 - 675)

    def test_multibuy(self):
        q = quote(TEA, 4)  # pay 3 of 4
        self.assertEqual(q.total_cents, 1350)
        self.assertEqual(q.discounts[0].name, "multibuy 4 for 3")
        self.assertEqual(quote(TEA, 7).total_cents, 6 * 450)  # one free unit

    def test_better_of_multibuy_and_volume_not_both(self):
        # 10 tea: multibuy frees 2 units (900) > volume 5 % (225)
        q = quote(TEA, 10)
        self.assertEqual([d.name for d in q.discounts], ["multibuy 4 for 3"])
        self.assertEqual(q.total_cents, 4500 - 900)
        # 3 tea: no multibuy yet, no volume either
        self.assertEqual(quote(TEA, 3).discounts, ())

    def test_promo_code_applies_after_other_discounts(self):
        q = quote(MUG, 10, "spring10")  # 12500 - 625 = 11875; 10 % = 1188 (1187.5 up)
        self.assertEqual([d.amount_cents for d in q.discounts], [625, 1188])
        self.assertEqual(q.total_cents, 12500 - 625 - 1188)
        self.assertFalse(q.capped)

    def test_unknown_promo_code(self):
        with self.assertRaises(PricingError):
            quote(MUG, 1, "FREESTUFF")

    def test_discounts_are_capped(self):
        # 100 mugs: 15 % volume + 20 % staff = 32 % > 30 % cap
        q = quote(MUG, 100, "STAFF20")
        self.assertTrue(q.capped)
        self.assertEqual(q.discount_cents, percent_of(125000, 30))
        self.assertEqual(q.discounts[0].amount_cents, percent_of(125000, 15))
        # 4 tea (25 %) + SPRING10 (10 % of the rest = 7.5 %) -> capped at 30 %
        q = quote(TEA, 4, "SPRING10")
        self.assertTrue(q.capped)
        self.assertEqual(q.total_cents, 1800 - 540)

    def test_total_never_negative_or_above_subtotal(self):
        for item in (APPLE, TEA, MUG):
            for qty in range(1, 1001, 37):
                for code in (None, "WELCOME5", "STAFF20"):
                    q = quote(item, qty, code)
                    self.assertGreaterEqual(q.total_cents, 0)
                    self.assertLessEqual(q.total_cents, q.subtotal_cents)
                    self.assertLessEqual(q.discount_cents, percent_of(q.subtotal_cents, 30))

    def test_item_validation(self):
        with self.assertRaises(ValueError):
            Item("x", -1)
        with self.assertRaises(ValueError):
            Item("x", 1, multibuy=(2, 2))


if __name__ == "__main__":
    unittest.main()
