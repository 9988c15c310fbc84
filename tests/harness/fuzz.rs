//! Fuzzing of everything that reads outside input: the alarm-scaler's and the schedule-scaler's
//! event parsers and the configuration loader/validator (YAML and JSON).
//!
//! Inputs start from the real documents (`tests/fixtures/events`, `tests/fixtures/invalid`,
//! `tests/fixtures/warnings`, `examples/`, and the regressions in `tests/fixtures/fuzz`) and are
//! mutated at two levels:
//!
//! - **value level**: the document is parsed and its tree changed: keys dropped, renamed,
//!   added; nodes replaced by other types, huge/negative/fractional numbers, `"NaN"`/
//!   `"Infinity"` strings, timestamps out of range, long strings, unicode, other sources,
//!   accounts and regions; nodes wrapped in arrays and objects; arrays grown; the JSON embedded
//!   in strings (`reasonData`, SNS `Message`) mutated the same way; then written back with,
//!   sometimes, a key written twice;
//! - **text level**: truncation, flipped bytes, inserted tokens (`NaN`, `1e400`, `\ud800`,
//!   YAML anchors, aliases, tags, merge keys), deleted and duplicated ranges, duplicated lines,
//!   invalid UTF-8, nesting up to 10,000 levels, YAML alias bombs ("billion laughs").
//!
//! Every case is a pure function of (seed, parser, case number), so any case can be rebuilt
//! alone (`sagescale-fuzz --parser alarm --case N --dump`). The property checked by [`check`]:
//! no panic, and the result is either accepted or the documented rejection: an
//! [`EventError`] for events (which the handlers report as `RejectedEvent`), an invalid
//! [`Report`] with at least one error for configurations. Time per case is measured by the
//! callers (the `make fuzz` binary and the fixed-seed tests).

use std::path::Path;

use serde_json::{Map, Value};

use sagescale_aws::events::{EventError, Origin, parse_alarm_event, parse_schedule_event};
use sagescale_core::validate::{Format, Report, validate_str};

use crate::{ACCOUNT_ID, REGION, repo_root};

/// xorshift64*: small, fast, deterministic; no dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that close seeds give unrelated streams; never 0.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True once in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The four readers of outside input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parser {
    /// `parse_alarm_event` then `Origin::check_alarm` (what `AlarmHandler::handle` does first).
    Alarm,
    /// `parse_schedule_event` then `Origin::check_schedule`.
    Schedule,
    /// `validate_str(_, Format::Yaml)`.
    ConfigYaml,
    /// `validate_str(_, Format::Json)`.
    ConfigJson,
}

impl Parser {
    pub const ALL: [Parser; 4] = [
        Parser::Alarm,
        Parser::Schedule,
        Parser::ConfigYaml,
        Parser::ConfigJson,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Parser::Alarm => "alarm",
            Parser::Schedule => "schedule",
            Parser::ConfigYaml => "config-yaml",
            Parser::ConfigJson => "config-json",
        }
    }

    pub fn from_name(name: &str) -> Option<Parser> {
        Parser::ALL.into_iter().find(|p| p.name() == name)
    }

    fn index(self) -> u64 {
        self as u64
    }

    /// Inputs are cut to this size: Lambda's limit for an asynchronous invocation's payload
    /// (alarm actions, EventBridge and SNS all invoke asynchronously), and for configuration
    /// files 64 KiB, above any real one (the examples are under 4 KiB).
    pub fn max_input(self) -> usize {
        if self.is_event() { 256 << 10 } else { 64 << 10 }
    }

    fn is_event(self) -> bool {
        matches!(self, Parser::Alarm | Parser::Schedule)
    }
}

/// What one input did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Rejected with the documented error; `kind` names it (`Malformed`, `ForeignAccount`, ...
    /// for events; `syntax` or `content` for configurations).
    Rejected {
        kind: &'static str,
    },
    /// The event is not JSON at all: the Lambda runtime refuses it before the handler runs.
    NotJson,
    /// The configuration is not UTF-8: the CLI refuses to read it as text.
    NotUtf8,
    /// The result breaks the documented contract (an empty error message, a valid report
    /// without a document, ...).
    Violation(String),
}

/// The deployment the event checks run as (the emulator's account and region, and the
/// demo's alarm prefix).
pub fn origin(parser: Parser) -> Origin {
    Origin {
        account: ACCOUNT_ID.to_string(),
        region: REGION.to_string(),
        alarm_prefix: (parser == Parser::Alarm).then(|| "sagescale-".to_string()),
    }
}

/// Runs one input through `parser`, checking the result's contract (not time or panics:
/// the caller wraps this in `catch_unwind` and a clock).
pub fn check(parser: Parser, input: &[u8]) -> Verdict {
    match parser {
        Parser::Alarm | Parser::Schedule => {
            // As the Lambda runtime does: the payload is read into a `Value` first.
            let Ok(payload) = serde_json::from_slice::<Value>(input) else {
                return Verdict::NotJson;
            };
            match event_result(parser, &payload) {
                Ok(()) => Verdict::Accepted,
                Err(e) => event_rejection(&e),
            }
        }
        Parser::ConfigYaml | Parser::ConfigJson => {
            let Ok(text) = std::str::from_utf8(input) else {
                return Verdict::NotUtf8;
            };
            let format = if parser == Parser::ConfigYaml {
                Format::Yaml
            } else {
                Format::Json
            };
            config_verdict(&validate_str(text, format))
        }
    }
}

/// The parse and the origin check, and for accepted events what the handlers derive from them
/// before any AWS call (dedup keys, the JSON the outcome log carries, the pass time).
pub fn event_result(parser: Parser, payload: &Value) -> Result<(), EventError> {
    let origin = origin(parser);
    match parser {
        Parser::Alarm => {
            let changes = parse_alarm_event(payload)?;
            for c in &changes {
                origin.check_alarm(c)?;
                std::hint::black_box(c.dedup_key());
                std::hint::black_box(serde_json::to_string(c).ok());
            }
            Ok(())
        }
        _ => {
            let ev = parse_schedule_event(payload)?;
            origin.check_schedule(&ev)?;
            std::hint::black_box(serde_json::to_string(&ev).ok());
            Ok(())
        }
    }
}

fn event_rejection(e: &EventError) -> Verdict {
    let message = e.to_string();
    if message.trim().is_empty() {
        return Verdict::Violation(format!("empty error message: {e:?}"));
    }
    let kind = match e {
        EventError::Malformed { path, .. } => {
            if path.is_empty() {
                return Verdict::Violation(format!("malformed without a path: {e:?}"));
            }
            "Malformed"
        }
        EventError::UnsupportedSource { .. } => "UnsupportedSource",
        EventError::ForeignAccount { .. } => "ForeignAccount",
        EventError::ForeignRegion { .. } => "ForeignRegion",
        EventError::AlarmNotAllowed { .. } => "AlarmNotAllowed",
    };
    Verdict::Rejected { kind }
}

fn config_verdict(report: &Report) -> Verdict {
    let errors: Vec<_> = report.errors().collect();
    for p in &report.problems {
        if p.message.trim().is_empty() {
            return Verdict::Violation(format!("a problem without a message at {}", p.path));
        }
        std::hint::black_box(p.to_string());
    }
    match (errors.first(), &report.document) {
        (None, Some(_)) => Verdict::Accepted,
        (None, None) => Verdict::Violation("no error but no document".into()),
        (Some(_), Some(_)) => Verdict::Violation("errors but a document".into()),
        (Some(first), None) => Verdict::Rejected {
            kind: if first.message.starts_with("invalid YAML")
                || first.message.starts_with("invalid JSON")
            {
                "syntax"
            } else {
                "content"
            },
        },
    }
}

/// The documents mutations start from.
pub struct Corpus {
    /// Event fixtures, as parsed values (both event parsers start from all of them: an alarm
    /// event sent to the schedule-scaler must be rejected too).
    events: Vec<Value>,
    /// Event fixtures that are not JSON objects or not JSON (kept as text).
    event_texts: Vec<Vec<u8>>,
    /// Configuration documents as values (YAML read into JSON values).
    configs: Vec<Value>,
    /// Configuration texts as they are (YAML; duplicate keys, syntax errors included).
    yaml_texts: Vec<String>,
    /// JSON configuration texts.
    json_texts: Vec<String>,
    /// Every key, string and number found in the corpus: mutations reuse them, so a
    /// `StepScaling` meets a `TargetTrackingScaling` field, an ARN lands in a name.
    keys: Vec<String>,
    strings: Vec<String>,
    numbers: Vec<Value>,
}

fn files(dir: &Path, ext: &[&str]) -> Vec<(String, Vec<u8>)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ext.contains(&e))
        })
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read fixture");
            (p.file_name().unwrap().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    out.sort();
    out
}

impl Corpus {
    /// Reads the fixtures and examples of the repository.
    pub fn load() -> Corpus {
        let root = repo_root();
        let mut c = Corpus {
            events: Vec::new(),
            event_texts: Vec::new(),
            configs: Vec::new(),
            yaml_texts: Vec::new(),
            json_texts: Vec::new(),
            keys: Vec::new(),
            strings: Vec::new(),
            numbers: Vec::new(),
        };
        let fuzz = root.join("tests/fixtures/fuzz");
        let event_files = files(&root.join("tests/fixtures/events"), &["json"])
            .into_iter()
            .chain(files(&fuzz, &["event"]));
        for (_, bytes) in event_files {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v @ Value::Object(_)) => c.events.push(v),
                _ => c.event_texts.push(bytes),
            }
        }
        let config_files = files(&root.join("examples"), &["yaml", "yml", "json"])
            .into_iter()
            .chain(files(
                &root.join("tests/fixtures/invalid"),
                &["yaml", "json"],
            ))
            .chain(files(
                &root.join("tests/fixtures/warnings"),
                &["yaml", "json"],
            ))
            .chain(files(&fuzz, &["yaml", "json"]));
        for (name, bytes) in config_files {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if name.ends_with(".json") {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    c.configs.push(v);
                }
                c.json_texts.push(text);
            } else {
                // Only documents the validator can read become values (not an alias bomb).
                let readable = !validate_str(&text, Format::Yaml)
                    .errors()
                    .any(|p| p.message.starts_with("invalid YAML"));
                if readable && let Ok(v) = serde_yaml_ng::from_str::<Value>(&text) {
                    c.json_texts.push(v.to_string());
                    c.configs.push(v);
                }
                c.yaml_texts.push(text);
            }
        }
        assert!(
            !c.events.is_empty() && !c.configs.is_empty(),
            "fixtures not found under {}",
            root.display()
        );
        let mut vocab = (Vec::new(), Vec::new(), Vec::new());
        for v in c.events.iter().chain(&c.configs) {
            collect(v, &mut vocab, 0);
        }
        for v in [&mut vocab.0, &mut vocab.1] {
            v.sort();
            v.dedup();
        }
        (c.keys, c.strings, c.numbers) = vocab;
        c
    }

    /// Case `case` of `parser` for `seed`: the same three numbers always give the same input.
    pub fn case(&self, parser: Parser, seed: u64, case: u64) -> Vec<u8> {
        let mut rng = Rng::new(
            seed ^ parser.index().wrapping_mul(0x1000_0000_0000_0001) ^ case.rotate_left(17),
        );
        let mut m = Mutator {
            c: self,
            rng: &mut rng,
            parser,
        };
        m.generate()
    }
}

type Vocab = (Vec<String>, Vec<String>, Vec<Value>);

fn collect(v: &Value, vocab: &mut Vocab, depth: usize) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                vocab.0.push(k.clone());
                collect(x, vocab, depth + 1);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, vocab, depth + 1)),
        Value::String(s) => {
            // Embedded JSON (reasonData, SNS Message) adds its own vocabulary.
            if depth < 8
                && let Ok(inner @ (Value::Object(_) | Value::Array(_))) =
                    serde_json::from_str::<Value>(s)
            {
                collect(&inner, vocab, depth + 1);
            }
            vocab.1.push(s.clone());
        }
        Value::Number(_) => vocab.2.push(v.clone()),
        _ => {}
    }
}

const STRINGS: &[&str] = &[
    "",
    " ",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "inf",
    "1e999",
    "-1e999",
    "-0",
    "0x10",
    "null",
    "true",
    "ALARM",
    "OK",
    "INSUFFICIENT_DATA",
    "alarm",
    "Scheduled Event",
    "CloudWatch Alarm State Change",
    "aws.cloudwatch",
    "aws.events",
    "aws.ec2",
    "aws:sns",
    "aws:sqs",
    "2026-11-27T18:02:10.123+0000",
    "2026-11-27T18:02:10Z",
    "2026-02-30T00:00:00Z",
    "2026-11-27T23:59:60Z",
    "9999-12-31T23:59:59Z",
    "+262143-12-31T23:59:59Z",
    "-262143-01-01T00:00:00Z",
    "+275760-09-13T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "0000-00-00T00:00:00Z",
    "2026-11-27T18:02:10.123456789012345+0000",
    "2026-11-27T18:02:10+99:99",
    "2026-11-27",
    "27/11/26 18:00:00",
    "<aws.scheduler.scheduled-time>",
    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:sagescale-demo-latency-high",
    "arn:aws:cloudwatch:eu-west-1:999999999999:alarm:sagescale-demo-latency-high",
    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:",
    "arn:aws:cloudwatch:::alarm:x",
    "arn:",
    "arn:::::",
    "arn:aws:events:us-east-1:123456789012:rule/x",
    "123456789012",
    "999999999999",
    "us-east-1",
    "eu-west-1",
    "US East (N. Virginia)",
    "Europe (Ireland)",
    "Mars (Olympus Mons)",
    "sagescale-demo-latency-high",
    "sagescale-",
    "other-alarm",
    "endpoint/demo-endpoint/variant/AllTraffic",
    "endpoint//variant/",
    "inference-component/ic",
    "sagemaker",
    "sagemaker:variant:DesiredInstanceCount",
    "StepScaling",
    "TargetTrackingScaling",
    "cron(0 18 * * ? *)",
    "cron(",
    "cron(*/0 * * * ? *)",
    "cron(0 18 31 2 ? *)",
    "rate(1 minute)",
    "rate(0 minutes)",
    "rate(99999999999999999999 days)",
    "at(2026-11-27T18:00:00)",
    "at(9999-99-99T99:99:99)",
    "America/New_York",
    "Mars/Olympus",
    "UTC",
    "Threshold Crossed: 1 datapoint [",
    "datapoints [NaN (27/11/26 18:00:00)] was greater than",
    "datapoints [1e999 (27/11/26 18:00:00), -inf (x)] were",
    "{\"threshold\": \"NaN\", \"recentDatapoints\": [1e999]}",
    "{\"threshold\": 1e308, \"recentDatapoints\": [1e308, -1e308, 5e-324]}",
    "{",
    "é",
    "🙂",
    "\u{0}",
    "\u{202e}evil",
    "\u{feff}",
    "a\u{301}\u{301}\u{301}",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\u{10ffff}",
    "日本語",
    "\r\n",
    "\\",
    "\"",
    "../../etc/passwd",
    "%s%n%x",
    "'; DROP TABLE x; --",
];

const JSON_TOKENS: &[&str] = &[
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "0.0000000000000000000000000000001e-400",
    "-0",
    "\\ud800",
    "\\udc00",
    "\\u0000",
    "\\",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "\u{feff}",
    "/*",
    "//",
    "\"a\":1,",
    "\"source\":\"aws.ec2\",",
];

const YAML_TOKENS: &[&str] = &[
    "&a ",
    "*a",
    "<<: *a\n",
    "!!str ",
    "!!binary ",
    "!!float ",
    "!!map ",
    "!custom ",
    "? ",
    "- ",
    ": ",
    "\t",
    "{",
    "}",
    "[",
    "]",
    "'",
    "\"",
    "|",
    ">",
    "%YAML 1.2\n",
    "---\n",
    "...\n",
    "#",
    ".nan",
    ".inf",
    "-.inf",
    "1e400",
    "0x7fffffffffffffffffff",
    "~",
    "yes",
    "\u{feff}",
    "\\u0000",
    "\n  ",
];

struct Mutator<'a> {
    c: &'a Corpus,
    rng: &'a mut Rng,
    parser: Parser,
}

impl Mutator<'_> {
    fn generate(&mut self) -> Vec<u8> {
        let rng = &mut *self.rng;
        // Now and then a whole input generated from nothing: nesting, bombs, noise.
        if rng.one_in(40) {
            return self.synthetic();
        }
        let mut bytes = match self.parser {
            Parser::Alarm | Parser::Schedule => {
                if !self.c.event_texts.is_empty() && self.rng.one_in(30) {
                    self.rng.pick(&self.c.event_texts).clone()
                } else {
                    let mut v = self.rng.pick(&self.c.events).clone();
                    self.mutate_value_n(&mut v);
                    self.write_json(&v)
                }
            }
            Parser::ConfigJson => {
                if self.rng.one_in(10) {
                    self.rng.pick(&self.c.json_texts).clone().into_bytes()
                } else {
                    let mut v = self.rng.pick(&self.c.configs).clone();
                    self.mutate_value_n(&mut v);
                    self.write_json(&v)
                }
            }
            Parser::ConfigYaml => {
                if self.rng.one_in(4) {
                    self.rng.pick(&self.c.yaml_texts).clone().into_bytes()
                } else {
                    let mut v = self.rng.pick(&self.c.configs).clone();
                    self.mutate_value_n(&mut v);
                    serde_yaml_ng::to_string(&v)
                        .unwrap_or_else(|_| v.to_string())
                        .into_bytes()
                }
            }
        };
        // Text-level mutations on about a third of the inputs (on every raw YAML seed).
        if self.rng.one_in(3) || (self.parser == Parser::ConfigYaml && self.rng.one_in(2)) {
            let n = 1 + self.rng.below(3);
            for _ in 0..n {
                self.mutate_text(&mut bytes);
            }
        }
        bytes.truncate(self.parser.max_input());
        bytes
    }

    fn mutate_value_n(&mut self, v: &mut Value) {
        let n = 1 + self.rng.below(4);
        for _ in 0..n {
            self.mutate_value(v, 0);
        }
    }

    fn mutate_value(&mut self, root: &mut Value, depth: usize) {
        let op = self.rng.below(13);
        if op == 10 {
            return self.grow(root);
        }
        let node = pick_node(root, self.rng);
        match op {
            // Drop a key, or an array element.
            0 => match node {
                Value::Object(o) if !o.is_empty() => {
                    let k = o.keys().nth(self.rng.below(o.len())).unwrap().clone();
                    o.remove(&k);
                }
                Value::Array(a) if !a.is_empty() => {
                    a.remove(self.rng.below(a.len()));
                }
                _ => *node = Value::Null,
            },
            // Rename a key.
            1 => {
                if let Value::Object(o) = node
                    && !o.is_empty()
                {
                    let k = o.keys().nth(self.rng.below(o.len())).unwrap().clone();
                    let x = o.remove(&k).unwrap();
                    let renamed = self.rename(&k);
                    o.insert(renamed, x);
                }
            }
            // An extra field.
            2 => {
                if let Value::Object(o) = node {
                    let k = if self.rng.one_in(3) {
                        self.string()
                    } else {
                        self.rng.pick(&self.c.keys).clone()
                    };
                    let x = self.random_value(0);
                    o.insert(k, x);
                }
            }
            // Another type, or another value of any type.
            3 | 4 => *node = self.random_value(0),
            // Numbers.
            5 => *node = self.number(),
            // Strings.
            6 => *node = Value::String(self.string()),
            // The JSON embedded in a string.
            7 if depth < 3 => {
                let mut embedded = Vec::new();
                embedded_strings(root, &mut embedded);
                if !embedded.is_empty() {
                    let s = embedded.swap_remove(self.rng.below(embedded.len()));
                    if let Ok(mut inner) = serde_json::from_str::<Value>(s) {
                        for _ in 0..1 + self.rng.below(3) {
                            self.mutate_value(&mut inner, depth + 1);
                        }
                        let mut text = self.write_json(&inner);
                        if self.rng.one_in(4) {
                            self.mutate_text(&mut text);
                        }
                        *s = String::from_utf8_lossy(&text).into_owned();
                    }
                }
            }
            // The identity of the event: source, account, region, detail-type, ARN, names.
            8 => {
                const IDENTITY: &[&str] = &[
                    "source",
                    "account",
                    "accountId",
                    "region",
                    "detail-type",
                    "alarmArn",
                    "alarmName",
                    "resources",
                    "EventSource",
                    "eventSource",
                    "AWSAccountId",
                    "Region",
                    "AlarmArn",
                    "AlarmName",
                    "ResourceId",
                    "ScheduledActionName",
                    "ScheduledTime",
                    "time",
                    "timestamp",
                    "value",
                    "NewStateValue",
                    "StateChangeTime",
                ];
                let key = *self.rng.pick(IDENTITY);
                let s = self.string();
                set_key_somewhere(root, key, Value::String(s), self.rng);
            }
            // Wrapped, nested.
            9 => {
                let most = if self.rng.one_in(4) { 60 } else { 4 };
                let levels = 1 + self.rng.below(most);
                let mut x = std::mem::take(node);
                for _ in 0..levels {
                    x = if self.rng.one_in(2) {
                        Value::Array(vec![x])
                    } else {
                        let mut m = Map::new();
                        m.insert(self.rng.pick(&self.c.keys).clone(), x);
                        Value::Object(m)
                    };
                }
                *node = x;
            }
            // A scalar or an empty container where a document was.
            11 => {
                *root = match self.rng.below(4) {
                    0 => Value::Array(Vec::new()),
                    1 => Value::Object(Map::new()),
                    _ => self.random_value(0),
                }
            }
            // A value from elsewhere in the corpus (other fixtures' subtrees).
            _ => {
                let other = if self.parser.is_event() {
                    self.rng.pick(&self.c.events)
                } else {
                    self.rng.pick(&self.c.configs)
                };
                let mut other = other.clone();
                let x = std::mem::take(pick_node(&mut other, self.rng));
                *node = x;
            }
        }
    }

    /// Arrays grown: duplicated elements, many records, many datapoints.
    fn grow(&mut self, root: &mut Value) {
        let room = MAX_NODES.saturating_sub(nodes(root));
        let node = pick_node(root, self.rng);
        if let Value::Array(a) = node
            && !a.is_empty()
        {
            let x = a[self.rng.below(a.len())].clone();
            // Bounded, or repeated growth of nested arrays is exponential.
            let n = (*self.rng.pick(&[1usize, 2, 10, 100, 1000])).min(room / nodes(&x));
            a.extend(std::iter::repeat_n(x, n));
        } else if nodes(node) * 2 <= room {
            let x = std::mem::take(node);
            *node = Value::Array(vec![x.clone(), x]);
        }
    }

    fn rename(&mut self, k: &str) -> String {
        match self.rng.below(6) {
            0 => k.to_lowercase(),
            1 => k.to_uppercase(),
            2 => format!("{k}{}", self.string()),
            3 => k.chars().skip(1).collect(),
            4 => self.rng.pick(&self.c.keys).clone(),
            _ => self.string(),
        }
    }

    fn string(&mut self) -> String {
        match self.rng.below(10) {
            0..=4 => (*self.rng.pick(STRINGS)).to_string(),
            5..=6 => self.rng.pick(&self.c.strings).clone(),
            7 => {
                // Long strings.
                let n = *self.rng.pick(&[256usize, 4096, 100_000]);
                let unit = *self
                    .rng
                    .pick(&["x", "🙂", "é", "sagescale-", "[1.0 (x)], "]);
                unit.repeat(n / unit.len().max(1))
            }
            8 => {
                // Random code points (any scalar value).
                let n = self.rng.below(40);
                (0..n)
                    .filter_map(|_| char::from_u32(self.rng.below(0x11_0000) as u32))
                    .collect()
            }
            _ => {
                // A corpus string with a piece changed.
                let s = self.rng.pick(&self.c.strings).clone();
                let mut chars: Vec<char> = s.chars().collect();
                if !chars.is_empty() {
                    let i = self.rng.below(chars.len());
                    match self.rng.below(3) {
                        0 => {
                            chars.remove(i);
                        }
                        1 => chars.insert(i, *self.rng.pick(&['-', ':', '/', ' ', '\u{0}', 'é'])),
                        _ => chars.truncate(i),
                    }
                }
                chars.into_iter().collect()
            }
        }
    }

    fn number(&mut self) -> Value {
        const F: &[f64] = &[
            0.0,
            -0.0,
            0.5,
            -0.5,
            1e308,
            -1e308,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            9_007_199_254_740_993.0,
            1e20,
            -1e20,
            2_147_483_648.0,
            3.000_000_000_000_000_4,
        ];
        const I: &[i64] = &[
            0,
            1,
            -1,
            2,
            100,
            10_000,
            86_400,
            2_147_483_647,
            -2_147_483_648,
            i64::MAX,
            i64::MIN,
        ];
        match self.rng.below(6) {
            0 => Value::from(*self.rng.pick(F)),
            1 => Value::from(*self.rng.pick(I)),
            2 => Value::from(u64::MAX - self.rng.below(3) as u64),
            3 => Value::from(self.rng.next_u64() as i64),
            4 => Value::from(f64::from_bits(self.rng.next_u64())), // NaN/inf become null
            _ => self
                .c
                .numbers
                .get(self.rng.below(self.c.numbers.len().max(1)))
                .cloned()
                .unwrap_or(Value::from(1)),
        }
    }

    fn random_value(&mut self, depth: usize) -> Value {
        match self.rng.below(if depth > 2 { 6 } else { 8 }) {
            0 => Value::Null,
            1 => Value::Bool(self.rng.one_in(2)),
            2 | 3 => self.number(),
            4 | 5 => Value::String(self.string()),
            6 => {
                let n = self.rng.below(4);
                Value::Array((0..n).map(|_| self.random_value(depth + 1)).collect())
            }
            _ => {
                let n = self.rng.below(4);
                let mut m = Map::new();
                for _ in 0..n {
                    let k = self.rng.pick(&self.c.keys).clone();
                    let x = self.random_value(depth + 1);
                    m.insert(k, x);
                }
                Value::Object(m)
            }
        }
    }

    /// JSON text; now and then one key of an object written twice (with another value).
    fn write_json(&mut self, v: &Value) -> Vec<u8> {
        let dup = self.rng.one_in(8);
        let mut out = Vec::new();
        self.write(v, &mut out, dup);
        out
    }

    fn write(&mut self, v: &Value, out: &mut Vec<u8>, dup: bool) {
        match v {
            Value::Array(a) => {
                out.push(b'[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write(x, out, dup);
                }
                out.push(b']');
            }
            Value::Object(o) => {
                out.push(b'{');
                let twice =
                    (dup && !o.is_empty() && self.rng.one_in(3)).then(|| self.rng.below(o.len()));
                for (i, (k, x)) in o.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend(serde_json::to_vec(k).unwrap());
                    out.push(b':');
                    self.write(x, out, dup);
                    if twice == Some(i) {
                        out.push(b',');
                        out.extend(serde_json::to_vec(k).unwrap());
                        out.push(b':');
                        let other = self.random_value(1);
                        self.write(&other, out, false);
                    }
                }
                out.push(b'}');
            }
            scalar => out.extend(serde_json::to_vec(scalar).unwrap()),
        }
    }

    fn mutate_text(&mut self, bytes: &mut Vec<u8>) {
        let len = bytes.len();
        let at = |rng: &mut Rng| rng.below(len + 1);
        match self.rng.below(10) {
            0 => {
                let i = at(self.rng);
                bytes.truncate(i);
            }
            1 if len > 0 => {
                let i = self.rng.below(len);
                bytes[i] ^= 1 << self.rng.below(8);
            }
            2 | 3 => {
                let tokens = if self.parser == Parser::ConfigYaml {
                    YAML_TOKENS
                } else {
                    JSON_TOKENS
                };
                let t = *self.rng.pick(tokens);
                let i = at(self.rng);
                bytes.splice(i..i, t.bytes());
            }
            4 if len > 0 => {
                let i = self.rng.below(len);
                let j = (i + 1 + self.rng.below(64)).min(len);
                bytes.drain(i..j);
            }
            5 if len > 0 => {
                let i = self.rng.below(len);
                let j = (i + 1 + self.rng.below(256)).min(len);
                let piece = bytes[i..j].to_vec();
                let k = at(self.rng);
                bytes.splice(k..k, piece);
            }
            6 => {
                // Invalid UTF-8.
                const BAD: &[&[u8]] = &[
                    &[0xff],
                    &[0xc3],
                    &[0xed, 0xa0, 0x80],
                    &[0xf4, 0x90, 0x80, 0x80],
                ];
                let bad: &[u8] = self.rng.pick::<&[u8]>(BAD);
                let i = at(self.rng);
                bytes.splice(i..i, bad.iter().copied());
            }
            7 => {
                // A number literal replaced by a non-finite or out-of-range one.
                let digits: Vec<usize> = (0..len).filter(|&i| bytes[i].is_ascii_digit()).collect();
                if !digits.is_empty() {
                    let i = *self.rng.pick(&digits);
                    let mut j = i;
                    while j < len && (bytes[j].is_ascii_digit() || b".eE+-".contains(&bytes[j])) {
                        j += 1;
                    }
                    let t = *self.rng.pick(&[
                        "NaN",
                        "Infinity",
                        "-Infinity",
                        "1e400",
                        "-1e400",
                        ".nan",
                        ".inf",
                        "99999999999999999999999999",
                        "-0",
                        "1e-400",
                    ]);
                    bytes.splice(i..j, t.bytes());
                }
            }
            8 => {
                // Deep nesting around the input.
                let n = *self.rng.pick(&[100usize, 127, 128, 129, 1000, 10_000]);
                let (open, close) = if self.rng.one_in(2) {
                    ("[", "]")
                } else if self.parser == Parser::ConfigYaml {
                    ("{a: ", "}")
                } else {
                    ("{\"a\":", "}")
                };
                let mut out = open.repeat(n).into_bytes();
                out.extend_from_slice(bytes);
                out.extend(close.repeat(n).bytes());
                *bytes = out;
            }
            _ => {
                // A line duplicated (YAML: duplicate keys) or dropped.
                let lines: Vec<usize> = std::iter::once(0)
                    .chain((0..len).filter(|&i| bytes[i] == b'\n').map(|i| i + 1))
                    .collect();
                let s = *self.rng.pick(&lines);
                let e = bytes[s..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(len, |p| s + p + 1);
                if self.rng.one_in(2) {
                    let line = bytes[s..e].to_vec();
                    bytes.splice(e..e, line);
                } else {
                    bytes.drain(s..e);
                }
            }
        }
    }

    /// Inputs generated from nothing.
    fn synthetic(&mut self) -> Vec<u8> {
        let yaml = self.parser == Parser::ConfigYaml;
        match self.rng.below(6) {
            0 => {
                let n = *self.rng.pick(&[128usize, 129, 1000, 10_000, 50_000]);
                format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()
            }
            1 => {
                let n = *self.rng.pick(&[128usize, 129, 1000, 10_000]);
                if yaml {
                    // Block-style nesting: indentation, not brackets.
                    let mut s = String::new();
                    for i in 0..n {
                        s.push_str(&" ".repeat(i.min(200)));
                        s.push_str("a:\n");
                    }
                    s.into_bytes()
                } else {
                    format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes()
                }
            }
            2 if yaml => billion_laughs(2 + self.rng.below(9), 2 + self.rng.below(9)).into_bytes(),
            3 if yaml => {
                let k = *self.rng.pick(&[10usize, 100, 1000, 5000]);
                quadratic_aliases(k, k).into_bytes()
            }
            4 if yaml => merge_bomb(2 + self.rng.below(8), 2 + self.rng.below(8)).into_bytes(),
            _ => {
                let n = self.rng.below(512);
                (0..n).map(|_| self.rng.next_u64() as u8).collect()
            }
        }
    }
}

/// The most nodes a mutated value may have (growth stops there).
const MAX_NODES: usize = 200_000;

fn nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(nodes).sum(),
        Value::Object(o) => o.values().map(nodes).sum(),
        _ => 0,
    }
}

/// A random node: a walk from the root that stops at each level with probability 1/4.
fn pick_node<'a>(v: &'a mut Value, rng: &mut Rng) -> &'a mut Value {
    let n = match v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    };
    if n == 0 || rng.one_in(4) {
        return v;
    }
    let i = rng.below(n);
    match v {
        Value::Array(a) => pick_node(&mut a[i], rng),
        Value::Object(o) => pick_node(o.values_mut().nth(i).unwrap(), rng),
        _ => unreachable!(),
    }
}

/// Strings holding a JSON object or array (`reasonData`, SNS `Message`).
fn embedded_strings<'a>(v: &'a mut Value, out: &mut Vec<&'a mut String>) {
    match v {
        Value::Object(o) => o.values_mut().for_each(|x| embedded_strings(x, out)),
        Value::Array(a) => a.iter_mut().for_each(|x| embedded_strings(x, out)),
        Value::String(s) if s.starts_with('{') || s.starts_with('[') => out.push(s),
        _ => {}
    }
}

/// Sets `key` in one object that has it (or in the root when none does).
fn set_key_somewhere(root: &mut Value, key: &str, value: Value, rng: &mut Rng) {
    fn find<'a>(v: &'a mut Value, key: &str, out: &mut Vec<&'a mut Map<String, Value>>) {
        match v {
            Value::Object(o) => {
                if o.contains_key(key) {
                    // Children first would need a second borrow; the object is enough.
                    let o: &'a mut Map<String, Value> = o;
                    out.push(o);
                } else {
                    o.values_mut().for_each(|x| find(x, key, out));
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| find(x, key, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    find(root, key, &mut found);
    if found.is_empty() {
        if let Value::Object(o) = root {
            o.insert(key.to_string(), value);
        }
    } else {
        let i = rng.below(found.len());
        found.swap_remove(i).insert(key.to_string(), value);
    }
}

/// `levels` anchors, each a list of `fan` aliases of the previous one: `fan^levels` leaves.
pub fn billion_laughs(levels: usize, fan: usize) -> String {
    let mut s = String::from("l0: &l0 [\"lol\"]\n");
    for i in 1..=levels {
        let refs = vec![format!("*l{}", i - 1); fan].join(", ");
        s.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    s.push_str(&format!("ScalableTargets: *l{levels}\n"));
    s
}

/// One anchor of `k` items aliased `m` times: `k * m` nodes from `k + m` events.
pub fn quadratic_aliases(k: usize, m: usize) -> String {
    let items = vec!["x"; k].join(", ");
    let refs = vec!["*a"; m].join(", ");
    format!("a: &a [{items}]\nScalableTargets: [{refs}]\n")
}

/// Merge keys (`<<`) chained: each mapping merges `fan` copies of the previous one.
pub fn merge_bomb(levels: usize, fan: usize) -> String {
    let mut s = String::from("m0: &m0 {a: 1, b: 2}\n");
    for i in 1..=levels {
        let refs = vec![format!("*m{}", i - 1); fan].join(", ");
        s.push_str(&format!("m{i}: &m{i} {{<<: [{refs}], k{i}: 1}}\n"));
    }
    s.push_str(&format!("ScalableTargets: [*m{levels}]\n"));
    s
}

/// A short printable preview of an input, for reports.
pub fn preview(input: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(&input[..input.len().min(max)]);
    let mut p: String = s
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect();
    if input.len() > max {
        p.push_str(&format!("… ({} bytes)", input.len()));
    }
    p
}

/// What a run of one parser found.
#[derive(Debug, Default)]
pub struct Stats {
    pub cases: u64,
    pub accepted: u64,
    /// Rejections by error kind (`NotJson`/`NotUtf8` included: refused before the parser).
    pub rejected: std::collections::BTreeMap<&'static str, u64>,
    /// (case, panic message).
    pub panics: Vec<(u64, String)>,
    /// (case, what broke the contract).
    pub violations: Vec<(u64, String)>,
    /// Cases over the hang threshold: (case, time).
    pub slow: Vec<(u64, std::time::Duration)>,
    /// (case, time, input length).
    pub slowest: (u64, std::time::Duration, usize),
    pub elapsed: std::time::Duration,
}

impl Stats {
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    pub fn failed(&self) -> bool {
        !self.panics.is_empty() || !self.violations.is_empty() || !self.slow.is_empty()
    }
}

/// The case being run, for a watchdog (the binary's): its number and when it started
/// (milliseconds since the run's epoch; `u64::MAX` between cases).
#[derive(Debug)]
pub struct Heartbeat {
    pub case: std::sync::atomic::AtomicU64,
    pub started_ms: std::sync::atomic::AtomicU64,
    pub epoch: std::time::Instant,
    /// Print each case's number to stderr before running it (to find a case that kills the
    /// process: a stack overflow, the OOM killer).
    pub trace: bool,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat {
            case: 0.into(),
            started_ms: u64::MAX.into(),
            epoch: std::time::Instant::now(),
            trace: false,
        }
    }
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    static IN_CASE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs a panic hook that, for a panic inside a case run by [`run`], records the message
/// instead of printing it (the run reports it once, with its case); other panics go to the
/// previous hook. Idempotent.
pub fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(install_hook);
}

fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_CASE.with(|c| c.get()) {
            return previous(info);
        }
        let msg = match info.payload().downcast_ref::<&str>() {
            Some(s) => (*s).to_string(),
            None => info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "non-string panic payload".into()),
        };
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
    }));
}

/// CPU time of the calling thread. A case is timed by the work it makes the parser do, not by
/// the wall clock: on a machine busy with other work, a 20 ms case waited for a core for over
/// 100 ms and was counted a hang. (A case that really hangs still trips the heartbeat's
/// wall-clock watchdog.)
fn thread_cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is always supported
    // on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs cases `first..first + cases` of `parser`: each under `catch_unwind` and the thread's
/// CPU clock; a case that takes more than `hang` of CPU time is kept as a hang candidate.
pub fn run(
    corpus: &Corpus,
    parser: Parser,
    seed: u64,
    first: u64,
    cases: u64,
    hang: std::time::Duration,
    heartbeat: &Heartbeat,
) -> Stats {
    use std::sync::atomic::Ordering::Relaxed;
    quiet_panics();
    let start = std::time::Instant::now();
    let mut st = Stats::default();
    for case in first..first + cases {
        let input = corpus.case(parser, seed, case);
        heartbeat.case.store(case, Relaxed);
        if heartbeat.trace {
            eprintln!("case {case} ({} bytes)", input.len());
        }
        heartbeat
            .started_ms
            .store(heartbeat.epoch.elapsed().as_millis() as u64, Relaxed);
        let t = thread_cpu_time();
        IN_CASE.with(|c| c.set(true));
        let result = std::panic::catch_unwind(|| check(parser, &input));
        IN_CASE.with(|c| c.set(false));
        let took = thread_cpu_time().saturating_sub(t);
        heartbeat.started_ms.store(u64::MAX, Relaxed);
        st.cases += 1;
        if took > st.slowest.1 {
            st.slowest = (case, took, input.len());
        }
        if took > hang {
            st.slow.push((case, took));
        }
        match result {
            Ok(Verdict::Accepted) => st.accepted += 1,
            Ok(Verdict::Rejected { kind }) => *st.rejected.entry(kind).or_default() += 1,
            Ok(Verdict::NotJson) => *st.rejected.entry("NotJson").or_default() += 1,
            Ok(Verdict::NotUtf8) => *st.rejected.entry("NotUtf8").or_default() += 1,
            Ok(Verdict::Violation(why)) => st.violations.push((case, why)),
            Err(_) => {
                let msg = LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_else(|| "panic".into());
                st.panics.push((case, msg));
            }
        }
    }
    st.elapsed = start.elapsed();
    st
}
