//! A plan of a cart: per line, what would fail and why.

use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::problem::LineProblem;

/// What a cart would meet at checkout, line by line, found before anything is created (the
/// client's `Customer::plan`). A line with no problem plans clean.
///
/// Serialises as `{"clean": bool, "lines": [{"index", "catalogItemId", "problems": [..]}]}`,
/// each problem as [`LineProblem`] serialises (with its `kind` and its `words`).
///
/// ```
/// use partner_center_carts::catalog::{LineProblem, Plan, PlannedLine};
///
/// let plan = Plan::new(vec![
///     PlannedLine::new(0, "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", vec![]),
///     PlannedLine::new(1, "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", vec![LineProblem::QuantityOutOfRange {
///         asked: 0, min: Some(1), max: Some(300),
///     }]),
/// ]);
/// assert!(!plan.is_clean());
/// assert_eq!(plan.problems().count(), 1);
/// assert_eq!(
///     plan.to_string(),
///     "line 1 (CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P): quantity 0 is out of range: the SKU takes 1 to 300"
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    lines: Vec<PlannedLine>,
}

impl Plan {
    /// A plan of these lines.
    pub fn new(lines: Vec<PlannedLine>) -> Self {
        Self { lines }
    }

    /// Every line, in the cart's order.
    pub fn lines(&self) -> &[PlannedLine] {
        &self.lines
    }

    /// Whether no line has a problem, [`NotChecked`](LineProblem::NotChecked) included: a
    /// clean plan checked everything it could and found nothing wrong.
    pub fn is_clean(&self) -> bool {
        self.lines.iter().all(PlannedLine::is_clean)
    }

    /// Whether no line has a problem that would refuse it ([`LineProblem::is_refusal`]): some
    /// checks may have been left to checkout.
    pub fn has_no_refusal(&self) -> bool {
        self.problems().all(|(_, p)| !p.is_refusal())
    }

    /// Every problem, with the index of its line.
    pub fn problems(&self) -> impl Iterator<Item = (usize, &LineProblem)> {
        self.lines
            .iter()
            .flat_map(|line| line.problems.iter().map(move |p| (line.index, p)))
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            let n = self.lines.len();
            return write!(f, "{n} line{} planned clean", if n == 1 { "" } else { "s" });
        }
        let mut first = true;
        for line in &self.lines {
            for problem in &line.problems {
                if !first {
                    f.write_str("\n")?;
                }
                first = false;
                write!(
                    f,
                    "line {} ({}): {problem}",
                    line.index, line.catalog_item_id
                )?;
            }
        }
        Ok(())
    }
}

impl Serialize for Plan {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut plan = serializer.serialize_struct("Plan", 2)?;
        plan.serialize_field("clean", &self.is_clean())?;
        plan.serialize_field("lines", &self.lines)?;
        plan.end()
    }
}

/// One line of a [`Plan`]: its index in the cart, its `catalogItemId`, and its problems.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedLine {
    index: usize,
    catalog_item_id: String,
    problems: Vec<LineProblem>,
}

impl PlannedLine {
    /// The line at `index` of the cart, for `catalog_item_id`, with these problems.
    pub fn new(
        index: usize,
        catalog_item_id: impl Into<String>,
        problems: Vec<LineProblem>,
    ) -> Self {
        Self {
            index,
            catalog_item_id: catalog_item_id.into(),
            problems,
        }
    }

    /// The line's index in the cart (0, 1, ...).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The line's `catalogItemId`, as given.
    pub fn catalog_item_id(&self) -> &str {
        &self.catalog_item_id
    }

    /// What would fail, and why; empty for a clean line.
    pub fn problems(&self) -> &[LineProblem] {
        &self.problems
    }

    /// Whether the line has no problem.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}
