//! What a cart read and written back keeps, exactly: every unknown field and value, every
//! 64-bit integer and every float to the bit; and what it normalises: a known property sent as
//! `null` goes, an integer beyond 64 bits becomes a float, floats are re-printed in shortest
//! form, and known properties come first. Types and serde_json only, so this also runs with
//! `--no-default-features`.

use partner_center_carts::types::{Cart, Order};
use proptest::prelude::*;
use serde_json::{Value, json};

/// `text` decoded as a `T` and encoded again.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> String {
    let value: T = partner_center_carts::json::from_slice(text.as_bytes()).unwrap();
    serde_json::to_string(&value).unwrap()
}

fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

const LINE_ITEM: &str = r#"{"catalogItemId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "quantity": 1, "billingCycle": "monthly""#;

#[test]
fn unknown_fields_and_nested_unknown_values_come_back_equal() {
    let text = format!(
        r#"{{
            "id": "65faf57b-0205-47ee-92b3-08dcf233ea73",
            "lineItems": [{LINE_ITEM},
                "futureLineItemField": {{"deep": [1, "two", true, {{"three": [[], {{}}]}}]}},
                "renewsTo": {{"termDuration": "P1Y", "futureRenewal": ["a", 2.5, false]}}
            }}],
            "attributes": {{"objectType": "Cart", "futureAttribute": {{"x": -7}}}},
            "links": {{"self": {{"uri": "/carts/1", "method": "GET", "futureLinkField": "v"}}, "futureLink": {{"uri": "/x"}}}},
            "futureString": "text with \"quotes\", \\ and \u00e9",
            "futureEmpty": {{}},
            "futureArray": [],
            "futureMixed": [{{"a": {{"b": {{"c": "d"}}}}}}, 0, -1, 1.5, "", false]
        }}"#
    );
    let cart: Cart = serde_json::from_str(&text).unwrap();
    assert_eq!(cart.extra.len(), 4, "{:?}", cart.extra.keys());
    assert_eq!(value(&round_trip::<Cart>(&text)), value(&text));
}

#[test]
fn known_properties_come_back_first_in_declaration_order_then_unknown_ones() {
    let text = format!(
        r#"{{"zFuture": 1, "status": "Active", "aFuture": 2, "lineItems": [{LINE_ITEM}}}], "id": "c"}}"#
    );
    let cart: Cart = serde_json::from_str(&text).unwrap();
    let written = serde_json::to_string(&cart).unwrap();
    // The unknown ones in the order of serde_json's `Map`: sorted, unless some crate in the
    // build turns on serde_json's `preserve_order`.
    let expected: Vec<&str> = ["id", "lineItems", "status"]
        .into_iter()
        .chain(cart.extra.keys().map(String::as_str))
        .collect();
    let positions: Vec<usize> = expected
        .iter()
        .map(|key| written.find(&format!("\"{key}\":")).unwrap())
        .collect();
    assert!(positions.is_sorted(), "{written}");
    assert_eq!(value(&written), value(&text));
}

#[test]
fn an_explicit_null_on_a_known_property_comes_back_absent() {
    let text = format!(
        r#"{{"status": null, "links": null, "lineItems": [{LINE_ITEM}, "friendlyName": null, "id": null}}]}}"#
    );
    let cart: Cart = serde_json::from_str(&text).unwrap();
    assert_eq!(cart.status, None);
    assert_eq!(cart.links, None);
    assert_eq!(cart.line_items[0].friendly_name, None);
    assert!(cart.extra.is_empty() && cart.line_items[0].extra.is_empty());
    assert_eq!(
        value(&round_trip::<Cart>(&text)),
        json!({"lineItems": [{
            "catalogItemId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
            "quantity": 1,
            "billingCycle": "monthly",
        }]})
    );
}

#[test]
fn a_null_inside_an_unknown_field_is_kept() {
    let text = format!(
        r#"{{"lineItems": [{LINE_ITEM}, "futureField": null}}], "futureNull": null, "futureObject": {{"a": null, "b": [null]}}}}"#
    );
    let written = round_trip::<Cart>(&text);
    assert_eq!(value(&written), value(&text));
    assert!(written.contains(r#""futureNull":null"#), "{written}");
    assert!(written.contains(r#""futureField":null"#), "{written}");
}

#[test]
fn integers_in_unknown_fields_come_back_exactly_across_the_64_bit_range() {
    let text = format!(
        r#"{{"lineItems": [], "uMax": {}, "iMin": {}, "iMax": {}, "beyondF64": 9007199254740993, "minusOne": -1, "zero": 0, "nested": [{}, {}]}}"#,
        u64::MAX,
        i64::MIN,
        i64::MAX,
        u64::MAX,
        i64::MIN,
    );
    let cart: Cart = serde_json::from_str(&text).unwrap();
    assert_eq!(cart.extra["uMax"].as_u64(), Some(u64::MAX));
    assert_eq!(cart.extra["iMin"].as_i64(), Some(i64::MIN));
    assert_eq!(cart.extra["beyondF64"].as_u64(), Some(9007199254740993));
    let written = round_trip::<Cart>(&text);
    assert_eq!(value(&written), value(&text));
    for exact in [
        r#""uMax":18446744073709551615"#,
        r#""iMin":-9223372036854775808"#,
        r#""iMax":9223372036854775807"#,
        r#""beyondF64":9007199254740993"#,
        r#""nested":[18446744073709551615,-9223372036854775808]"#,
    ] {
        assert!(written.contains(exact), "{exact} in {written}");
    }
}

#[test]
fn an_integer_beyond_64_bits_in_an_unknown_field_comes_back_as_a_float() {
    let text = r#"{"lineItems": [], "huge": 123456789012345678901234567890, "justOver": 18446744073709551616, "justUnder": -9223372036854775809}"#;
    let cart: Cart = serde_json::from_str(text).unwrap();
    assert!(cart.extra["huge"].is_f64());
    let written = round_trip::<Cart>(text);
    assert_eq!(
        value(&written),
        json!({
            "lineItems": [],
            "huge": 1.2345678901234568e29,
            "justOver": 1.8446744073709552e19,
            "justUnder": -9.223372036854776e18,
        })
    );
    assert!(
        written.contains(r#""huge":1.2345678901234568e+29"#),
        "{written}"
    );
}

#[test]
fn floats_are_reprinted_in_shortest_form() {
    // (as sent, as written back) in an unknown field, and in a known `f64` field.
    let unknown = [
        ("1.10", "1.1"),
        ("1e2", "100.0"),
        ("1E+2", "100.0"),
        ("100", "100"),
        ("0.1", "0.1"),
        ("-0.0", "-0.0"),
        ("2.50e-3", "0.0025"),
        ("4.9406564584124654e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("0.30000000000000004", "0.30000000000000004"),
    ];
    for (sent, back) in unknown {
        let written = round_trip::<Cart>(&format!(r#"{{"lineItems": [], "future": {sent}}}"#));
        assert_eq!(written, format!(r#"{{"lineItems":[],"future":{back}}}"#));
    }
    let known = [
        ("1.10", "1.1"),
        ("1e2", "100.0"),
        ("100", "100.0"),
        ("0", "0.0"),
    ];
    for (sent, back) in known {
        let written = round_trip::<Order>(&format!(r#"{{"totalPrice": {sent}}}"#));
        assert_eq!(written, format!(r#"{{"totalPrice":{back}}}"#));
    }
}

/// `text` (a JSON number) as the known `Order.totalPrice` and as an unknown field of a cart,
/// decoded, encoded and decoded again: the same f64, to the bit, as Rust's own (correctly
/// rounded) parser reads `text`.
fn assert_exact(text: &str) -> Result<(), TestCaseError> {
    let exact: f64 = text.parse().unwrap();

    let order: Order = serde_json::from_str(&format!(r#"{{"totalPrice": {text}}}"#)).unwrap();
    let again: Order = serde_json::from_str(&serde_json::to_string(&order).unwrap()).unwrap();
    for (step, got) in [
        ("decoded", order.total_price),
        ("re-decoded", again.total_price),
    ] {
        let got = got.unwrap();
        prop_assert_eq!(
            got.to_bits(),
            exact.to_bits(),
            "totalPrice {} {}: {:e}",
            step,
            text,
            got
        );
    }

    let cart: Cart =
        serde_json::from_str(&format!(r#"{{"lineItems": [], "future": {text}}}"#)).unwrap();
    let again: Cart = serde_json::from_str(&serde_json::to_string(&cart).unwrap()).unwrap();
    for (step, got) in [("decoded", &cart), ("re-decoded", &again)] {
        let got = got.extra["future"].as_f64().unwrap();
        prop_assert_eq!(
            got.to_bits(),
            exact.to_bits(),
            "unknown {} {}: {:e}",
            step,
            text,
            got
        );
    }
    Ok(())
}

#[test]
fn awkward_floats_keep_their_exact_bits() {
    let awkward = [
        "0.1",
        "0.3",
        "0.30000000000000004",
        "0.9999999999999999",
        "1.2345678901234567e-300",
        "5e-324",
        "4.9406564584124654e-324",
        "2.4703282292062328e-324",
        "2.4703282292062327e-324",
        "2.225073858507201e-308",
        "2.2250738585072011e-308",
        "2.2250738585072014e-308",
        "1.7976931348623157e308",
        "-1.7976931348623157e308",
        "8.98846567431158e307",
        "9007199254740993.0",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203126",
        "7.2057594037927933e16",
        "1e23",
        "-0.0",
        "0.0",
    ];
    for text in awkward {
        assert_exact(text).unwrap();
    }
}

/// Every finite f64: from arbitrary bits, so subnormals and both signs come up as often as
/// anything else.
fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        prop::num::f64::SUBNORMAL | prop::num::f64::POSITIVE | prop::num::f64::NEGATIVE,
        prop::num::f64::NORMAL | prop::num::f64::POSITIVE | prop::num::f64::NEGATIVE,
    ]
    .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_finite_float_keeps_its_exact_bits(f in finite_f64()) {
        // Shortest form (as serde_json writes it) and 17 significant digits (as other
        // writers do, and what a parser that is not correctly rounded gets wrong).
        assert_exact(&serde_json::to_string(&f).unwrap())?;
        assert_exact(&format!("{f:.16e}"))?;
    }
}

/// The tests above pass with or without this crate's `float_roundtrip`, since a dev-dependency
/// (jsonschema) turns it on too; a crate that depends on this one has only this crate's.
#[test]
fn serde_json_float_roundtrip_is_on_for_dependent_crates() {
    let manifest = include_str!("../Cargo.toml");
    let line = manifest
        .lines()
        .skip_while(|l| *l != "[dependencies]")
        .find(|l| l.starts_with("serde_json ="))
        .expect("serde_json is a dependency");
    assert!(line.contains("\"float_roundtrip\""), "{line}");
    assert!(!line.contains("arbitrary_precision"), "{line}");
    assert!(!manifest.contains("serde_json/arbitrary_precision"));
}
