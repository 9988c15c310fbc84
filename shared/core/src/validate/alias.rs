//! A bound on what YAML aliases may expand to.
//!
//! serde_yaml_ng resolves aliases by replaying the anchored node each time it is referenced,
//! and bounds only the number of replays (100 per event of the document), not their size: one
//! anchor of 5,000 items aliased 5,000 times (a 35 KB document) builds 25 million nodes, 2.5 GB
//! and tens of seconds before validation even starts; ten times that document exhausts memory.
//! Found by the fuzzer (`make fuzz`, regression in `tests/fixtures/fuzz/`). So before a document
//! with an alias is read into a value, its nodes are counted through the same deserializer
//! without building anything, and a document that expands to more than its own size allows
//! (two nodes per byte, which no alias-free document exceeds) plus [`ALIAS_NODES`] is refused.

use std::cell::Cell;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// Nodes that aliases may add beyond the document's own: far above any configuration's use
/// of anchors (a shared policy per target), far below what hurts.
pub(super) const ALIAS_NODES: usize = 100_000;

const TOO_LARGE: &str = "sagescale: alias expansion limit";

pub(super) fn check_expansion(text: &str) -> Result<(), String> {
    // Every alias is spelled `*name`.
    if !text.contains('*') {
        return Ok(());
    }
    let budget = text.len().saturating_mul(2).saturating_add(ALIAS_NODES);
    let count = Cell::new(0usize);
    let counter = Counter {
        count: &count,
        budget,
    };
    let result = serde_yaml_ng::Deserializer::from_str(text)
        .next()
        .map(|doc| counter.deserialize(doc));
    match result {
        Some(Err(e)) if e.to_string().contains(TOO_LARGE) => Err(format!(
            "invalid YAML: aliases expand the document to more than {budget} nodes (its size \
             allows {}, plus {ALIAS_NODES} from aliases); write the repeated parts out or share \
             less",
            text.len().saturating_mul(2)
        )),
        // Any other outcome, error included, is left to the real parse, which reports it in
        // its own words.
        _ => Ok(()),
    }
}

/// Visits every node, building nothing; fails once more than `budget` have been seen.
#[derive(Clone, Copy)]
struct Counter<'a> {
    count: &'a Cell<usize>,
    budget: usize,
}

impl Counter<'_> {
    fn tick<E: de::Error>(self) -> Result<(), E> {
        let n = self.count.get() + 1;
        self.count.set(n);
        if n > self.budget {
            Err(E::custom(TOO_LARGE))
        } else {
            Ok(())
        }
    }
}

impl<'de> DeserializeSeed<'de> for Counter<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

macro_rules! scalar {
    ($($name:ident: $ty:ty),*) => {
        $(fn $name<E: de::Error>(self, _: $ty) -> Result<(), E> {
            self.tick()
        })*
    };
}

impl<'de> Visitor<'de> for Counter<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    scalar!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.tick()
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.tick()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.tick()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.tick()?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }

    // A tagged node (`!tag value`).
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        self.tick()?;
        let ((), variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quadratic_alias_document_is_refused_quickly() {
        let items = vec!["x"; 5000].join(", ");
        let refs = vec!["*a"; 5000].join(", ");
        let text = format!("a: &a [{items}]\nScalableTargets: [{refs}]\n");
        let start = std::time::Instant::now();
        let err = check_expansion(&text).unwrap_err();
        assert!(err.contains("aliases expand the document"), "{err}");
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn ordinary_anchors_pass() {
        let text = "p: &p {PolicyName: a, PolicyType: StepScaling}\nl: [*p, *p, *p]\n";
        assert_eq!(check_expansion(text), Ok(()));
    }

    #[test]
    fn a_billion_laughs_is_refused_quickly() {
        let mut text = String::from("l0: &l0 [lol]\n");
        for i in 1..=9 {
            let refs = vec![format!("*l{}", i - 1); 9].join(", ");
            text.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        // serde_yaml_ng's own bound (replays per event) stops this one, in the real parse.
        let start = std::time::Instant::now();
        let report = crate::validate::validate_str(&text, crate::validate::Format::Yaml);
        assert!(!report.is_valid());
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
