//! What differs from run to run in an error text, and nothing else:
//! IPv4 addresses with or without a port (`ADDR`), hexadecimal runs of 32
//! characters or more (certificate fingerprints, `FINGERPRINT`), and UUIDs
//! (operation ids, `UUID`).

/// The mask, as the report lists it.
pub const RULES: [(&str, &str); 4] = [
    ("an IPv4 address, with its `:port` if any", "ADDR"),
    (
        "a host name with a `:port` (the model's addresses are `NAME:8443`)",
        "ADDR",
    ),
    (
        "a run of 32 or more hexadecimal digits (a certificate fingerprint)",
        "FINGERPRINT",
    ),
    ("a UUID (8-4-4-4-12 hexadecimal digits: an operation id)", "UUID"),
];

pub fn mask(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if starts_word && let Some(n) = uuid_at(&chars[i..]) {
            out.push_str("UUID");
            i += n;
        } else if starts_word && let Some(n) = address_at(&chars[i..]) {
            out.push_str("ADDR");
            i += n;
        } else if starts_word && let Some(n) = hex_run_at(&chars[i..]) {
            out.push_str("FINGERPRINT");
            i += n;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn run_of(chars: &[char], accept: impl Fn(char) -> bool) -> usize {
    chars.iter().take_while(|&&c| accept(c)).count()
}

fn hex_run_at(chars: &[char]) -> Option<usize> {
    let n = run_of(chars, |c| c.is_ascii_hexdigit());
    (n >= 32 && !chars.get(n).is_some_and(|c| c.is_ascii_alphanumeric())).then_some(n)
}

fn uuid_at(chars: &[char]) -> Option<usize> {
    let mut at = 0;
    for (k, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if k > 0 {
            if chars.get(at) != Some(&'-') {
                return None;
            }
            at += 1;
        }
        if run_of(&chars[at..], |c| c.is_ascii_hexdigit()) != len {
            return None;
        }
        at += len;
    }
    Some(at)
}

fn address_at(chars: &[char]) -> Option<usize> {
    let name = run_of(chars, |c| c.is_ascii_alphanumeric() || c == '-');
    if name > 0 && chars.get(name) == Some(&':') {
        let port = run_of(&chars[name + 1..], |c| c.is_ascii_digit());
        if (2..=5).contains(&port) {
            return Some(name + 1 + port);
        }
    }
    let mut at = 0;
    for k in 0..4 {
        if k > 0 {
            if chars.get(at) != Some(&'.') {
                return None;
            }
            at += 1;
        }
        let n = run_of(&chars[at..], |c| c.is_ascii_digit());
        if n == 0 || n > 3 {
            return None;
        }
        at += n;
    }
    if chars.get(at) == Some(&':') {
        let n = run_of(&chars[at + 1..], |c| c.is_ascii_digit());
        if n > 0 {
            at += 1 + n;
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_addresses_fingerprints_and_uuids_only() {
        assert_eq!(
            mask("Failed to connect to 10.213.7.2:8443: no"),
            "Failed to connect to ADDR: no"
        );
        assert_eq!(mask("op 1f2e3d4c-0000-4abc-8def-0123456789ab done"), "op UUID done");
        let fp = "ab".repeat(32);
        assert_eq!(mask(&format!("cert {fp} x")), "cert FINGERPRINT x");
        assert_eq!(mask("dial tcp m2:8443: refused"), "dial tcp ADDR: refused");
        assert_eq!(
            mask("pool \"local\" on m1, version 1.2"),
            "pool \"local\" on m1, version 1.2"
        );
    }
}
