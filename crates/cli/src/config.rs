//! paperboy's configuration: one typed struct, resolved once at start-up from the TOML file
//! (`--config`), then the environment, then command-line flags — each overriding the last.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The data folder used when nothing else names one.
pub const DEFAULT_DATA_DIR: &str = "./paperboy-data";

/// Settings read from the TOML file. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    /// `postgres://…`: keep everything in PostgreSQL instead of the data folder's SQLite file.
    pub database_url: Option<String>,
    pub listen: Option<SocketAddr>,
    #[serde(default)]
    pub harvest: HarvestFileConfig,
    #[serde(default)]
    pub search: SearchFileConfig,
    #[serde(default)]
    pub mail: MailConfig,
    #[serde(default)]
    pub community: CommunityConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchFileConfig {
    /// A sentence-transformers model folder (model.safetensors, tokenizer.json, config.json).
    pub model_dir: Option<PathBuf>,
    /// `false` turns semantic search off (keyword search only, no model loaded).
    pub semantic: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarvestFileConfig {
    pub endpoint: Option<String>,
    pub delay_seconds: Option<f64>,
}

/// Email digests: the `[mail]` section, each key overridable by its environment variable.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `PAPERBOY_SMTP_URL`: `smtp://host:port`, `smtp://user:pass@host:587?tls=starttls`,
    /// `smtps://user:pass@host`.
    pub smtp_url: Option<String>,
    /// `PAPERBOY_MAIL_FROM`: the sender, `paperboy <digest@example.org>`.
    pub from: Option<String>,
    /// `PAPERBOY_BASE_URL`: the site's public URL, used in every link of a mail.
    pub base_url: Option<String>,
    /// `PAPERBOY_DIGEST_HOUR`: hour of the day (0–23) digests go out (default 7).
    pub digest_hour: Option<u32>,
    /// `PAPERBOY_DIGEST_UTC_OFFSET`: the server's time zone as an offset, `+02:00` (default UTC).
    pub utc_offset: Option<String>,
    /// `PAPERBOY_DKIM_KEY`: an RSA private key (PKCS#1 PEM); mails are DKIM-signed when set.
    pub dkim_key: Option<PathBuf>,
    /// `PAPERBOY_DKIM_SELECTOR` (default `paperboy`).
    pub dkim_selector: Option<String>,
    /// `PAPERBOY_DIGEST_CHECK_SECONDS`: how often `serve` looks for due digests (default 60).
    pub digest_check_seconds: Option<u64>,
    /// `PAPERBOY_DIGEST_LEASE_SECONDS`: how long a digest run's claim on a period lasts without
    /// renewal; a dead instance's run is taken over after it (default 60).
    pub digest_lease_seconds: Option<u64>,
}

impl MailConfig {
    /// Overrides the file's values with the environment's (`lookup` is `std::env::var`).
    pub fn with_env(mut self, lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<MailConfig> {
        let set = |slot: &mut Option<String>, name: &str| {
            if let Some(value) = lookup(name).filter(|v| !v.is_empty()) {
                *slot = Some(value);
            }
        };
        set(&mut self.smtp_url, "PAPERBOY_SMTP_URL");
        set(&mut self.from, "PAPERBOY_MAIL_FROM");
        set(&mut self.base_url, "PAPERBOY_BASE_URL");
        set(&mut self.utc_offset, "PAPERBOY_DIGEST_UTC_OFFSET");
        set(&mut self.dkim_selector, "PAPERBOY_DKIM_SELECTOR");
        if let Some(key) = lookup("PAPERBOY_DKIM_KEY").filter(|v| !v.is_empty()) {
            self.dkim_key = Some(PathBuf::from(key));
        }
        if let Some(seconds) = lookup("PAPERBOY_DIGEST_CHECK_SECONDS").filter(|v| !v.is_empty()) {
            self.digest_check_seconds =
                Some(seconds.parse().with_context(|| {
                    format!("PAPERBOY_DIGEST_CHECK_SECONDS {seconds:?} is not a number of seconds")
                })?);
        }
        if let Some(seconds) = lookup("PAPERBOY_DIGEST_LEASE_SECONDS").filter(|v| !v.is_empty()) {
            let parsed: u64 = seconds.parse().ok().filter(|&s| s > 0).with_context(|| {
                format!("PAPERBOY_DIGEST_LEASE_SECONDS {seconds:?} is not a positive number of seconds")
            })?;
            self.digest_lease_seconds = Some(parsed);
        }
        if let Some(hour) = lookup("PAPERBOY_DIGEST_HOUR").filter(|v| !v.is_empty()) {
            self.digest_hour = Some(
                hour.parse()
                    .with_context(|| format!("PAPERBOY_DIGEST_HOUR {hour:?} is not an hour (0-23)"))?,
            );
        }
        Ok(self)
    }
}

/// Accounts, votes, comments and submissions: the `[community]` section, each key overridable by
/// its environment variable. Links in account mail (password resets, address checks) use
/// `[mail]`'s `base_url` (`PAPERBOY_BASE_URL`); cookies are marked `Secure` when it is `https://`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommunityConfig {
    /// `PAPERBOY_DAILY_SUBMISSION_LIMIT`: papers one account may submit to one day's list
    /// (default 5).
    pub daily_submission_limit: Option<u32>,
    /// `PAPERBOY_TRUST_FORWARDED_FOR`: take the client address (rate limits) from
    /// `X-Forwarded-For`. Only behind a reverse proxy that sets it; anyone can send the header.
    pub trust_forwarded_for: Option<bool>,
    /// `PAPERBOY_LOG_ACCOUNT_LINKS`: without a mail server, write password-reset and
    /// verification links to the log. For a single-admin instance only: on a public site anyone
    /// could request a reset link for any account and the log would hold it.
    pub log_account_links: Option<bool>,
    /// `PAPERBOY_ARXIV_API`: where a submitted paper that is not stored yet is fetched from
    /// (default `https://export.arxiv.org/api/query`).
    pub arxiv_api: Option<String>,
}

impl CommunityConfig {
    /// Overrides the file's values with the environment's (`lookup` is `std::env::var`).
    pub fn with_env(mut self, lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<CommunityConfig> {
        let flag = |name: &str| -> anyhow::Result<Option<bool>> {
            lookup(name)
                .filter(|v| !v.is_empty())
                .map(|v| parse_bool(name, &v))
                .transpose()
        };
        if let Some(limit) = lookup("PAPERBOY_DAILY_SUBMISSION_LIMIT").filter(|v| !v.is_empty()) {
            self.daily_submission_limit = Some(
                limit
                    .parse()
                    .with_context(|| format!("PAPERBOY_DAILY_SUBMISSION_LIMIT {limit:?} is not a number of papers"))?,
            );
        }
        if let Some(value) = flag("PAPERBOY_TRUST_FORWARDED_FOR")? {
            self.trust_forwarded_for = Some(value);
        }
        if let Some(value) = flag("PAPERBOY_LOG_ACCOUNT_LINKS")? {
            self.log_account_links = Some(value);
        }
        if let Some(url) = lookup("PAPERBOY_ARXIV_API").filter(|v| !v.is_empty()) {
            self.arxiv_api = Some(url);
        }
        Ok(self)
    }
}

/// `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`, any case.
fn parse_bool(name: &str, value: &str) -> anyhow::Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => anyhow::bail!("{name} {value:?} is neither true nor false (use 1 or 0)"),
    }
}

/// The resolved configuration handed to commands.
#[derive(Debug, Clone)]
pub struct Config {
    /// The store (SQLite) and this instance's search indexes.
    pub data_dir: PathBuf,
    /// PostgreSQL instead of SQLite; the data folder then holds only the search indexes.
    pub database_url: Option<String>,
    pub listen: Option<SocketAddr>,
    pub harvest_endpoint: Option<String>,
    pub harvest_delay_seconds: Option<f64>,
    /// The embedding model's folder, when named (else the model is looked for in the usual places).
    pub model_dir: Option<PathBuf>,
    /// Whether to load an embedding model at all.
    pub semantic: bool,
    pub mail: MailConfig,
    pub community: CommunityConfig,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("config file {} is invalid", path.display()))
    }
}

impl Config {
    /// `data_dir_override` comes from `--data-dir` or `PAPERBOY_DATA_DIR` (clap resolves those
    /// two, flag first); the file fills what they leave open.
    pub fn resolve(file: FileConfig, data_dir_override: Option<PathBuf>) -> anyhow::Result<Config> {
        let mail = file.mail.with_env(|name| std::env::var(name).ok())?;
        let community = file.community.with_env(|name| std::env::var(name).ok())?;
        Ok(Config {
            data_dir: data_dir_override
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            database_url: file.database_url,
            listen: file.listen,
            harvest_endpoint: file.harvest.endpoint,
            harvest_delay_seconds: file.harvest.delay_seconds,
            model_dir: file.search.model_dir,
            semantic: file.search.semantic.unwrap_or(true),
            mail,
            community,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_or_env_beats_file_beats_default() {
        let file: FileConfig = toml::from_str("data_dir = \"/from/file\"").unwrap();
        assert_eq!(
            Config::resolve(file, Some("/flag".into())).unwrap().data_dir,
            PathBuf::from("/flag")
        );
        let file: FileConfig = toml::from_str("data_dir = \"/from/file\"").unwrap();
        assert_eq!(
            Config::resolve(file, None).unwrap().data_dir,
            PathBuf::from("/from/file")
        );
        assert_eq!(
            Config::resolve(FileConfig::default(), None).unwrap().data_dir,
            PathBuf::from(DEFAULT_DATA_DIR)
        );
    }

    #[test]
    fn mail_settings_come_from_the_file_then_the_environment() {
        let file: FileConfig =
            toml::from_str("[mail]\nsmtp_url = \"smtp://file:25\"\nfrom = \"a@example.org\"\ndigest_hour = 6").unwrap();
        let env = |name: &str| (name == "PAPERBOY_SMTP_URL").then(|| "smtp://env:2525".to_string());
        let mail = file.mail.with_env(env).unwrap();
        assert_eq!(mail.smtp_url.as_deref(), Some("smtp://env:2525"));
        assert_eq!(mail.from.as_deref(), Some("a@example.org"));
        assert_eq!(mail.digest_hour, Some(6));
        let bad = |name: &str| (name == "PAPERBOY_DIGEST_HOUR").then(|| "seven".to_string());
        assert!(MailConfig::default().with_env(bad).is_err());
    }

    #[test]
    fn community_settings_come_from_the_file_then_the_environment() {
        let file: FileConfig =
            toml::from_str("[community]\ndaily_submission_limit = 3\nlog_account_links = true").unwrap();
        let env = |name: &str| match name {
            "PAPERBOY_TRUST_FORWARDED_FOR" => Some("1".to_string()),
            "PAPERBOY_LOG_ACCOUNT_LINKS" => Some("false".to_string()),
            _ => None,
        };
        let community = file.community.with_env(env).unwrap();
        assert_eq!(community.daily_submission_limit, Some(3));
        assert_eq!(community.trust_forwarded_for, Some(true));
        assert_eq!(community.log_account_links, Some(false));
        assert_eq!(community.arxiv_api, None);
        for (name, value) in [
            ("PAPERBOY_TRUST_FORWARDED_FOR", "maybe"),
            ("PAPERBOY_DAILY_SUBMISSION_LIMIT", "-1"),
        ] {
            let bad = |n: &str| (n == name).then(|| value.to_string());
            assert!(CommunityConfig::default().with_env(bad).is_err(), "{name}={value}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("data_dri = \"x\"").is_err());
    }
}
