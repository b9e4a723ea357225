//! Property tests of the id parser: it never panics, every spelling of a valid id it accepts
//! leads to the same canonical id and version, and the canonical form parses back to itself.

use proptest::prelude::*;

use super::*;

/// A valid id in canonical form, with the spelling of its body a user or feed might write.
#[derive(Debug, Clone)]
struct ValidId {
    canonical: String,
    written: String,
}

/// `YYMM.NNNN` (to 2014) or `YYMM.NNNNN` (2015 on); any two-digit year, months 01 to 12.
fn new_style() -> impl Strategy<Value = ValidId> {
    (0u32..100, 1u32..=12, 0u32..100_000, any::<bool>()).prop_map(|(yy, mm, number, five_digits)| {
        let number = if five_digits || number >= 10_000 {
            format!("{number:05}")
        } else {
            format!("{number:04}")
        };
        let canonical = format!("{yy:02}{mm:02}.{number}");
        ValidId {
            written: canonical.clone(),
            canonical,
        }
    })
}

/// `archive/YYMMNNN`, sometimes with a subject class (`math.GT/…`) and in any letter case.
fn old_style() -> impl Strategy<Value = ValidId> {
    let archive = prop_oneof![
        Just("hep-th".to_string()),
        Just("math".to_string()),
        Just("cond-mat".to_string()),
        Just("astro-ph".to_string()),
        Just("q-bio".to_string()),
        "[a-z][a-z-]{0,15}",
    ];
    let class = proptest::option::of("[A-Z]{2}");
    (archive, class, 0u32..10_000_000, any::<bool>()).prop_map(|(archive, class, number, upper)| {
        let canonical = format!("{archive}/{number:07}");
        let archive_written = if upper { archive.to_ascii_uppercase() } else { archive };
        let class = class.map(|c| format!(".{c}")).unwrap_or_default();
        ValidId {
            canonical,
            written: format!("{archive_written}{class}/{number:07}"),
        }
    })
}

/// A prefix the parser strips, in a random letter case.
fn wrapper() -> impl Strategy<Value = String> {
    let known = proptest::sample::select(WRAPPERS.to_vec());
    (
        proptest::option::of(known),
        proptest::collection::vec(any::<bool>(), 40),
    )
        .prop_map(|(wrapper, upper)| {
            wrapper
                .unwrap_or("")
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
                .collect()
        })
}

/// What may follow an id in a link: a `.pdf` suffix, a trailing slash, a query or a fragment.
fn tail() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(".pdf".to_string()),
        Just("/".to_string()),
        "[?#][a-z=&]{0,12}",
    ]
}

/// A valid id as written somewhere, with the canonical id and version it stands for.
fn spelled_id() -> impl Strategy<Value = (String, String, Option<u32>)> {
    (
        prop_oneof![new_style(), old_style()],
        proptest::option::of(1u32..1_000),
        any::<bool>(),
        wrapper(),
        tail(),
        "[ \t\n]{0,2}",
        "[ \t\n]{0,2}",
    )
        .prop_map(|(id, version, capital_v, wrapper, tail, before, after)| {
            let version_text = match version {
                Some(v) if capital_v => format!("V{v}"),
                Some(v) => format!("v{v}"),
                None => String::new(),
            };
            let written = format!("{before}{wrapper}{}{version_text}{tail}{after}", id.written);
            (written, id.canonical, version)
        })
}

/// Strings near the id grammar, so that random input reaches deep into the parser.
fn id_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        proptest::sample::select(WRAPPERS.to_vec()).prop_map(str::to_string),
        "[0-9]{1,6}",
        "[a-zA-Z.-]{1,6}",
        "[./:vV?# ]",
        "\\PC",
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn parsing_never_panics(input in any::<String>()) {
        let _ = VersionedId::parse(&input);
    }

    #[test]
    fn parsing_id_like_text_never_panics_and_what_it_accepts_is_canonical(input in id_like()) {
        if let Ok(parsed) = VersionedId::parse(&input) {
            let again = VersionedId::parse(parsed.id.as_str()).expect("a canonical id parses");
            prop_assert_eq!(&again.id, &parsed.id);
            prop_assert_eq!(again.version, None);
        }
    }

    #[test]
    fn every_spelling_gives_the_canonical_id_and_version((written, canonical, version) in spelled_id()) {
        let parsed = VersionedId::parse(&written);
        prop_assert!(parsed.is_ok(), "{:?} rejected: {:?}", written, parsed);
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.id.as_str(), canonical.as_str());
        prop_assert_eq!(parsed.id.to_string(), canonical);
        prop_assert_eq!(parsed.version, version);
    }

    #[test]
    fn the_canonical_form_round_trips((written, _, _) in spelled_id()) {
        let parsed = VersionedId::parse(&written).unwrap();
        // The canonical form is a fixed point: parsing it gives the same id, no version.
        let canonical = parsed.id.to_string();
        let reparsed = VersionedId::parse(&canonical).unwrap();
        prop_assert_eq!(&reparsed.id, &parsed.id);
        prop_assert_eq!(reparsed.id.to_string(), canonical.clone());
        // With its version appended it parses back to what was written.
        let versioned = match parsed.version {
            Some(v) => format!("{canonical}v{v}"),
            None => canonical.clone(),
        };
        prop_assert_eq!(VersionedId::parse(&versioned).unwrap(), parsed.clone());
        // The same through serde, as the store and the JSON API carry it.
        let json = serde_json::to_string(&parsed.id).unwrap();
        prop_assert_eq!(serde_json::from_str::<ArxivId>(&json).unwrap(), parsed.id);
    }
}
