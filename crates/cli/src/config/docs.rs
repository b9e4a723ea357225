//! The settings' documentation, written from the table in [`super::settings`]: `--help` text
//! here; the README's configuration table and `paperboy.example.toml` in the tests, which keep
//! those files equal to what the table says and, when one differs, print the text to paste.

use super::settings::{About, Fallback, ALL};

/// A flag's help: the setting's meaning, variable, file key and default.
pub fn flag_help(about: &About) -> String {
    let mut help = about.doc.to_string();
    if let Some(env) = about.env {
        help.push_str(&format!(" [env: {env}]"));
    }
    if let Some(key) = about.file_key() {
        help.push_str(&format!(" [config: {key}]"));
    }
    if let Fallback::Value(default) = about.fallback {
        help.push_str(&format!(" [default: {default}]"));
    }
    help
}

/// A block for `--help` listing the settings `wanted` picks, by variable (or file key).
pub fn settings_help(title: &str, wanted: impl Fn(&About) -> bool) -> String {
    let mut text = format!("{title} (environment, or the config file; paperboy.example.toml lists every setting):");
    for about in ALL.iter().filter(|a| wanted(a)) {
        let mut origin: Vec<String> = Vec::new();
        if about.env.is_some() {
            origin.extend(about.file_key());
        }
        origin.push(format!("default {}", default_words(about, "")));
        text.push_str(&format!(
            "\n  {} ({})\n      {}",
            about.label(),
            origin.join("; "),
            about.doc
        ));
    }
    text
}

/// The default as the docs say it; `code` wraps a value (backticks in Markdown).
fn default_words(about: &About, code: &str) -> String {
    match about.fallback {
        Fallback::Value(value) => format!("{code}{value}{code}"),
        Fallback::None { means: "", .. } => "none".into(),
        Fallback::None { means, .. } => format!("none ({means})"),
    }
}

/// The README's table and the example file: written here, compared with the files by the tests.
#[cfg(test)]
mod tests {
    use super::super::settings::Toml;
    use super::super::sources::{File, Sources};
    use super::super::tests::defaults;
    use super::super::{Config, Flags};
    use super::*;

    /// The README's configuration table (Markdown), one row per setting.
    fn readme_table() -> String {
        let code = |text: Option<String>| text.map_or_else(String::new, |t| format!("`{t}`"));
        let mut table =
            String::from("| flag | environment | file key | default | meaning |\n| --- | --- | --- | --- | --- |\n");
        for about in ALL {
            let cells = [
                code(about.flag.map(str::to_string)),
                code(about.env.map(str::to_string)),
                code(about.file_key()),
                default_words(about, "`"),
                about.doc.to_string(),
            ];
            table.push('|');
            for cell in cells {
                table.push_str(&if cell.is_empty() {
                    " |".to_string()
                } else {
                    format!(" {cell} |")
                });
            }
            table.push('\n');
        }
        table
    }

    /// `paperboy.example.toml`: every key at its default, and each key without one commented out
    /// with an example value.
    fn example_file() -> String {
        example(true)
    }

    fn example(comment_out_examples: bool) -> String {
        let mut text = String::from(
            "# paperboy's configuration file: every key, at its default. Name the file with\n\
         # `--config FILE` (or PAPERBOY_CONFIG); each key's environment variable and flag override it.\n\
         # Keys without a default are commented out, with an example value. Unknown keys are refused.\n\
         # (Written from crates/cli/src/config/settings.rs; a test keeps the two the same.)\n",
        );
        let mut section = None;
        for about in ALL.iter().filter(|a| a.key.is_some()) {
            if about.section() != section {
                section = about.section();
                text.push_str(&format!("\n[{}]\n", section.unwrap_or_default()));
            }
            text.push('\n');
            for line in wrap(about.doc, 96) {
                text.push_str(&format!("# {line}\n"));
            }
            let overrides: Vec<String> = [
                about.env.map(str::to_string),
                about.flag.map(|flag| format!("`{flag}`")),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !overrides.is_empty() {
                text.push_str(&format!("# Overridden by {}.\n", overrides.join(" and by ")));
            }
            let name = about.name().unwrap_or_default();
            match about.fallback {
                Fallback::Value(value) => text.push_str(&format!("{name} = {}\n", toml_literal(about.toml, value))),
                Fallback::None { means, example } => {
                    if !means.is_empty() {
                        text.push_str(&format!("# Default: none ({means}).\n"));
                    }
                    let prefix = if comment_out_examples { "# " } else { "" };
                    text.push_str(&format!("{prefix}{name} = {}\n", toml_literal(about.toml, example)));
                }
            }
        }
        text
    }

    /// A value written as in the environment, written as TOML.
    fn toml_literal(toml: Toml, value: &str) -> String {
        match toml {
            Toml::String => toml::Value::String(value.to_string()).to_string(),
            Toml::Integer | Toml::Float | Toml::Boolean => value.to_string(),
        }
    }

    /// Splits `text` into lines of at most `width` characters, at spaces.
    fn wrap(text: &str, width: usize) -> Vec<String> {
        let mut lines = vec![String::new()];
        for word in text.split_whitespace() {
            let line = lines.last_mut().expect("one line at least");
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                lines.push(word.to_string());
            } else {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
        }
        lines
    }

    const EXAMPLE: &str = include_str!("../../../../paperboy.example.toml");
    const README: &str = include_str!("../../../../README.md");

    fn resolve_example(text: &str) -> Config {
        let file = File::parse("paperboy.example.toml", text).unwrap();
        Config::resolve(&Sources { file, env: &|_| None }, Flags::default()).unwrap()
    }

    #[test]
    fn the_example_file_lists_every_key_with_its_default_and_doc() {
        assert!(
            EXAMPLE == example_file(),
            "paperboy.example.toml differs from the settings table; it should read:\n{}",
            example_file()
        );
        assert_eq!(
            resolve_example(EXAMPLE),
            defaults(),
            "the example file sets every key to its default"
        );
        // The commented-out examples are valid values too.
        let examples = resolve_example(&example(false));
        assert!(examples.database_url.is_some() && examples.search.model_dir.is_some());
        assert!(examples.mail.smtp_url.is_some() && examples.mail.from.is_some());
        assert!(examples.mail.base_url.is_some() && examples.mail.dkim_key.is_some());
    }

    #[test]
    fn the_readme_table_is_the_settings_table() {
        let expected = readme_table();
        let header = expected.lines().next().unwrap();
        let Some(start) = README.find(header) else {
            panic!(
                "README.md has no configuration table; it should have:\n{}",
                readme_table()
            );
        };
        let found: Vec<&str> = README[start..]
            .lines()
            .take_while(|line| line.starts_with('|'))
            .collect();
        let expected: Vec<&str> = expected.lines().collect();
        let missing: Vec<&&str> = expected.iter().filter(|row| !found.contains(row)).collect();
        let extra: Vec<&&str> = found.iter().filter(|row| !expected.contains(row)).collect();
        assert!(
            missing.is_empty() && extra.is_empty() && found == expected,
            "README.md's configuration table differs from the settings table\nmissing: {missing:#?}\nnot in the \
             table: {extra:#?}\nit should read:\n{}",
            readme_table()
        );
    }

    #[test]
    fn the_table_keeps_each_section_together() {
        let sections: Vec<Option<&str>> = ALL.iter().filter(|a| a.key.is_some()).map(|a| a.section()).collect();
        let mut seen: Vec<Option<&str>> = Vec::new();
        for section in sections {
            if seen.last() != Some(&section) {
                assert!(
                    !seen.contains(&section),
                    "{section:?} appears twice in settings::ALL: keep sections together"
                );
                seen.push(section);
            }
        }
        assert_eq!(
            seen.first(),
            Some(&None),
            "top-level keys come first in the example file"
        );
    }

    #[test]
    fn wrap_keeps_lines_short() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("a", 7), ["a"]);
    }
}
