//! Money rules: unit cases and the property that Flourish's total, computed from what leafbridge
//! sends the way the Decision states, equals LeafLink's total to the cent.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::*;
use crate::matcher::index::ItemIndex;
use crate::matcher::order::lines::plan_lines;
use crate::matcher::outcome::OutcomeKind;

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn case_line(
    sku: &str,
    cases: i64,
    per_case: i64,
    price: Decimal,
    list: Option<Decimal>,
) -> OrderLine {
    OrderLine {
        product_id: Some(1),
        sku: sku.into(),
        quantity: Decimal::from(cases * per_case),
        bulk_units: Some(cases),
        unit_multiplier: per_case,
        price,
        list_price: list,
        lot_number: None,
    }
}

fn items() -> ItemIndex {
    let pairs: Vec<(String, String)> = (0..8)
        .map(|i| (format!("{i}"), format!("SKU-{i}")))
        .collect();
    ItemIndex::new(pairs.iter().map(|(id, sku)| (id.as_str(), sku.as_str())))
}

#[test]
fn cents_lost_or_gained_per_each_go_to_one_rounding_entry() {
    // 300 cases of 3 at $10.00: 3.3333 per each, 900 eaches come to $2,999.97 on Flourish.
    let lines = [case_line("SKU-1", 300, 3, dec("10.00"), None)];
    let planned = plan_lines(&lines, &items()).unwrap();
    let plan = plan_money(&lines, &planned, &OrderMoney::default());
    assert_eq!(planned[0].unit_price, dec("3.3333"));
    assert_eq!(
        plan.adjustments.charges,
        vec![Adjustment::new(ROUNDING, dec("0.03"))]
    );
    assert_eq!(flourish_total(&planned, &plan.adjustments), dec("3000"));
    // 100 cases of 7 at $1.00: 0.1429 per each, 700 eaches come to $100.03.
    let lines = [case_line("SKU-2", 100, 7, dec("1.00"), None)];
    let planned = plan_lines(&lines, &items()).unwrap();
    let plan = plan_money(&lines, &planned, &OrderMoney::default());
    assert_eq!(
        plan.adjustments.pretax_discounts,
        vec![Adjustment::new(ROUNDING, dec("0.03"))]
    );
    assert_eq!(flourish_total(&planned, &plan.adjustments), dec("100"));
    let parts = flourish_parts(&planned, &plan.adjustments);
    assert_eq!(parts.lines, dec("100"));
}

#[test]
fn percent_discount_percent_tax_shipping_and_credits_become_named_entries() {
    let lines = [case_line("SKU-1", 2, 10, dec("90.00"), None)];
    let planned = plan_lines(&lines, &items()).unwrap();
    let money = OrderMoney {
        discount: Some(OrderDiscount::Percent(dec("10"))),
        tax: Some(OrderTax::Percent(dec("7.25"))),
        shipping: dec("15"),
        credits: dec("5.5"),
        total: None,
    };
    let plan = plan_money(&lines, &planned, &money);
    // 180 − 18 = 162; tax 11.745 → 11.75; 162 + 11.75 + 15 − 5.50 = 183.25
    assert_eq!(
        plan.adjustments.pretax_discounts,
        vec![Adjustment::new(DISCOUNT, dec("18"))]
    );
    assert_eq!(
        plan.adjustments.charges,
        vec![
            Adjustment::new(SHIPPING, dec("15")),
            Adjustment::new(TAX, dec("11.75"))
        ]
    );
    assert_eq!(
        plan.adjustments.discounts,
        vec![Adjustment::new(CREDITS, dec("5.5"))]
    );
    assert_eq!(plan.leaflink.total(), dec("183.25"));
    assert_eq!(flourish_total(&planned, &plan.adjustments), dec("183.25"));
}

#[test]
fn totals_a_cent_apart_reconcile_and_further_apart_name_the_part() {
    let leaflink = Parts {
        lines: dec("100"),
        shipping: dec("10"),
        ..Parts::default()
    };
    let close = Parts {
        lines: dec("100.01"),
        shipping: dec("10"),
        ..Parts::default()
    };
    let check = |flourish: &Parts| {
        reconcile(Reconciliation {
            order_id: "9001",
            leaflink_total: dec("110"),
            leaflink: &leaflink,
            flourish_total: flourish.total(),
            flourish,
        })
    };
    assert!(check(&close).is_none());
    let far = Parts {
        lines: dec("100"),
        shipping: dec("0"),
        ..Parts::default()
    };
    let outcome = check(&far).unwrap();
    assert_eq!(outcome.kind, OutcomeKind::NeedsAttention);
    assert_eq!(
        outcome.reason,
        "totals do not reconcile: LeafLink $110.00, Flourish order 9001 $100.00; differs in \
         shipping $10.00 on LeafLink, $0.00 on Flourish"
    );
}

#[test]
fn a_leaflink_total_that_is_not_its_parts_needs_attention_even_when_flourish_agrees() {
    let parts = Parts {
        lines: dec("50"),
        ..Parts::default()
    };
    let outcome = reconcile(Reconciliation {
        order_id: "9002",
        leaflink_total: dec("55"),
        leaflink: &parts,
        flourish_total: dec("50"),
        flourish: &parts,
    })
    .unwrap();
    assert!(
        outcome
            .reason
            .ends_with("LeafLink's total is not the sum of its parts ($50.00)"),
        "{}",
        outcome.reason
    );
}

#[test]
fn entries_compare_regardless_of_order_and_scale() {
    let a = Adjustments {
        charges: vec![
            Adjustment::new(TAX, dec("1.50")),
            Adjustment::new(SHIPPING, dec("2")),
        ],
        ..Adjustments::default()
    };
    let b = Adjustments {
        charges: vec![
            Adjustment::new(SHIPPING, dec("2.00")),
            Adjustment::new(TAX, dec("1.5")),
        ],
        ..Adjustments::default()
    };
    assert!(a.same(&b));
    assert!(!a.same(&Adjustments::default()));
    assert_eq!(money(dec("-3.456")), "-$3.46");
}

/// Two-decimal dollars from cents.
fn dollars(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// What a Flourish line is worth after the amounts crossed the wire as JSON numbers.
fn wire(value: Decimal) -> Decimal {
    let float = value.to_f64().unwrap();
    float.to_string().parse().unwrap()
}

/// Flourish's total from the JSON leafbridge sends, computed apart from the module's own code.
fn flourish_total_from_wire(planned: &[PlannedLine], adjustments: &Adjustments) -> Decimal {
    let sum = |list: &[Adjustment]| list.iter().map(|a| wire(a.amount)).sum::<Decimal>();
    let lines: Decimal = planned
        .iter()
        .map(|l| {
            let price = wire(l.discount_price.unwrap_or(l.unit_price));
            (wire(l.order_qty) * price)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        })
        .sum();
    lines - sum(&adjustments.pretax_discounts) + sum(&adjustments.charges)
        - sum(&adjustments.discounts)
}

prop_compose! {
    fn any_line()(
        sku in 0..8usize, cases in 1..60i64, per_case in 1..25i64,
        list in 1..200_000i64, off in 0..100i64, on_sale in any::<bool>(),
    ) -> OrderLine {
        let list = dollars(list);
        let sale = (list * Decimal::from(100 - off) / Decimal::ONE_HUNDRED).round_dp(2);
        let (price, list_price) = if on_sale && sale > Decimal::ZERO {
            (sale, Some(list))
        } else {
            (list, None)
        };
        case_line(&format!("SKU-{sku}"), cases, per_case, price, list_price)
    }
}

fn any_discount() -> impl Strategy<Value = Option<OrderDiscount>> {
    prop_oneof![
        Just(None),
        (0..50_000i64).prop_map(|c| Some(OrderDiscount::Amount(dollars(c)))),
        (0..10_000i64).prop_map(|bp| Some(OrderDiscount::Percent(dollars(bp)))),
    ]
}

fn any_tax() -> impl Strategy<Value = Option<OrderTax>> {
    prop_oneof![
        Just(None),
        (0..100_000i64).prop_map(|c| Some(OrderTax::Amount(dollars(c)))),
        (0..30_000i64).prop_map(|r| Some(OrderTax::Percent(Decimal::new(r, 3)))),
    ]
}

proptest! {
    /// For any lines, discount, tax, shipping and credits, Flourish's total from what leafbridge
    /// sends equals LeafLink's total (its lines at case prices, less the discount, plus tax and
    /// shipping, less credits) to the cent, and every entry is a non-negative amount in cents.
    #[test]
    fn flourish_total_equals_leaflink_total(
        lines in proptest::collection::vec(any_line(), 1..8),
        discount in any_discount(),
        tax in any_tax(),
        shipping in 0..100_000i64,
        credits in 0..20_000i64,
    ) {
        let money = OrderMoney {
            discount,
            tax,
            shipping: dollars(shipping),
            credits: dollars(credits),
            total: None,
        };
        let planned = plan_lines(&lines, &items()).unwrap();
        let plan = plan_money(&lines, &planned, &money);

        // LeafLink's total, from its own rules.
        let round = |v: Decimal| v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let subtotal: Decimal = lines.iter().map(|l| round(Decimal::from(l.bulk_units.unwrap()) * l.price)).sum();
        let off = match discount {
            Some(OrderDiscount::Amount(d)) => d,
            Some(OrderDiscount::Percent(p)) => round(subtotal * p / Decimal::ONE_HUNDRED),
            None => Decimal::ZERO,
        };
        let taxed = match tax {
            Some(OrderTax::Amount(d)) => d,
            Some(OrderTax::Percent(p)) => round((subtotal - off).max(Decimal::ZERO) * p / Decimal::ONE_HUNDRED),
            None => Decimal::ZERO,
        };
        let leaflink = subtotal - off + taxed + dollars(shipping) - dollars(credits);

        let flourish = flourish_total_from_wire(&planned, &plan.adjustments);
        prop_assert!((flourish - leaflink).abs() <= tolerance(), "{flourish} vs {leaflink}");
        prop_assert_eq!(flourish, leaflink);
        prop_assert_eq!(plan.leaflink.total(), leaflink);
        for entry in plan.adjustments.pretax_discounts.iter()
            .chain(&plan.adjustments.charges)
            .chain(&plan.adjustments.discounts)
        {
            prop_assert!(entry.amount > Decimal::ZERO);
            prop_assert_eq!(entry.amount, entry.amount.round_dp(2));
        }
        let parts = flourish_parts(&planned, &plan.adjustments);
        prop_assert_eq!(parts, plan.leaflink);
    }
}
