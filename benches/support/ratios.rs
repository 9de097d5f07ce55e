//! The summary of interleaved repetitions: min, median and max of the per-repetition ratios.

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    (values[(n - 1) / 2] + values[n / 2]) / 2.0
}

/// (min, median, max) of `ratios`.
pub fn spread(ratios: &[f64]) -> (f64, f64, f64) {
    let (low, high) = ratios
        .iter()
        .fold((f64::MAX, 0f64), |(l, h), r| (l.min(*r), h.max(*r)));
    (low, median(ratios.to_vec()), high)
}
