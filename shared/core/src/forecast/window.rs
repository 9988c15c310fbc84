//! Sliding maximum over a window of slots, skipping missing (NaN) values, in O(n): used for the
//! forecast's jitter (a centred window) and the capacity forecast (a window looking ahead).

use std::collections::VecDeque;
use std::ops::Range;

/// `out[i]` = the maximum of the non-NaN values in `[i - before, i + after]` (clipped to the
/// slice); NaN when that window holds none.
pub(crate) fn window_max(values: &[f64], before: usize, after: usize) -> Vec<f64> {
    if before == 0 && after == 0 {
        return values.to_vec();
    }
    let n = values.len();
    let mut out = Vec::with_capacity(n);
    // Indices of the window's candidates for the maximum, their values strictly decreasing.
    let mut candidates: VecDeque<usize> = VecDeque::new();
    let mut next = 0;
    for i in 0..n {
        let last = i.saturating_add(after).min(n - 1);
        while next <= last {
            let v = values[next];
            if !v.is_nan() {
                while candidates.back().is_some_and(|&b| values[b] <= v) {
                    candidates.pop_back();
                }
                candidates.push_back(next);
            }
            next += 1;
        }
        let first = i.saturating_sub(before);
        while candidates.front().is_some_and(|&f| f < first) {
            candidates.pop_front();
        }
        out.push(candidates.front().map_or(f64::NAN, |&f| values[f]));
    }
    out
}

/// `window_max(&values[range], j, j)`, in O(len + j²) given `full = window_max(values, j, j)`:
/// only the `j` slots at each end of the range see past it and are recomputed. The backtest
/// jitters many overlapping stretches of one history this way.
pub(crate) fn window_max_within(
    values: &[f64],
    full: &[f64],
    range: Range<usize>,
    j: usize,
) -> Vec<f64> {
    let part = &values[range.clone()];
    let mut out = full[range].to_vec();
    let len = out.len();
    let edges = (0..j.min(len)).chain(len.saturating_sub(j).max(j.min(len))..len);
    for i in edges {
        out[i] = part[i.saturating_sub(j)..(i + j + 1).min(len)]
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f64::NAN, f64::max);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{window_max, window_max_within};

    /// The plain definition, to compare the deque against.
    fn brute(values: &[f64], before: usize, after: usize) -> Vec<f64> {
        (0..values.len())
            .map(|i| {
                let lo = i.saturating_sub(before);
                let hi = (i + after).min(values.len() - 1);
                values[lo..=hi]
                    .iter()
                    .copied()
                    .filter(|v| !v.is_nan())
                    .fold(f64::NAN, f64::max)
            })
            .collect()
    }

    #[test]
    fn matches_the_definition_with_gaps() {
        let nan = f64::NAN;
        let values = [3.0, nan, 1.0, 5.0, nan, nan, nan, 2.0, 2.0, 0.0, 7.0, nan];
        for before in 0..5 {
            for after in 0..5 {
                let got = window_max(&values, before, after);
                let want = brute(&values, before, after);
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        g == w || (g.is_nan() && w.is_nan()),
                        "{before} {after}: {got:?} vs {want:?}"
                    );
                }
            }
        }
        assert!(window_max(&[], 2, 2).is_empty());
    }

    #[test]
    fn a_range_is_jittered_as_if_alone() {
        let nan = f64::NAN;
        let values = [
            3.0, nan, 1.0, 5.0, nan, 9.0, nan, 2.0, 2.0, 0.0, 7.0, nan, 4.0,
        ];
        for j in 0..6 {
            let full = window_max(&values, j, j);
            for start in 0..values.len() {
                for end in start..=values.len() {
                    let got = window_max_within(&values, &full, start..end, j);
                    let want = window_max(&values[start..end], j, j);
                    assert_eq!(
                        format!("{got:?}"),
                        format!("{want:?}"),
                        "j {j}, {start}..{end}"
                    );
                }
            }
        }
    }
}
