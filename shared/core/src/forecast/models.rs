//! The two seasonal models: the load at the same time of day (Daily) or of the week (Weekly) on
//! the days of the training window, summarised by a quantile per forecast slot.

use super::Seasonality;

/// A week's samples are rescaled to the most recent week's level by at most this factor (or its
/// inverse): beyond that the series changed regime and rescaling would amplify noise.
const MAX_WEEK_RATIO: f64 = 2.0;

/// For each quantile of `qs`, the forecast of the `horizon` slots that follow `train` (the
/// sanitized history inside the lookback window: >= 0, NaN = missing), with slots of `day`
/// per day; `jittered` is `train` maxed over the jitter window (`window_max_within`).
pub(super) fn forecast(
    train: &[f64],
    jittered: &[f64],
    day: usize,
    model: Seasonality,
    horizon: usize,
    qs: &[f64],
) -> Vec<Vec<f64>> {
    let profiles = match model {
        Seasonality::Daily => daily_profile(jittered, day, qs),
        Seasonality::Weekly => weekly_profile(train, jittered, day, horizon, qs),
    };
    profiles
        .iter()
        .map(|p| (0..horizon).map(|h| p[h % p.len()]).collect())
        .collect()
}

/// One day of slots after the end of `jittered`: per slot, the quantiles over the days d >= 1
/// of `jittered[end + slot - d * day]`; a slot with no sample takes the nearest slot's value.
fn daily_profile(jittered: &[f64], day: usize, qs: &[f64]) -> Vec<Vec<f64>> {
    let n = jittered.len();
    let mut profiles = profile(day, qs, |slot, samples| {
        samples.extend(
            (1..=(n + slot) / day)
                .map(|d| jittered[n + slot - d * day])
                .filter(|v| !v.is_nan()),
        );
    });
    for p in &mut profiles {
        fill_nearest(p);
    }
    profiles
}

/// Up to a week of slots (no more than `horizon`) after the end of `jittered`: per slot, the
/// quantiles over the whole weeks k >= 1 of the training window of `jittered[end + slot - k *
/// week]`, each rescaled by (mean load of the last week) / (mean load of week k), so a trend in
/// level carries over and a weekly-periodic series is reproduced exactly (every ratio is 1).
/// A slot with no sample takes the daily model's value.
fn weekly_profile(
    raw: &[f64],
    jittered: &[f64],
    day: usize,
    horizon: usize,
    qs: &[f64],
) -> Vec<Vec<f64>> {
    let n = raw.len();
    let week = 7 * day;
    let weeks = n / week;
    let recent = mean(&raw[n - week.min(n)..]);
    let ratios: Vec<f64> = (1..=weeks)
        .map(|k| {
            let level = mean(&raw[n - k * week..n - (k - 1) * week]);
            if level > 0.0 && recent.is_finite() {
                (recent / level).clamp(1.0 / MAX_WEEK_RATIO, MAX_WEEK_RATIO)
            } else {
                1.0
            }
        })
        .collect();
    let mut profiles = profile(horizon.min(week), qs, |slot, samples| {
        samples.extend(
            ratios
                .iter()
                .enumerate()
                .map(|(i, r)| jittered[n + slot - (i + 1) * week] * r)
                .filter(|v| !v.is_nan()),
        );
    });
    if !profiles.iter().flatten().any(|v| v.is_nan()) {
        return profiles;
    }
    // Only now, as it costs as much as the weekly profile itself.
    let daily = daily_profile(jittered, day, qs);
    for (p, d) in profiles.iter_mut().zip(&daily) {
        for (slot, v) in p.iter_mut().enumerate() {
            if v.is_nan() {
                *v = d[slot % day];
            }
        }
    }
    profiles
}

/// Per quantile, `slots` values: the quantile of the samples `collect` gives for each slot
/// (NaN where it gives none). Samples are sorted once for all quantiles.
pub(super) fn profile(
    slots: usize,
    qs: &[f64],
    mut collect: impl FnMut(usize, &mut Vec<f64>),
) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = qs.iter().map(|_| Vec::with_capacity(slots)).collect();
    let mut samples = Vec::new();
    for slot in 0..slots {
        samples.clear();
        collect(slot, &mut samples);
        samples.sort_unstable_by(f64::total_cmp);
        for (o, &q) in out.iter_mut().zip(qs) {
            o.push(if samples.is_empty() {
                f64::NAN
            } else {
                quantile(&samples, q)
            });
        }
    }
    out
}

/// Quantile `q` in [0, 1] of non-empty sorted samples, interpolating linearly between order
/// statistics (Hyndman and Fan's type 7, the default of R and NumPy): 0 is the minimum, 1 the
/// maximum, and it never decreases as `q` grows.
pub(super) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = (pos.floor() as usize).min(sorted.len() - 1);
    let hi = (lo + 1).min(sorted.len() - 1);
    let (a, b) = (sorted[lo], sorted[hi]);
    // `min`: rounding must not carry the result past the next order statistic.
    (a + (b - a) * (pos - lo as f64)).min(b)
}

/// Mean of the non-NaN values; NaN when there are none.
fn mean(values: &[f64]) -> f64 {
    let (sum, count) = values
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    sum / count as f64
}

/// Replaces each NaN of a periodic profile by the value of the nearest non-NaN slot, going
/// round the period (the earlier one on a tie); all NaN becomes all 0.
fn fill_nearest(profile: &mut [f64]) {
    let len = profile.len();
    if profile.iter().all(|v| v.is_nan()) {
        profile.fill(0.0);
        return;
    }
    if !profile.iter().any(|v| v.is_nan()) {
        return;
    }
    let known = profile.to_vec();
    let mut distance = vec![usize::MAX; len];
    // Twice round the period, forwards then backwards, so every gap sees its neighbours.
    let mut last = None;
    for idx in (0..2 * len).map(|i| i % len) {
        if !known[idx].is_nan() {
            last = Some(idx);
        } else if let Some(l) = last {
            let d = (idx + len - l) % len;
            if d < distance[idx] {
                distance[idx] = d;
                profile[idx] = known[l];
            }
        }
    }
    let mut next = None;
    for idx in (0..2 * len).rev().map(|i| i % len) {
        if !known[idx].is_nan() {
            next = Some(idx);
        } else if let Some(nx) = next {
            let d = (nx + len - idx) % len;
            if d < distance[idx] {
                distance[idx] = d;
                profile[idx] = known[nx];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_between_order_statistics() {
        let s = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(quantile(&s, 0.0), 1.0);
        assert_eq!(quantile(&s, 1.0), 8.0);
        assert_eq!(quantile(&s, 0.5), 3.0);
        assert_eq!(quantile(&[5.0], 0.9), 5.0);
    }

    #[test]
    fn gaps_take_the_nearest_value_round_the_period() {
        let nan = f64::NAN;
        let mut p = [nan, 1.0, nan, nan, nan, 3.0, nan];
        fill_nearest(&mut p);
        // Slot 6 is one slot from 5 and two (round the period) from 1; slot 3 ties: earlier wins.
        assert_eq!(p, [1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0]);
        let mut empty = [nan, nan];
        fill_nearest(&mut empty);
        assert_eq!(empty, [0.0, 0.0]);
    }

    #[test]
    fn a_week_samples_are_rescaled_to_the_recent_level() {
        // Two weeks of one slot per day; the last week is twice the first.
        let train: Vec<f64> = (0..14)
            .map(|i| {
                if i < 7 {
                    1.0 + i as f64
                } else {
                    2.0 * (i - 6) as f64
                }
            })
            .collect();
        let out = forecast(&train, &train, 1, Seasonality::Weekly, 7, &[0.0, 1.0]);
        // Week 1 (rescaled x2) and week 2 agree: every quantile is the last week again.
        let last_week: Vec<f64> = train[7..].to_vec();
        assert_eq!(out[0], last_week);
        assert_eq!(out[1], last_week);
    }
}
