//! A bound on flow nesting (`{a: {a: ...`) checked on the text before the YAML parser runs:
//! the parser refuses very deep documents itself, but only after spending time proportional to
//! the depth at every level (fuzzing found 20-50 KB documents nested ~10,000 deep taking
//! 0.3-0.7 s). JSON's reader stops at 128 levels (serde_json's limit); YAML gets the same.

/// Deepest flow nesting accepted; a configuration document needs fewer than 10.
pub(super) const MAX_DEPTH: usize = 128;

/// Refuse text whose `{`/`[` nesting, outside quoted scalars and comments, exceeds
/// [`MAX_DEPTH`]. Brackets inside plain scalars are counted too, which can only over-count;
/// no valid configuration comes near the bound.
pub(super) fn check_depth(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut prev = '\n';
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                // A quote opens a quoted scalar only where a scalar can start; inside a plain
                // scalar (`a'b`) it is an ordinary character (fuzzing: one `a'` in 10,000
                // levels of `{a: ` hid them all from this check).
                '"' | '\'' if prev.is_whitespace() || matches!(prev, '{' | '[' | ',' | ':') => {
                    quote = Some(c)
                }
                '#' if prev.is_whitespace() => {
                    // A comment runs to the end of the line.
                    for d in chars.by_ref() {
                        if d == '\n' {
                            break;
                        }
                    }
                    prev = '\n';
                    continue;
                }
                '{' | '[' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(format!(
                            "invalid YAML: nested deeper than {MAX_DEPTH} levels"
                        ));
                    }
                }
                '}' | ']' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = c;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = format!("{}{}", "{a: ".repeat(10_000), "}".repeat(10_000));
        assert!(check_depth(&deep).unwrap_err().contains("deeper than 128"));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(check_depth(&ok).is_ok());
    }

    #[test]
    fn a_quote_inside_a_plain_scalar_does_not_hide_the_nesting() {
        let deep = format!(
            "{}{{a': {}{}",
            "{a: ".repeat(100),
            "{a: ".repeat(10_000),
            "}".repeat(10_101)
        );
        assert!(check_depth(&deep).unwrap_err().contains("deeper than 128"));
    }

    #[test]
    fn brackets_in_quotes_and_comments_do_not_count() {
        let text = format!(
            "a: '{}'\nb: \"{}\" # {}\n",
            "{".repeat(500),
            "[".repeat(500),
            "{".repeat(500)
        );
        assert!(check_depth(&text).is_ok());
    }
}
