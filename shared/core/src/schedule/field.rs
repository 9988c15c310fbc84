//! One numeric cron field (minutes, hours, plain day-of-month, month, plain day-of-week, year)
//! parsed into a bit set, so the search can jump to the next allowed value in O(1)-ish.

/// Allowed values of one field, `W` words of bits; bit `i` stands for `spec.min + i`. One
/// word holds any field but the year, which needs four (1970-2199 is 230 values).
/// Fixed size: parsing allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldSet<const W: usize = 1> {
    min: u32,
    words: [u64; W],
}

/// The year field's set.
pub(crate) type YearSet = FieldSet<4>;

impl<const W: usize> FieldSet<W> {
    fn empty(min: u32) -> Self {
        FieldSet { min, words: [0; W] }
    }

    fn insert(&mut self, value: u32) {
        let i = value - self.min;
        self.words[(i / 64) as usize] |= 1 << (i % 64);
    }

    pub(crate) fn contains(&self, value: u32) -> bool {
        value >= self.min && {
            let i = value - self.min;
            i < 64 * W as u32 && self.words[(i / 64) as usize] & (1 << (i % 64)) != 0
        }
    }

    /// The smallest allowed value `>= value`; `None` when there is none.
    pub(crate) fn next_from(&self, value: u32) -> Option<u32> {
        let start = value.saturating_sub(self.min);
        let mut word = (start / 64) as usize;
        let mut bits = self.words.get(word)? & (u64::MAX << (start % 64));
        loop {
            if bits != 0 {
                return Some(self.min + word as u32 * 64 + bits.trailing_zeros());
            }
            word += 1;
            bits = *self.words.get(word)?;
        }
    }

    /// The largest allowed value `<= value`; `None` when there is none.
    pub(crate) fn prev_from(&self, value: u32) -> Option<u32> {
        let i = value.checked_sub(self.min)?.min(64 * W as u32 - 1);
        let mut word = (i / 64) as usize;
        let mut bits = self.words[word] & (u64::MAX >> (63 - i % 64));
        loop {
            if bits != 0 {
                return Some(self.min + word as u32 * 64 + 63 - bits.leading_zeros());
            }
            word = word.checked_sub(1)?;
            bits = self.words[word];
        }
    }

    /// The low word as a mask indexed by the value itself (bit d = day d for day-of-month).
    pub(crate) fn low_mask_by_value(&self) -> u64 {
        self.words[0] << self.min
    }
}

/// The shape of one field: its name in messages, its range and optional names (JAN-DEC).
pub(crate) struct FieldSpec {
    pub name: &'static str,
    pub min: u32,
    pub max: u32,
    /// Names for `min`, `min + 1`, ...; matched case-insensitively.
    pub names: &'static [&'static str],
    /// What the user should write instead of a bad value, e.g. "1-12 or JAN-DEC".
    pub hint: &'static str,
    pub allows_step: bool,
}

pub(crate) const MINUTES: FieldSpec = FieldSpec {
    name: "minutes",
    min: 0,
    max: 59,
    names: &[],
    hint: "0-59",
    allows_step: true,
};
pub(crate) const HOURS: FieldSpec = FieldSpec {
    name: "hours",
    min: 0,
    max: 23,
    names: &[],
    hint: "0-23",
    allows_step: true,
};
pub(crate) const DAY_OF_MONTH: FieldSpec = FieldSpec {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    hint: "1-31",
    allows_step: true,
};
pub(crate) const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
    hint: "1-12 or JAN-DEC",
    allows_step: true,
};
/// AWS numbers weekdays 1=SUN .. 7=SAT (not cron's 0=SUN), and its table lists no `/` here.
pub(crate) const DAY_OF_WEEK: FieldSpec = FieldSpec {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    hint: "1-7 or SUN-SAT",
    allows_step: false,
};
pub(crate) const YEAR: FieldSpec = FieldSpec {
    name: "year",
    min: 1970,
    max: 2199,
    names: &[],
    hint: "1970-2199",
    allows_step: true,
};

impl FieldSpec {
    /// Parses `*`, `a`, `a-b`, `*/n`, `a/n`, `a-b/n` and comma lists of them.
    /// Errors are the reason only ("minutes: ..."); the caller adds the expression.
    pub(crate) fn parse<const W: usize>(&self, text: &str) -> Result<FieldSet<W>, String> {
        let mut set = FieldSet::empty(self.min);
        for item in text.split(',') {
            if item.is_empty() {
                return Err(format!("{}: empty value in list '{text}'", self.name));
            }
            let (range, step) = match item.split_once('/') {
                Some(_) if !self.allows_step => {
                    return Err(format!("{}: '/' is not allowed here", self.name));
                }
                Some((range, step)) => (range, Some(self.parse_step(item, step)?)),
                None => (item, None),
            };
            let (first, last) = match range {
                "*" => (self.min, self.max),
                _ => match range.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (self.value(a)?, self.value(b)?);
                        if a > b {
                            return Err(format!(
                                "{}: range '{range}' runs backwards (write the smaller value first)",
                                self.name
                            ));
                        }
                        (a, b)
                    }
                    // `a/n` means from a to the end of the range.
                    None if step.is_some() => (self.value(range)?, self.max),
                    None => {
                        let v = self.value(range)?;
                        (v, v)
                    }
                },
            };
            let step = step.unwrap_or(1);
            let mut v = first;
            while v <= last {
                set.insert(v);
                v += step;
            }
        }
        Ok(set)
    }

    fn parse_step(&self, item: &str, step: &str) -> Result<u32, String> {
        match step.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!(
                "{}: step in '{item}' must be a whole number of at least 1",
                self.name
            )),
        }
    }

    /// One value: a number in range or a name.
    pub(crate) fn value(&self, token: &str) -> Result<u32, String> {
        if let Some(i) = self
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(token))
        {
            return Ok(self.min + i as u32);
        }
        if let Some(c) = token
            .chars()
            .map(|c| c.to_ascii_uppercase())
            .find(|c| "?LW#".contains(*c))
        {
            return Err(self.misplaced(c));
        }
        match token.parse::<u32>() {
            Ok(v) if (self.min..=self.max).contains(&v) => Ok(v),
            Ok(_) => Err(format!(
                "{}: '{token}' is out of range {}",
                self.name, self.hint
            )),
            Err(_) => Err(format!(
                "{}: '{token}' is not a valid value (use {})",
                self.name, self.hint
            )),
        }
    }

    /// A special character used where this field does not allow it.
    pub(crate) fn misplaced(&self, c: char) -> String {
        if c == '?' && self.name.starts_with("day-of-") {
            return format!("{}: '?' must be the whole field", self.name);
        }
        let where_ = match c {
            '?' => "day-of-month and day-of-week",
            'L' => "day-of-month (L, L-n, LW) and day-of-week (L, nL)",
            'W' => "day-of-month (nW, LW)",
            _ => "day-of-week (e.g. 6#3)",
        };
        format!(
            "{}: '{c}' is not allowed here; it is only valid in {where_}",
            self.name
        )
    }
}
