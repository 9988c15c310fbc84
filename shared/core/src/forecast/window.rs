//! Sliding maximum over a window of slots, skipping missing (NaN) values, in O(n): used for the
//! forecast's jitter (a centred window) and the capacity forecast (a window looking ahead).

use std::collections::VecDeque;

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

#[cfg(test)]
mod tests {
    use super::window_max;

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
}
