//! paperboy's configuration: one typed struct, resolved once at start-up from the TOML file
//! (`--config`), then the environment, then command-line flags — each overriding the last —
//! with every default applied, so commands read plain values.
//!
//! Every setting is listed once, in [`settings`] (key, variable, flag, default, meaning); the
//! file and the environment are read through that table ([`sources`]), and the docs — flag
//! help, the README's table, `paperboy.example.toml` — are written from it ([`docs`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use paperboy_digest::{RetryPolicy, Schedule};
use paperboy_sync::{ArxivSource, HuggingFaceSource, SyncConfig};

pub mod docs;
pub mod settings;
mod sources;

use settings::*;
pub use sources::Env;
use sources::{File, Sources};

/// The global flags that override settings. A subcommand's own flags (`serve --listen`,
/// `harvest arxiv --endpoint` and `--delay`) override theirs inside that command.
#[derive(Debug, Default)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub model_dir: Option<PathBuf>,
}

/// The resolved configuration handed to commands.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The store (SQLite) and this instance's search indexes.
    pub data_dir: PathBuf,
    /// PostgreSQL instead of SQLite; the data folder then holds only the search indexes.
    pub database_url: Option<String>,
    /// Where `serve` listens unless `--listen` says otherwise.
    pub listen: SocketAddr,
    /// How long `serve`'s connections and requests may take, and how many it serves at once.
    pub server: paperboy_web::EdgeLimits,
    pub harvest: HarvestConfig,
    pub search: SearchConfig,
    pub mail: MailConfig,
    pub community: CommunityConfig,
    /// The sources that keep the store current (`paperboy sync`, and `serve`'s schedule).
    pub sync: SyncConfig,
    /// How often `serve` looks for due sources.
    pub sync_check: Duration,
}

/// `harvest arxiv`'s defaults (its `--endpoint` and `--delay` override them).
#[derive(Debug, Clone, PartialEq)]
pub struct HarvestConfig {
    pub endpoint: String,
    pub delay: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchConfig {
    /// The embedding model's folder, when named (else the model is looked for in the usual places).
    pub model_dir: Option<PathBuf>,
    /// Whether to load an embedding model at all.
    pub semantic: bool,
    /// Which of the model's graphs runs.
    pub precision: paperboy_embed::Precision,
}

/// Email: digests, and account mail on the community side.
#[derive(Debug, Clone, PartialEq)]
pub struct MailConfig {
    /// No SMTP server: no mail at all.
    pub smtp_url: Option<String>,
    pub from: Option<String>,
    pub base_url: Option<String>,
    /// When digests go out, and how long a run's lease on a period lasts.
    pub schedule: Schedule,
    pub dkim_key: Option<PathBuf>,
    pub dkim_selector: String,
    /// How often `serve` looks for due digests.
    pub digest_check: Duration,
    /// When the outbox tries again a mail that could not be sent.
    pub retry: RetryPolicy,
}

/// Accounts, votes, comments and submissions.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityConfig {
    pub daily_submission_limit: u32,
    pub trust_forwarded_for: bool,
    pub log_account_links: bool,
    pub arxiv_api: String,
}

impl Config {
    /// Reads the file that `--config` or `PAPERBOY_CONFIG` names, if any, and resolves every
    /// setting (`env` is `std::env::var` outside tests).
    pub fn load(flags: Flags, env: Env) -> anyhow::Result<Config> {
        let config_file = match flags.config.clone() {
            Some(path) => Some(path),
            None => Sources {
                file: File::none(),
                env,
            }
            .lookup(&CONFIG)?,
        };
        let file = match config_file {
            Some(path) => File::read(&path)?,
            None => File::none(),
        };
        Config::resolve(&Sources { file, env }, flags)
    }

    fn resolve(sources: &Sources, flags: Flags) -> anyhow::Result<Config> {
        let s = sources;
        Ok(Config {
            data_dir: flags.data_dir.map_or_else(|| s.value(&DATA_DIR), Ok)?,
            database_url: flags
                .database_url
                .map(Some)
                .map_or_else(|| s.optional(&DATABASE_URL), Ok)?,
            listen: s.value(&LISTEN)?,
            server: paperboy_web::EdgeLimits {
                header_timeout: s.value(&HEADER_TIMEOUT)?,
                request_timeout: s.value(&REQUEST_TIMEOUT)?,
                max_connections: s.value(&MAX_CONNECTIONS)?,
            },
            harvest: HarvestConfig {
                endpoint: s.value(&HARVEST_ENDPOINT)?,
                delay: s.value(&HARVEST_DELAY)?,
            },
            search: SearchConfig {
                model_dir: flags.model_dir.map(Some).map_or_else(|| s.optional(&MODEL_DIR), Ok)?,
                semantic: s.value(&SEMANTIC)?,
                precision: s.value(&PRECISION)?,
            },
            mail: MailConfig {
                smtp_url: s.optional(&SMTP_URL)?,
                from: s.optional(&MAIL_FROM)?,
                base_url: s.optional(&BASE_URL)?,
                schedule: Schedule {
                    hour: s.value(&DIGEST_HOUR)?,
                    offset: s.value(&DIGEST_UTC_OFFSET)?,
                    lease: s.value(&DIGEST_LEASE)?,
                },
                dkim_key: s.optional(&DKIM_KEY)?,
                dkim_selector: s.value(&DKIM_SELECTOR)?,
                digest_check: s.value(&DIGEST_CHECK)?,
                retry: RetryPolicy {
                    first: s.value(&MAIL_RETRY)?,
                    max: s.value(&MAIL_MAX_RETRY)?,
                    give_up_after: s.value(&MAIL_GIVE_UP)?,
                },
            },
            community: CommunityConfig {
                daily_submission_limit: s.value(&DAILY_SUBMISSION_LIMIT)?,
                trust_forwarded_for: s.value(&TRUST_FORWARDED_FOR)?,
                log_account_links: s.value(&LOG_ACCOUNT_LINKS)?,
                arxiv_api: s.value(&ARXIV_API)?,
            },
            sync_check: s.value(&SYNC_CHECK)?,
            sync: SyncConfig {
                enabled: s.value(&SYNC_ENABLED)?,
                backfill_days: s.value(&BACKFILL_DAYS)?,
                delay: s.value(&SYNC_DELAY)?,
                poll_after: s.value(&SYNC_POLL_AFTER)?,
                retry_after: s.value(&SYNC_RETRY)?,
                max_retry_after: s.value(&SYNC_MAX_RETRY)?,
                arxiv: ArxivSource {
                    categories: s.optional(&ARXIV_CATEGORIES)?,
                    listing_url: s.value(&ARXIV_LISTING_URL)?,
                    oai_endpoint: s.value(&HARVEST_ENDPOINT)?,
                    api_url: s.value(&ARXIV_API)?,
                },
                huggingface: HuggingFaceSource {
                    enabled: s.value(&HF_DAILY)?,
                    api_url: s.value(&HF_API_URL)?,
                },
                ..SyncConfig::default()
            },
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The configuration from `file` (TOML text), the variables in `env` and `flags`.
    pub(crate) fn resolve(file: &str, env: &[(&str, &str)], flags: Flags) -> anyhow::Result<Config> {
        let lookup = |name: &str| env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
        Config::resolve(
            &Sources {
                file: File::parse("test.toml", file)?,
                env: &lookup,
            },
            flags,
        )
    }

    /// Every default, with nothing set.
    pub(crate) fn defaults() -> Config {
        resolve("", &[], Flags::default()).unwrap()
    }

    fn error(file: &str, env: &[(&str, &str)]) -> String {
        format!("{:#}", resolve(file, env, Flags::default()).unwrap_err())
    }

    #[test]
    fn flag_beats_env_beats_file_beats_default() {
        let file = "data_dir = \"/from/file\"";
        let env = [("PAPERBOY_DATA_DIR", "/from/env")];
        let flags = || Flags {
            data_dir: Some("/flag".into()),
            ..Flags::default()
        };
        assert_eq!(resolve(file, &env, flags()).unwrap().data_dir, PathBuf::from("/flag"));
        assert_eq!(
            resolve(file, &env, Flags::default()).unwrap().data_dir,
            PathBuf::from("/from/env")
        );
        assert_eq!(
            resolve(file, &[], Flags::default()).unwrap().data_dir,
            PathBuf::from("/from/file")
        );
        assert_eq!(defaults().data_dir, PathBuf::from("./paperboy-data"));
        // An empty variable counts as unset.
        let empty = [("PAPERBOY_DATA_DIR", "")];
        assert_eq!(
            resolve(file, &empty, Flags::default()).unwrap().data_dir,
            PathBuf::from("/from/file")
        );
    }

    #[test]
    fn mail_settings_come_from_the_file_then_the_environment() {
        let file = "[mail]\nsmtp_url = \"smtp://file:25\"\nfrom = \"a@example.org\"\ndigest_hour = 6";
        let mail = resolve(file, &[("PAPERBOY_SMTP_URL", "smtp://env:2525")], Flags::default())
            .unwrap()
            .mail;
        assert_eq!(mail.smtp_url.as_deref(), Some("smtp://env:2525"));
        assert_eq!(mail.from.as_deref(), Some("a@example.org"));
        assert_eq!(mail.schedule.hour, 6);
        assert!(error("", &[("PAPERBOY_DIGEST_HOUR", "seven")]).contains("PAPERBOY_DIGEST_HOUR \"seven\""));
        assert!(error("[mail]\ndigest_hour = 24", &[]).contains("[mail] digest_hour = 24 is not an hour"));
        assert!(error("", &[("PAPERBOY_DIGEST_LEASE_SECONDS", "0")]).contains("PAPERBOY_DIGEST_LEASE_SECONDS"));
        assert!(error("", &[("PAPERBOY_DIGEST_UTC_OFFSET", "CEST")]).contains("PAPERBOY_DIGEST_UTC_OFFSET"));
        let east = resolve("[mail]\nutc_offset = \"+02:00\"", &[], Flags::default()).unwrap();
        assert_eq!(east.mail.schedule.offset.local_minus_utc(), 7200);
    }

    #[test]
    fn community_settings_come_from_the_file_then_the_environment() {
        let file = "[community]\ndaily_submission_limit = 3\nlog_account_links = true";
        let env = [
            ("PAPERBOY_TRUST_FORWARDED_FOR", "1"),
            ("PAPERBOY_LOG_ACCOUNT_LINKS", "false"),
        ];
        let community = resolve(file, &env, Flags::default()).unwrap().community;
        assert_eq!(community.daily_submission_limit, 3);
        assert!(community.trust_forwarded_for);
        assert!(!community.log_account_links);
        assert_eq!(community.arxiv_api, "https://export.arxiv.org/api/query");
        for (name, value) in [
            ("PAPERBOY_TRUST_FORWARDED_FOR", "maybe"),
            ("PAPERBOY_DAILY_SUBMISSION_LIMIT", "-1"),
        ] {
            assert!(error("", &[(name, value)]).contains(name), "{name}={value}");
        }
    }

    #[test]
    fn source_settings_come_from_nested_sections_then_the_environment() {
        let file = "[sources]\nbackfill_days = 3\nretry_minutes = 10\npoll_after_minutes = 60\n\n\
                    [sources.arxiv]\ncategories = \"cs.LG, stat.ML\"\n\n\
                    [sources.huggingface]\nenabled = true\napi_url = \"http://127.0.0.1:9\"";
        let sync = resolve(file, &[], Flags::default()).unwrap().sync;
        assert_eq!(sync.backfill_days, 3);
        assert_eq!(sync.retry_after, chrono::Duration::minutes(10));
        assert_eq!(sync.poll_after, chrono::Duration::hours(1));
        assert_eq!(sync.max_retry_after, chrono::Duration::hours(3), "the default");
        assert!(resolve("[sources]\nretry_minutes = 0", &[], Flags::default()).is_err());
        assert_eq!(
            sync.arxiv.categories,
            Some(vec!["cs.LG".to_string(), "stat.ML".to_string()])
        );
        assert!(sync.huggingface.enabled);
        assert_eq!(sync.huggingface.api_url, "http://127.0.0.1:9");
        let env = [
            ("PAPERBOY_SYNC", "0"),
            ("PAPERBOY_ARXIV_CATEGORIES", "cs.CV"),
            ("PAPERBOY_HF_DAILY", "0"),
            ("PAPERBOY_ARXIV_LISTING_URL", "http://127.0.0.1:9/rss/"),
        ];
        let sync = resolve(file, &env, Flags::default()).unwrap().sync;
        assert!(!sync.enabled && !sync.huggingface.enabled);
        assert_eq!(sync.arxiv.categories, Some(vec!["cs.CV".to_string()]));
        assert_eq!(sync.arxiv.listing_url, "http://127.0.0.1:9/rss/");
        assert!(error("", &[("PAPERBOY_ARXIV_CATEGORIES", "cs.LG;cs.CV")]).contains("PAPERBOY_ARXIV_CATEGORIES"));
        assert!(error("[sources]\nbackfill_days = 0", &[]).contains("[sources] backfill_days = 0"));
        assert!(error("[sources.arxiv]\ncategorys = \"x\"", &[]).contains("unknown key `categorys` in [sources.arxiv]"));
        assert!(error("[sources]\narxiv = 1", &[]).contains("`arxiv` must be a section, [sources.arxiv]"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(error("data_dri = \"x\"", &[]).contains("unknown key `data_dri`"));
        assert!(error("[mail]\nsmpt_url = \"x\"", &[]).contains("unknown key `smpt_url` in [mail]"));
        assert!(error("[mails]\nsmtp_url = \"x\"", &[]).contains("unknown key `mails`"));
        assert!(error("mail = 1", &[]).contains("`mail` must be a section"));
    }

    #[test]
    fn a_file_value_of_the_wrong_type_is_refused_by_its_key() {
        assert!(error("[mail]\ndigest_hour = \"7\"", &[]).contains("[mail] digest_hour must be an integer"));
        assert!(error("[search]\nsemantic = 1", &[]).contains("[search] semantic must be true or false"));
        assert!(error("listen = \"nowhere\"", &[]).contains("listen = \"nowhere\" is not an address"));
        let delay = resolve("[harvest]\ndelay_seconds = 1", &[], Flags::default()).unwrap();
        assert_eq!(
            delay.harvest.delay,
            Duration::from_secs(1),
            "an integer is a number of seconds too"
        );
    }

    #[test]
    fn defaults_are_those_of_the_libraries() {
        let config = defaults();
        assert_eq!(config.server, paperboy_web::EdgeLimits::default());
        assert_eq!(config.mail.schedule, Schedule::default());
        assert_eq!(config.harvest.endpoint, paperboy_ingest::harvest::ARXIV_OAI_ENDPOINT);
        assert_eq!(config.listen, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert!(config.search.semantic);
        assert_eq!(config.mail.smtp_url, None);
        assert_eq!(config.sync, paperboy_sync::SyncConfig::default());
    }

    #[test]
    fn the_config_file_is_named_by_flag_or_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("paperboy.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9999\"").unwrap();
        let named = |name: &str| (name == "PAPERBOY_CONFIG").then(|| path.display().to_string());
        assert_eq!(Config::load(Flags::default(), &named).unwrap().listen.port(), 9999);
        let flags = Flags {
            config: Some(path.clone()),
            ..Flags::default()
        };
        assert_eq!(Config::load(flags, &|_| None).unwrap().listen.port(), 9999);
        let missing = Flags {
            config: Some(dir.path().join("missing.toml")),
            ..Flags::default()
        };
        assert!(format!("{:#}", Config::load(missing, &|_| None).unwrap_err()).contains("cannot read config file"));
    }
}
