//! Datapoints quoted in an alarm's state reason text, for SNS deliveries (which carry no
//! datapoint array). CloudWatch writes, e.g.:
//!
//! - `Threshold Crossed: 1 out of the last 1 datapoints [85.2 (27/11/26 18:00:00)] was greater than the threshold (80.0) ...`
//! - `Threshold Crossed: 2 out of the last 3 datapoints [660.0 (27/11/26 18:02:00), 640.0 (27/11/26 18:01:00)] were ...`
//! - `Threshold Crossed: 1 datapoint (10.0) was greater than or equal to the threshold (1.0).` (older)
//!
//! Anything else (`no datapoints were received`, `5 datapoints were unknown`, free text from
//! `SetAlarmState`) gives no datapoints: all values are read or none.

/// The values quoted after the first `datapoint(s)` of `reason`, in the order written
/// (CloudWatch lists the most recent first); empty when the text quotes none or is not in a
/// known form.
pub(crate) fn datapoints_from_reason(reason: &str) -> Vec<f64> {
    quoted_values(reason).unwrap_or_default()
}

fn quoted_values(reason: &str) -> Option<Vec<f64>> {
    let at = reason.find("datapoint")?;
    let rest = &reason[at + "datapoint".len()..];
    let rest = rest.strip_prefix('s').unwrap_or(rest).trim_start();
    let (close, rest) = if let Some(r) = rest.strip_prefix('[') {
        (']', r)
    } else {
        (')', rest.strip_prefix('(')?)
    };
    let inner = &rest[..rest.find(close)?];
    // Items are `value (dd/mm/yy hh:mm:ss)` or bare values; dates hold no commas.
    inner
        .split(',')
        .map(|item| {
            let v: f64 = item.split_whitespace().next()?.parse().ok()?;
            v.is_finite().then_some(v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::datapoints_from_reason as dp;

    #[test]
    fn reads_bracketed_and_parenthesised_lists() {
        assert_eq!(
            dp(
                "Threshold Crossed: 1 out of the last 1 datapoints [85.2 (27/11/26 18:00:00)] was greater than the threshold (80.0) (minimum 1 datapoint for OK -> ALARM transition)."
            ),
            vec![85.2]
        );
        assert_eq!(
            dp(
                "Threshold Crossed: 2 out of the last 3 datapoints [660.0 (27/11/26 18:02:00), 640.5 (27/11/26 18:01:00)] were greater than the threshold (500.0)"
            ),
            vec![660.0, 640.5]
        );
        assert_eq!(
            dp(
                "Threshold Crossed: 1 datapoint (10.0) was greater than or equal to the threshold (1.0)."
            ),
            vec![10.0]
        );
    }

    #[test]
    fn unknown_forms_give_nothing() {
        assert!(dp("Insufficient Data: 5 datapoints were unknown.").is_empty());
        assert!(dp("Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].").is_empty());
        assert!(dp("test").is_empty());
        assert!(dp("1 datapoint [abc (x), 1.0 (y)]").is_empty());
        assert!(dp("1 datapoint [1.0 (unterminated").is_empty());
        assert!(dp("1 datapoint [NaN (27/11/26 18:00:00)]").is_empty());
    }
}
