//! Validation of configuration documents with AAS rules; every problem with its path.
//!
//! Two passes, so that one run reports everything instead of stopping at the first problem
//! (which is what deserialising straight into `model` would do):
//! 1. *structure*: the document is parsed into an untyped value and walked against a schema of
//!    the keys each object allows (`schema`): unknown fields (with a "did you mean" for near
//!    misses: a typo must not silently disable a policy), wrong types, missing fields;
//! 2. *rules*: each scalable target whose structure is sound is deserialised into the typed
//!    model and checked against AAS's rules (`rules`; the step-list rules are the engine's
//!    own, `step::check_step_configuration`, so validation and decisions agree).
//!
//! Errors make a document invalid; warnings point at legal but probably unintended settings.

mod alias;
mod depth;
mod json;
mod names;
mod path;
mod predictive;
mod rules;
mod schema;

use std::fmt;

use serde_yaml_ng::Value;

use crate::model::{Document, ScalableTarget};

pub use path::Path;
pub use predictive::MAX_PREDICTIVE_POLICIES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding: where it is in the document, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub path: Path,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// The outcome of validating one document.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// In document order: structural problems of a target first, then its rule problems.
    pub problems: Vec<Problem>,
    /// The typed document, present only when there is no error at all.
    pub document: Option<Document>,
}

impl Report {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }

    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }
}

/// The syntax of a document. Both are read into the same untyped value; JSON through
/// serde_json (`json`) so that its syntax errors read like JSON errors, not YAML ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// `.json` is JSON; anything else (`.yaml`, `.yml`, none) is YAML.
    pub fn from_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// Parses and validates a document, reporting every problem found.
pub fn validate_str(text: &str, format: Format) -> Report {
    let value = match parse(text, format) {
        Ok(value) => value,
        Err(message) => {
            return Report {
                problems: vec![Problem {
                    severity: Severity::Error,
                    path: Path::root(),
                    message,
                }],
                document: None,
            };
        }
    };
    validate_value(&value)
}

/// The rules pass alone, for a document that is already typed (built in code, or read back
/// from the table): every AAS rule, with the same paths as `validate_str`.
pub fn validate_document(document: &Document) -> Vec<Problem> {
    let mut out = Problems::default();
    let targets: Vec<(usize, &ScalableTarget)> =
        document.scalable_targets.iter().enumerate().collect();
    for &(index, target) in &targets {
        rules::check_target(&target_path(index, target), target, &mut out);
    }
    rules::check_unique_resource_ids(&targets, &mut out);
    out.0
}

fn parse(text: &str, format: Format) -> Result<Value, String> {
    match format {
        Format::Yaml => {
            depth::check_depth(text)?;
            alias::check_expansion(text)?;
            let mut value: Value =
                serde_yaml_ng::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
            // Anchors are resolved by the parser, but `<<: *shared` merge keys are not: apply
            // them, so a policy shared between targets this way reads as the user meant.
            value
                .apply_merge()
                .map_err(|e| format!("invalid YAML merge key: {e}"))?;
            Ok(value)
        }
        Format::Json => json::parse(text).map_err(|e| format!("invalid JSON: {e}")),
    }
}

fn validate_value(root: &Value) -> Report {
    let mut out = Problems::default();
    let Some(items) = schema::check_document(root, &mut out) else {
        return Report {
            problems: out.0,
            document: None,
        };
    };

    // Structure is checked target by target so that the rules still run on every target
    // whose structure is sound, even when another target has a typo.
    let mut typed = Vec::new();
    let mut all_typed = true;
    for (index, item) in items.iter().enumerate() {
        let mut structural = Problems::default();
        let path = schema::check_target(index, item, &mut structural);
        let sound = !structural.has_errors();
        out.0.extend(structural.0);
        if !sound {
            all_typed = false;
            continue;
        }
        match serde_yaml_ng::from_value::<ScalableTarget>(item.clone()) {
            Ok(target) => {
                rules::check_target(&path, &target, &mut out);
                typed.push((index, target));
            }
            Err(e) => {
                // The schema should have caught anything serde rejects; say so rather than
                // dropping the target silently.
                all_typed = false;
                out.error(&path, format!("cannot be read: {e}"));
            }
        }
    }
    let refs: Vec<(usize, &ScalableTarget)> = typed.iter().map(|(i, t)| (*i, t)).collect();
    rules::check_unique_resource_ids(&refs, &mut out);

    let document = (all_typed && !out.has_errors()).then(|| Document {
        scalable_targets: typed.into_iter().map(|(_, t)| t).collect(),
    });
    Report {
        problems: out.0,
        document,
    }
}

/// `ScalableTargets[i] (ResourceId)`: how every problem inside a target starts.
fn target_path(index: usize, target: &ScalableTarget) -> Path {
    Path::root()
        .field("ScalableTargets")
        .index(index)
        .scope(Some(&target.resource_id))
}

/// The collector the passes write into.
#[derive(Debug, Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn error(&mut self, path: &Path, message: impl Into<String>) {
        self.push(Severity::Error, path, message.into());
    }

    fn warning(&mut self, path: &Path, message: impl Into<String>) {
        self.push(Severity::Warning, path, message.into());
    }

    fn push(&mut self, severity: Severity, path: &Path, message: String) {
        self.0.push(Problem {
            severity,
            path: path.clone(),
            message,
        });
    }

    fn has_errors(&self) -> bool {
        self.0.iter().any(|p| p.severity == Severity::Error)
    }
}
