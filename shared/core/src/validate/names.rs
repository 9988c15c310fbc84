//! Name rules of SageMaker, AAS and CloudWatch, and "did you mean" suggestions.

/// SageMaker endpoint, variant and inference component names: 1 to 63 characters, letters,
/// digits and hyphens, starting and ending with a letter or digit. (SageMaker API: EndpointName
/// and VariantName `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`, InferenceComponentName
/// `[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?`, both at most 63 long.)
pub(super) fn check_sagemaker_name(name: &str) -> Result<(), String> {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let ok = (1..=63).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && alnum(name.chars().next())
        && alnum(name.chars().last());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{name}' is not a valid SageMaker name: 1 to 63 letters, digits and hyphens, \
             starting and ending with a letter or digit"
        ))
    }
}

/// AAS PolicyName: 1 to 256 printable characters (`\p{Print}+`).
pub(super) fn check_policy_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 256 {
        return Err("must be 1 to 256 characters long".into());
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

/// AAS ScheduledActionName: 1 to 256 characters, no leading or trailing space, no control
/// characters and none of `:`, `/`, `|` (they separate the parts of its ARN).
pub(super) fn check_scheduled_action_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 256 {
        return Err("must be 1 to 256 characters long".into());
    }
    if name.starts_with(' ') || name.ends_with(' ') {
        return Err("must not start or end with a space".into());
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c.is_control() || matches!(c, ':' | '/' | '|'))
    {
        return Err(format!("must not contain {c:?}"));
    }
    Ok(())
}

/// CloudWatch AlarmName: 1 to 255 characters, no control characters.
pub(super) fn check_alarm_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 255 {
        return Err(format!(
            "alarm name '{name}' must be 1 to 255 characters long"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "alarm name {name:?} must not contain control characters"
        ));
    }
    Ok(())
}

/// The candidate closest to `word`, if close enough to be a probable typo: case is ignored
/// (`minCapacity`), and up to a third of the letters may differ (`ScaleInCooldwn`).
pub(super) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let letters = word.chars().count();
    candidates
        .iter()
        // The distance is at least the difference in length, so a word far longer or shorter
        // than a candidate cannot be its typo: skipping it keeps a 64 KB key from costing
        // 64 K rows of Levenshtein per candidate.
        .filter(|c| letters.abs_diff(c.chars().count()) <= max_typos(c))
        .map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), *c))
        .filter(|&(d, c)| d <= max_typos(c))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// How many letters of `candidate` may differ in a probable typo of it.
fn max_typos(candidate: &str) -> usize {
    (candidate.len() / 3).max(1)
}

/// Levenshtein distance; names are short, so the plain two-row version is plenty.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sagemaker_names_follow_the_api_pattern() {
        for good in [
            "a",
            "my-model-endpoint",
            "AllTraffic",
            "a--b",
            &"x".repeat(63),
        ] {
            assert!(check_sagemaker_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "my_ep", "a.b", &"x".repeat(64)] {
            assert!(check_sagemaker_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn suggestions_catch_typos_and_case_but_not_strangers() {
        let fields = ["MinCapacity", "MaxCapacity", "ScaleInCooldown"];
        assert_eq!(suggest("minCapacity", &fields), Some("MinCapacity"));
        assert_eq!(suggest("ScaleInCooldwn", &fields), Some("ScaleInCooldown"));
        assert_eq!(suggest("Alarm", &["Alarms", "PolicyName"]), Some("Alarms"));
        assert_eq!(suggest("Banana", &fields), None);
        assert_eq!(suggest("MinCapacityXY", &fields), Some("MinCapacity"));
        assert_eq!(suggest(&"MinCapacity".repeat(6_000), &fields), None);
    }

    #[test]
    fn scheduled_action_names_reject_arn_separators() {
        assert!(check_scheduled_action_name("friday-peak").is_ok());
        assert!(check_scheduled_action_name("a/b").is_err());
        assert!(check_scheduled_action_name(" lead").is_err());
    }
}
