//! Which email addresses and topics a subscriber may give.
//!
//! Addresses are checked before they reach a header or the store. The rules are deliberately
//! narrower than RFC 5321: printable ASCII only (no CR/LF header injection, no look-alike
//! Unicode letters, no invisible characters), one `@`, a dotted domain, the RFC's length limits.
//! Internationalised addresses are refused with a message that says so rather than guessed at.

/// The longest address SMTP carries (RFC 5321 §4.5.3.1.3, path minus the angle brackets).
pub const MAX_ADDRESS_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
/// Topics per subscriber, and characters per topic.
pub const MAX_TOPICS: usize = 10;
pub const MAX_TOPIC_CHARS: usize = 200;

/// Why an address or topic was refused, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("the email address is empty")]
    Empty,
    #[error("the email address is {0} characters long; at most {MAX_ADDRESS_LEN} are allowed")]
    TooLong(usize),
    #[error("the email address contains a line break or control character, which is not allowed")]
    ControlCharacter,
    #[error("the email address contains the non-ASCII character {0:?}; only plain ASCII addresses are accepted")]
    NonAscii(char),
    #[error("the email address contains {0:?}, which is not allowed in an address")]
    Forbidden(char),
    #[error("the email address must be of the form name@example.org")]
    Shape,
    #[error("the part before @ is longer than {MAX_LOCAL_LEN} characters")]
    LocalTooLong,
    #[error("the domain {0:?} is not a valid domain name")]
    Domain(String),
    #[error("at most {MAX_TOPICS} topics are allowed")]
    TooManyTopics,
    #[error("a topic is {0} characters long; at most {MAX_TOPIC_CHARS} are allowed")]
    TopicTooLong(usize),
    #[error("a topic contains a line break or control character")]
    TopicControl,
}

/// Checks an address and returns it trimmed, with the domain lower-cased (the local part is
/// kept as typed: it may be case-sensitive on the receiving server).
pub fn validate_email(input: &str) -> Result<String, InputError> {
    // Trim spaces only; a CR or LF anywhere is an attempt at header injection, refused below.
    let input = input.trim_matches(' ');
    if input.is_empty() {
        return Err(InputError::Empty);
    }
    if input.chars().any(char::is_control) {
        return Err(InputError::ControlCharacter);
    }
    if let Some(c) = input.chars().find(|c| !c.is_ascii()) {
        return Err(InputError::NonAscii(c));
    }
    let length = input.chars().count();
    if length > MAX_ADDRESS_LEN {
        return Err(InputError::TooLong(length));
    }
    if let Some(c) = input.chars().find(|c| {
        matches!(
            c,
            ' ' | '"' | '(' | ')' | ',' | ':' | ';' | '<' | '>' | '[' | ']' | '\\'
        )
    }) {
        return Err(InputError::Forbidden(c));
    }
    let (local, domain) = input.split_once('@').ok_or(InputError::Shape)?;
    if local.is_empty() || domain.contains('@') {
        return Err(InputError::Shape);
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(InputError::LocalTooLong);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(InputError::Shape);
    }
    let domain = domain.to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(InputError::Domain(domain));
    }
    Ok(format!("{local}@{domain}"))
}

/// Cleans a subscriber's topics: trims each, drops empty ones and repeats, enforces the limits.
pub fn validate_topics<S: AsRef<str>>(topics: &[S]) -> Result<Vec<String>, InputError> {
    let mut clean: Vec<String> = Vec::new();
    for topic in topics {
        let topic = topic.as_ref().trim();
        if topic.is_empty() {
            continue;
        }
        if topic.chars().any(char::is_control) {
            return Err(InputError::TopicControl);
        }
        let length = topic.chars().count();
        if length > MAX_TOPIC_CHARS {
            return Err(InputError::TopicTooLong(length));
        }
        if !clean.iter().any(|t| t.eq_ignore_ascii_case(topic)) {
            clean.push(topic.to_string());
        }
    }
    if clean.len() > MAX_TOPICS {
        return Err(InputError::TooManyTopics);
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_pass_with_the_domain_lower_cased() {
        assert_eq!(
            validate_email(" Ada.L+digest@Example.ORG ").unwrap(),
            "Ada.L+digest@example.org"
        );
        assert_eq!(
            validate_email("a_b-c@mail.example.co.uk").unwrap(),
            "a_b-c@mail.example.co.uk"
        );
    }

    #[test]
    fn header_injection_is_refused() {
        for hostile in [
            "a@example.org\r\nBcc: victim@example.org",
            "a@example.org\nBcc: x@y.z",
            "a@exa\rmple.org",
            "a@example.org\0",
        ] {
            assert_eq!(
                validate_email(hostile),
                Err(InputError::ControlCharacter),
                "{hostile:?}"
            );
        }
        assert_eq!(
            validate_email("a@example.org, b@example.org"),
            Err(InputError::Forbidden(','))
        );
        assert_eq!(validate_email("Eve<a@example.org>"), Err(InputError::Forbidden('<')));
    }

    #[test]
    fn unicode_tricks_are_refused() {
        // Cyrillic "а" that looks like Latin "a"; a zero-width space; a right-to-left override.
        assert_eq!(
            validate_email("\u{430}dmin@example.org"),
            Err(InputError::NonAscii('\u{430}'))
        );
        assert!(matches!(
            validate_email("ad\u{200b}min@example.org"),
            Err(InputError::NonAscii(_))
        ));
        assert!(matches!(
            validate_email("a@exam\u{202e}ple.org"),
            Err(InputError::ControlCharacter | InputError::NonAscii(_))
        ));
        assert!(validate_email("a@ｅxample.org").is_err());
    }

    #[test]
    fn over_long_and_malformed_addresses_are_refused() {
        let long = format!("{}@example.org", "a".repeat(300));
        assert_eq!(validate_email(&long), Err(InputError::TooLong(312)));
        assert_eq!(
            validate_email(&format!("{}@example.org", "a".repeat(65))),
            Err(InputError::LocalTooLong)
        );
        for bad in [
            "",
            "plain",
            "@example.org",
            "a@",
            "a@b",
            "a@@b.org",
            "a@-b.org",
            "a..b@c.org",
            "a@b..org",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn topics_are_trimmed_deduplicated_and_limited() {
        assert_eq!(
            validate_topics(&[" llm ", "", "LLM", "diffusion"]).unwrap(),
            ["llm", "diffusion"]
        );
        let long = "x".repeat(MAX_TOPIC_CHARS + 1);
        assert_eq!(
            validate_topics(&[long]),
            Err(InputError::TopicTooLong(MAX_TOPIC_CHARS + 1))
        );
        let many: Vec<String> = (0..=MAX_TOPICS).map(|i| format!("t{i}")).collect();
        assert_eq!(validate_topics(&many), Err(InputError::TooManyTopics));
        assert_eq!(validate_topics(&["a\nb"]), Err(InputError::TopicControl));
    }
}
