//! Where settings' values come from: the environment, then the TOML file, then the table's
//! default. Each value is checked by its setting's parser and refused with words naming the
//! variable or the key; the file's unknown keys are refused before anything is read.

use std::path::Path;

use anyhow::{bail, Context};

use super::settings::{About, Fallback, Setting, Toml, ALL};

/// Looks up an environment variable (`std::env::var`, or a map in tests). Empty means unset.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The configuration file's keys, read once and checked against the table.
pub struct File {
    /// How errors name the file.
    name: String,
    table: toml::Table,
}

impl File {
    /// No file: every setting comes from the environment or its default.
    pub fn none() -> File {
        File {
            name: String::new(),
            table: toml::Table::new(),
        }
    }

    pub fn read(path: &Path) -> anyhow::Result<File> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        File::parse(&path.display().to_string(), &text)
    }

    /// Parses `text` as the file called `name`, refusing keys the table does not have.
    pub fn parse(name: &str, text: &str) -> anyhow::Result<File> {
        let name = format!("config file {name}");
        let table: toml::Table = toml::from_str(text).with_context(|| format!("{name} is invalid"))?;
        check_keys(&name, &table, None)?;
        Ok(File { name, table })
    }

    /// The setting's value in the file, as the environment would write it and as the file does.
    fn text(&self, about: &About) -> anyhow::Result<Option<(String, String)>> {
        let (Some(name), Some(shown)) = (about.name(), about.file_key()) else {
            return Ok(None);
        };
        let mut table = &self.table;
        for part in about.section().into_iter().flat_map(|section| section.split('.')) {
            match table.get(part).and_then(toml::Value::as_table) {
                Some(inner) => table = inner,
                None => return Ok(None),
            }
        }
        let Some(value) = table.get(name) else {
            return Ok(None);
        };
        use toml::Value as V;
        let text = match (about.toml, value) {
            (Toml::String, V::String(s)) => s.clone(),
            (Toml::Integer | Toml::Float, V::Integer(i)) => i.to_string(),
            (Toml::Float, V::Float(f)) => f.to_string(),
            (Toml::Boolean, V::Boolean(b)) => b.to_string(),
            (expected, _) => {
                let expected = match expected {
                    Toml::String => "a string",
                    Toml::Integer => "an integer",
                    Toml::Float => "a number",
                    Toml::Boolean => "true or false",
                };
                bail!("{}: {shown} must be {expected}, not {value}", self.name)
            }
        };
        Ok(Some((text, value.to_string())))
    }
}

/// Refuses the keys of `table` (the file's top, or `section`) that the settings table lacks,
/// and descends into the sections it has (`[sources]`, `[sources.arxiv]`).
fn check_keys(name: &str, table: &toml::Table, section: Option<&str>) -> anyhow::Result<()> {
    for (key, value) in table {
        if ALL
            .iter()
            .any(|a| a.section() == section && a.name() == Some(key.as_str()))
        {
            continue;
        }
        let full = section.map_or_else(|| key.clone(), |s| format!("{s}.{key}"));
        if subsections(section).contains(&full.as_str()) {
            let Some(inner) = value.as_table() else {
                bail!("{name}: `{key}` must be a section, [{full}]");
            };
            check_keys(name, inner, Some(&full))?;
            continue;
        }
        match section {
            None => bail!("{name}: unknown key `{key}` (known: {})", known(None)),
            Some(s) => bail!("{name}: unknown key `{key}` in [{s}] (known: {})", known(Some(s))),
        }
    }
    Ok(())
}

/// The sections directly inside `section` (or at the top), by full name, in table order.
fn subsections(section: Option<&str>) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = Vec::new();
    for key in ALL.iter().filter_map(|a| a.key) {
        let rest = match section {
            None => Some(key),
            Some(s) => key.strip_prefix(s).and_then(|r| r.strip_prefix('.')),
        };
        // The part of `key` naming a section directly inside, if the key lies deeper.
        let Some(rest) = rest else { continue };
        let Some((child, _)) = rest.split_once('.') else {
            continue;
        };
        let full = &key[..key.len() - rest.len() + child.len()];
        if !found.contains(&full) {
            found.push(full);
        }
    }
    found
}

/// The keys allowed at the top of the file (`None`) or in one section, then its sections.
fn known(section: Option<&str>) -> String {
    let mut names: Vec<String> = ALL
        .iter()
        .filter(|a| a.section() == section)
        .filter_map(|a| a.name())
        .map(str::to_string)
        .collect();
    names.extend(subsections(section).into_iter().map(|s| format!("[{s}]")));
    names.join(", ")
}

/// The file and the environment, read setting by setting.
pub struct Sources<'a> {
    pub file: File,
    pub env: Env<'a>,
}

impl Sources<'_> {
    /// The value the environment or the file gives, the environment first; `None` when
    /// neither sets it.
    pub fn lookup<T>(&self, setting: &Setting<T>) -> anyhow::Result<Option<T>> {
        let about = &setting.about;
        debug_assert!(ALL.contains(&about), "{} is missing from settings::ALL", about.label());
        if let Some(name) = about.env {
            if let Some(value) = (self.env)(name).filter(|v| !v.is_empty()) {
                return (setting.parse)(&value)
                    .map(Some)
                    .map_err(|why| anyhow::anyhow!("{name} {value:?} {why}"));
            }
        }
        match self.file.text(about)? {
            Some((value, written)) => (setting.parse)(&value).map(Some).map_err(|why| {
                let key = about.file_key().unwrap_or_default();
                anyhow::anyhow!("{}: {key} = {written} {why}", self.file.name)
            }),
            None => Ok(None),
        }
    }

    /// The value set, else the setting's default; `None` only for a setting without one.
    pub fn optional<T>(&self, setting: &Setting<T>) -> anyhow::Result<Option<T>> {
        match (self.lookup(setting)?, &setting.about.fallback) {
            (Some(value), _) => Ok(Some(value)),
            (None, Fallback::Value(default)) => default_value(setting, default).map(Some),
            (None, Fallback::None { .. }) => Ok(None),
        }
    }

    /// The value set, else the setting's default (which it must have).
    pub fn value<T>(&self, setting: &Setting<T>) -> anyhow::Result<T> {
        self.optional(setting)?
            .with_context(|| format!("{} has no default: the settings table is wrong", setting.about.label()))
    }
}

fn default_value<T>(setting: &Setting<T>, default: &str) -> anyhow::Result<T> {
    (setting.parse)(default).map_err(|why| {
        anyhow::anyhow!(
            "the default of {} {default:?} {why}: the settings table is wrong",
            setting.about.label()
        )
    })
}
