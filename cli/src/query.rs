//! `--query`: a JMESPath expression over an answer's JSON, as `az --query` takes one.

use serde_json::Value;

/// Checks an expression when the arguments are read, so a bad one exits 2 before anything is
/// sent.
pub fn parse(expression: &str) -> Result<String, String> {
    jmespath::compile(expression)
        .map(|_| expression.to_string())
        .map_err(|e| format!("not a JMESPath expression: {e}"))
}

/// What `expression` (checked by [`parse`]) selects of `value`.
pub fn apply(expression: &str, value: Value) -> Result<Value, String> {
    let compiled = jmespath::compile(expression).map_err(|e| e.to_string())?;
    let found = compiled
        .search(value)
        .map_err(|e| format!("the query {expression:?} cannot be applied: {e}"))?;
    serde_json::to_value(&*found).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_what_the_expression_names() {
        let orders = json!({"items": [{"id": "a", "status": "pending"}, {"id": "b", "status": "completed"}]});
        assert_eq!(
            apply("items[?status=='completed'].id", orders).unwrap(),
            json!(["b"])
        );
        assert!(parse("items[").is_err());
        assert!(apply("abs(items)", json!({"items": "x"})).is_err());
    }
}
