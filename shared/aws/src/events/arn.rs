//! The few ARN fields the events module reads.

/// `arn:partition:service:region:account:resource`, borrowed from the ARN text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Arn<'a> {
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// `None` unless `s` has the six ARN parts. Parts are trimmed (some published examples
    /// carry a space after a colon).
    pub fn parse(s: &'a str) -> Option<Self> {
        let mut parts = s.splitn(6, ':');
        if parts.next()?.trim() != "arn" {
            return None;
        }
        let _partition = parts.next()?;
        let service = parts.next()?.trim();
        let region = parts.next()?.trim();
        let account = parts.next()?.trim();
        let resource = parts.next()?.trim();
        Some(Self {
            service,
            region,
            account,
            resource,
        })
    }

    /// The alarm name of a CloudWatch alarm ARN (`...:alarm:<name>`).
    pub fn alarm_name(&self) -> Option<&'a str> {
        if self.service != "cloudwatch" {
            return None;
        }
        self.resource.strip_prefix("alarm:")
    }
}

#[cfg(test)]
mod tests {
    use super::Arn;

    #[test]
    fn parses_alarm_arn_with_colons_in_name() {
        let a = Arn::parse("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a:b").unwrap();
        assert_eq!(a.region, "us-east-1");
        assert_eq!(a.account, "123456789012");
        assert_eq!(a.alarm_name(), Some("a:b"));
        assert_eq!(Arn::parse("not-an-arn"), None);
        assert_eq!(Arn::parse("arn:aws:events:us-east-1"), None);
    }
}
