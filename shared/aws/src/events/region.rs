//! SNS alarm notifications name the region in words (`"Region": "US East (N. Virginia)"`);
//! the rest of sagescale uses region codes.

/// Region names as CloudWatch writes them in alarm notifications, with the older `EU (...)` /
/// `EU - ...` spellings folded in by [`normalise`].
const REGIONS: &[(&str, &str)] = &[
    ("US East (N. Virginia)", "us-east-1"),
    ("US East (Ohio)", "us-east-2"),
    ("US West (N. California)", "us-west-1"),
    ("US West (Oregon)", "us-west-2"),
    ("Africa (Cape Town)", "af-south-1"),
    ("Asia Pacific (Hong Kong)", "ap-east-1"),
    ("Asia Pacific (Taipei)", "ap-east-2"),
    ("Asia Pacific (Mumbai)", "ap-south-1"),
    ("Asia Pacific (Hyderabad)", "ap-south-2"),
    ("Asia Pacific (Tokyo)", "ap-northeast-1"),
    ("Asia Pacific (Seoul)", "ap-northeast-2"),
    ("Asia Pacific (Osaka)", "ap-northeast-3"),
    ("Asia Pacific (Singapore)", "ap-southeast-1"),
    ("Asia Pacific (Sydney)", "ap-southeast-2"),
    ("Asia Pacific (Jakarta)", "ap-southeast-3"),
    ("Asia Pacific (Melbourne)", "ap-southeast-4"),
    ("Asia Pacific (Malaysia)", "ap-southeast-5"),
    ("Asia Pacific (New Zealand)", "ap-southeast-6"),
    ("Asia Pacific (Thailand)", "ap-southeast-7"),
    ("Canada (Central)", "ca-central-1"),
    ("Canada West (Calgary)", "ca-west-1"),
    ("China (Beijing)", "cn-north-1"),
    ("China (Ningxia)", "cn-northwest-1"),
    ("Europe (Frankfurt)", "eu-central-1"),
    ("Europe (Zurich)", "eu-central-2"),
    ("Europe (Ireland)", "eu-west-1"),
    ("Europe (London)", "eu-west-2"),
    ("Europe (Paris)", "eu-west-3"),
    ("Europe (Milan)", "eu-south-1"),
    ("Europe (Spain)", "eu-south-2"),
    ("Europe (Stockholm)", "eu-north-1"),
    ("Israel (Tel Aviv)", "il-central-1"),
    ("Mexico (Central)", "mx-central-1"),
    ("Middle East (Bahrain)", "me-south-1"),
    ("Middle East (UAE)", "me-central-1"),
    ("South America (Sao Paulo)", "sa-east-1"),
    ("AWS GovCloud (US-East)", "us-gov-east-1"),
    ("AWS GovCloud (US-West)", "us-gov-west-1"),
    ("AWS GovCloud (US)", "us-gov-west-1"),
];

/// Letters and digits only, lower case, `São` as `sao`, `EU` as `europe`: so that
/// `EU (Ireland)`, `EU - Ireland` and `Europe (Ireland)` compare equal.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            'ã' | 'Ã' => out.push('a'),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    if out.starts_with("eu") && !out.starts_with("europe") {
        out.replace_range(..2, "europe");
    }
    out
}

/// The region code for a region name as written in an SNS alarm notification, or for a code
/// itself (`us-east-1` maps to itself). `None` for a name this table does not know.
pub fn region_code_from_name(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if let Some((_, code)) = REGIONS.iter().find(|(_, code)| *code == name) {
        return Some(code);
    }
    let wanted = normalise(name);
    REGIONS
        .iter()
        .find(|(n, _)| normalise(n) == wanted)
        .map(|(_, code)| *code)
}

#[cfg(test)]
mod tests {
    use super::region_code_from_name as code;

    #[test]
    fn maps_human_names_old_and_new() {
        assert_eq!(code("US East (N. Virginia)"), Some("us-east-1"));
        assert_eq!(code("EU - Ireland"), Some("eu-west-1"));
        assert_eq!(code("EU (Frankfurt)"), Some("eu-central-1"));
        assert_eq!(code("Europe (Stockholm)"), Some("eu-north-1"));
        assert_eq!(code("South America (São Paulo)"), Some("sa-east-1"));
        assert_eq!(code("ap-southeast-2"), Some("ap-southeast-2"));
        assert_eq!(code("EXAMPLE"), None);
    }
}
