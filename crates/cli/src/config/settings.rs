//! Every setting, listed once: its TOML key, environment variable, flag, default and meaning.
//!
//! Reading the file and the environment ([`super::sources`]), the resolved [`super::Config`],
//! the flags' help, the README's configuration table and `paperboy.example.toml`
//! ([`super::docs`]) all come from this table; tests hold the last two to it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::FixedOffset;

/// One setting, typed by what it resolves to.
pub struct Setting<T> {
    pub about: About,
    /// Reads a value written as in the environment. `Err` completes "`VALUE` …" for the user
    /// ("is not an hour (0-23)").
    pub parse: fn(&str) -> Result<T, String>,
}

/// Where a setting is read from and what it means, apart from its type.
#[derive(Debug, PartialEq)]
pub struct About {
    /// The TOML key, `section.name` inside a section; `None` only for `--config` itself.
    pub key: Option<&'static str>,
    pub env: Option<&'static str>,
    /// The flag that overrides it, after its subcommand when it is one's (`serve --listen ADDR`).
    pub flag: Option<&'static str>,
    pub fallback: Fallback,
    /// How the value is written in the TOML file.
    pub toml: Toml,
    /// One sentence or two, for the README, the example file and `--help`.
    pub doc: &'static str,
}

/// What a setting is when nothing sets it.
#[derive(Debug, PartialEq)]
pub enum Fallback {
    /// This value, written as in the environment (and parsed like it, so docs and behaviour
    /// cannot differ).
    Value(&'static str),
    /// No value: `means` says what that does; `example` is a value for the example file.
    None { means: &'static str, example: &'static str },
}

/// The TOML type a file value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toml {
    String,
    Integer,
    /// A number; an integer is accepted too.
    Float,
    Boolean,
}

impl<T> Setting<T> {
    /// A clap value parser using the setting's own checks, so a flag is refused with the same
    /// words as the variable and the key.
    pub fn flag_parser(&self) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
    where
        T: 'static,
    {
        let parse = self.parse;
        move |value| parse(value).map_err(|why| format!("{value:?} {why}"))
    }
}

/// `--config`: named by a flag or the environment only, since it says where the file is.
pub const CONFIG: Setting<PathBuf> = Setting {
    about: About {
        key: None,
        env: Some("PAPERBOY_CONFIG"),
        flag: Some("--config FILE"),
        fallback: Fallback::None { means: "", example: "/etc/paperboy.toml" },
        toml: Toml::String,
        doc: "A TOML configuration file (`paperboy.example.toml` lists every key); the environment and flags override it.",
    },
    parse: path,
};

pub const DATA_DIR: Setting<PathBuf> = Setting {
    about: About {
        key: Some("data_dir"),
        env: Some("PAPERBOY_DATA_DIR"),
        flag: Some("--data-dir DIR"),
        fallback: Fallback::Value("./paperboy-data"),
        toml: Toml::String,
        doc: "The data folder: the SQLite store and this instance's search indexes.",
    },
    parse: path,
};

pub const DATABASE_URL: Setting<String> = Setting {
    about: About {
        key: Some("database_url"),
        env: Some("PAPERBOY_DATABASE_URL"),
        flag: Some("--database-url URL"),
        fallback: Fallback::None {
            means: "SQLite in the data folder",
            example: "postgres://paperboy:secret@127.0.0.1:5432/paperboy",
        },
        toml: Toml::String,
        doc: "Keep everything in PostgreSQL (`postgres://user:password@host:5432/db`) instead of the data folder's SQLite file; the data folder still holds this instance's search indexes.",
    },
    parse: text,
};

pub const LISTEN: Setting<SocketAddr> = Setting {
    about: About {
        key: Some("listen"),
        env: Some("PAPERBOY_LISTEN"),
        flag: Some("serve --listen ADDR"),
        fallback: Fallback::Value("127.0.0.1:8080"),
        toml: Toml::String,
        doc: "The address `serve` listens on.",
    },
    parse: address,
};

pub const HEADER_TIMEOUT: Setting<Duration> = Setting {
    about: About {
        key: Some("server.header_timeout_seconds"),
        env: Some("PAPERBOY_HEADER_TIMEOUT_SECONDS"),
        flag: None,
        fallback: Fallback::Value("10"),
        toml: Toml::Integer,
        doc: "Seconds a connection to `serve` has to send a request's headers, counted from when it waits for one: a half-sent request, or a keep-alive connection left idle, is closed after it.",
    },
    parse: positive_seconds,
};

pub const REQUEST_TIMEOUT: Setting<Duration> = Setting {
    about: About {
        key: Some("server.request_timeout_seconds"),
        env: Some("PAPERBOY_REQUEST_TIMEOUT_SECONDS"),
        flag: None,
        fallback: Fallback::Value("30"),
        toml: Toml::Integer,
        doc: "Seconds a request has to send its body and be answered; a slower one is answered 503.",
    },
    parse: positive_seconds,
};

pub const MAX_CONNECTIONS: Setting<usize> = Setting {
    about: About {
        key: Some("server.max_connections"),
        env: Some("PAPERBOY_MAX_CONNECTIONS"),
        flag: None,
        fallback: Fallback::Value("1024"),
        toml: Toml::Integer,
        doc: "Connections `serve` serves at once; more wait until one closes.",
    },
    parse: connection_count,
};

pub const HARVEST_ENDPOINT: Setting<String> = Setting {
    about: About {
        key: Some("harvest.endpoint"),
        env: None,
        flag: Some("harvest arxiv --endpoint URL"),
        fallback: Fallback::Value("https://oaipmh.arxiv.org/oai"),
        toml: Toml::String,
        doc: "The OAI-PMH endpoint `harvest arxiv` reads, and `sync` reads the days arXiv's listing feed no longer shows from.",
    },
    parse: text,
};

pub const HARVEST_DELAY: Setting<Duration> = Setting {
    about: About {
        key: Some("harvest.delay_seconds"),
        env: None,
        flag: Some("harvest arxiv --delay SECS"),
        fallback: Fallback::Value("3"),
        toml: Toml::Float,
        doc: "Seconds between `harvest arxiv`'s requests (0 to 3600; arXiv asks for 3).",
    },
    parse: harvest_delay,
};

pub const MODEL_DIR: Setting<PathBuf> = Setting {
    about: About {
        key: Some("search.model_dir"),
        env: Some("PAPERBOY_MODEL_DIR"),
        flag: Some("--model-dir DIR"),
        fallback: Fallback::None {
            means: "the project's `.cache/models`, then the Hugging Face cache",
            example: "/srv/models/all-MiniLM-L6-v2",
        },
        toml: Toml::String,
        doc:
            "The sentence-embedding model folder for semantic search (model.safetensors, tokenizer.json, config.json).",
    },
    parse: path,
};

pub const SEMANTIC: Setting<bool> = Setting {
    about: About {
        key: Some("search.semantic"),
        env: None,
        flag: None,
        fallback: Fallback::Value("true"),
        toml: Toml::Boolean,
        doc: "`false` turns semantic search off: keyword search only, no model loaded.",
    },
    parse: switch,
};

pub const PRECISION: Setting<paperboy_embed::Precision> = Setting {
    about: About {
        key: Some("search.precision"),
        env: Some("PAPERBOY_EMBEDDING_PRECISION"),
        flag: None,
        fallback: Fallback::Value("int8"),
        toml: Toml::String,
        doc: "The embedding model's graph: `int8` (about twice as fast, near-identical results) or `fp32` (exactly sentence-transformers'). Each keeps its own embeddings: switching embeds the papers again.",
    },
    parse: precision,
};

pub const SMTP_URL: Setting<String> = Setting {
    about: About {
        key: Some("mail.smtp_url"),
        env: Some("PAPERBOY_SMTP_URL"),
        flag: None,
        fallback: Fallback::None { means: "no mail: digests off", example: "smtp://127.0.0.1:2525" },
        toml: Toml::String,
        doc: "The SMTP server for digests and account mail: `smtp://host:port`, `smtp://user:pass@host:587?tls=starttls`, `smtps://user:pass@host`.",
    },
    parse: text,
};

pub const MAIL_FROM: Setting<String> = Setting {
    about: About {
        key: Some("mail.from"),
        env: Some("PAPERBOY_MAIL_FROM"),
        flag: None,
        fallback: Fallback::None {
            means: "required for mail",
            example: "paperboy <digest@example.org>",
        },
        toml: Toml::String,
        doc: "The sender of every mail.",
    },
    parse: text,
};

pub const BASE_URL: Setting<String> = Setting {
    about: About {
        key: Some("mail.base_url"),
        env: Some("PAPERBOY_BASE_URL"),
        flag: None,
        fallback: Fallback::None {
            means: "required for mail; account links then point at the address served",
            example: "https://papers.example.org",
        },
        toml: Toml::String,
        doc: "The site's public URL, used in every link of a mail; cookies are marked `Secure` when it starts with `https://`.",
    },
    parse: text,
};

pub const DIGEST_HOUR: Setting<u32> = Setting {
    about: About {
        key: Some("mail.digest_hour"),
        env: Some("PAPERBOY_DIGEST_HOUR"),
        flag: None,
        fallback: Fallback::Value("7"),
        toml: Toml::Integer,
        doc: "The hour of the day (0-23) digests go out, in the `utc_offset` zone.",
    },
    parse: hour,
};

pub const DIGEST_UTC_OFFSET: Setting<FixedOffset> = Setting {
    about: About {
        key: Some("mail.utc_offset"),
        env: Some("PAPERBOY_DIGEST_UTC_OFFSET"),
        flag: None,
        fallback: Fallback::Value("+00:00"),
        toml: Toml::String,
        doc: "The server's time zone for digests, as an offset from UTC.",
    },
    parse: utc_offset,
};

pub const DKIM_KEY: Setting<PathBuf> = Setting {
    about: About {
        key: Some("mail.dkim_key"),
        env: Some("PAPERBOY_DKIM_KEY"),
        flag: None,
        fallback: Fallback::None {
            means: "no DKIM",
            example: "/etc/paperboy/dkim.pem",
        },
        toml: Toml::String,
        doc: "An RSA private key file (PKCS#1 PEM): mails are DKIM-signed with it.",
    },
    parse: path,
};

pub const DKIM_SELECTOR: Setting<String> = Setting {
    about: About {
        key: Some("mail.dkim_selector"),
        env: Some("PAPERBOY_DKIM_SELECTOR"),
        flag: None,
        fallback: Fallback::Value("paperboy"),
        toml: Toml::String,
        doc: "The DKIM selector: the DNS name `SELECTOR._domainkey.DOMAIN` holds the public key.",
    },
    parse: text,
};

pub const DIGEST_CHECK: Setting<Duration> = Setting {
    about: About {
        key: Some("mail.digest_check_seconds"),
        env: Some("PAPERBOY_DIGEST_CHECK_SECONDS"),
        flag: None,
        fallback: Fallback::Value("60"),
        toml: Toml::Integer,
        doc: "How often, in seconds, `serve` looks for due digests.",
    },
    parse: seconds,
};

pub const DIGEST_LEASE: Setting<Duration> = Setting {
    about: About {
        key: Some("mail.digest_lease_seconds"),
        env: Some("PAPERBOY_DIGEST_LEASE_SECONDS"),
        flag: None,
        fallback: Fallback::Value("60"),
        toml: Toml::Integer,
        doc: "How long, in seconds, a digest run's claim on a period lasts without renewal: a dead instance's run is taken over after it.",
    },
    parse: positive_seconds,
};

pub const MAIL_RETRY: Setting<Duration> = Setting {
    about: About {
        key: Some("mail.retry_seconds"),
        env: Some("PAPERBOY_MAIL_RETRY_SECONDS"),
        flag: None,
        fallback: Fallback::Value("30"),
        toml: Toml::Integer,
        doc: "Seconds until an account or subscription mail that could not be sent is tried again; each further failure doubles it.",
    },
    parse: positive_seconds,
};

pub const MAIL_MAX_RETRY: Setting<Duration> = Setting {
    about: About {
        key: Some("mail.max_retry_seconds"),
        env: Some("PAPERBOY_MAIL_MAX_RETRY_SECONDS"),
        flag: None,
        fallback: Fallback::Value("600"),
        toml: Toml::Integer,
        doc: "The longest wait, in seconds, between attempts at a mail that could not be sent.",
    },
    parse: positive_seconds,
};

pub const MAIL_GIVE_UP: Setting<Duration> = Setting {
    about: About {
        key: Some("mail.give_up_hours"),
        env: Some("PAPERBOY_MAIL_GIVE_UP_HOURS"),
        flag: None,
        fallback: Fallback::Value("72"),
        toml: Toml::Integer,
        doc: "Hours after which a mail that still could not be sent is given up on (shown as failed on /status).",
    },
    parse: positive_hours,
};

pub const DAILY_SUBMISSION_LIMIT: Setting<u32> = Setting {
    about: About {
        key: Some("community.daily_submission_limit"),
        env: Some("PAPERBOY_DAILY_SUBMISSION_LIMIT"),
        flag: None,
        fallback: Fallback::Value("5"),
        toml: Toml::Integer,
        doc: "Papers one account may submit to one day's list.",
    },
    parse: paper_count,
};

pub const TRUST_FORWARDED_FOR: Setting<bool> = Setting {
    about: About {
        key: Some("community.trust_forwarded_for"),
        env: Some("PAPERBOY_TRUST_FORWARDED_FOR"),
        flag: None,
        fallback: Fallback::Value("false"),
        toml: Toml::Boolean,
        doc: "Take client addresses (for rate limits) from `X-Forwarded-For`: only behind a reverse proxy that sets it, since anyone can send the header.",
    },
    parse: switch,
};

pub const LOG_ACCOUNT_LINKS: Setting<bool> = Setting {
    about: About {
        key: Some("community.log_account_links"),
        env: Some("PAPERBOY_LOG_ACCOUNT_LINKS"),
        flag: None,
        fallback: Fallback::Value("false"),
        toml: Toml::Boolean,
        doc: "Without a mail server, write password-reset and verification links to the log: for a single-admin instance only, since on a public site anyone could request a reset link for any account and the log would hold it.",
    },
    parse: switch,
};

pub const ARXIV_API: Setting<String> = Setting {
    about: About {
        key: Some("community.arxiv_api"),
        env: Some("PAPERBOY_ARXIV_API"),
        flag: None,
        fallback: Fallback::Value("https://export.arxiv.org/api/query"),
        toml: Toml::String,
        doc: "The arXiv API a submitted paper that is not stored yet is fetched from, and that completes what the listing feeds leave out (comments, DOI, journal reference).",
    },
    parse: text,
};

pub const SYNC_ENABLED: Setting<bool> = Setting {
    about: About {
        key: Some("sources.enabled"),
        env: Some("PAPERBOY_SYNC"),
        flag: None,
        fallback: Fallback::Value("true"),
        toml: Toml::Boolean,
        doc: "`false` (or `PAPERBOY_SYNC=0`) turns every source off: `serve` and `paperboy sync` fetch nothing.",
    },
    parse: switch,
};

pub const SYNC_CHECK: Setting<Duration> = Setting {
    about: About {
        key: Some("sources.check_seconds"),
        env: Some("PAPERBOY_SYNC_CHECK_SECONDS"),
        flag: None,
        fallback: Fallback::Value("60"),
        toml: Toml::Integer,
        doc:
            "How often, in seconds, `serve` looks for sources that are due (each runs only when its next run has come).",
    },
    parse: positive_seconds,
};

pub const BACKFILL_DAYS: Setting<u32> = Setting {
    about: About {
        key: Some("sources.backfill_days"),
        env: None,
        flag: None,
        fallback: Fallback::Value("7"),
        toml: Toml::Integer,
        doc: "How many days back (1-60) a source fetches the days it missed, after an outage or a failed fetch.",
    },
    parse: backfill_days,
};

pub const SYNC_POLL_AFTER: Setting<chrono::Duration> = Setting {
    about: About {
        key: Some("sources.poll_after_minutes"),
        env: None,
        flag: None,
        fallback: Fallback::Value("270"),
        toml: Toml::Integer,
        doc: "Minutes after arXiv's announcement (20:00 US Eastern) its listing feed is fetched.",
    },
    parse: minutes,
};

pub const SYNC_RETRY: Setting<chrono::Duration> = Setting {
    about: About {
        key: Some("sources.retry_minutes"),
        env: None,
        flag: None,
        fallback: Fallback::Value("30"),
        toml: Toml::Integer,
        doc: "Minutes until a source whose run failed is tried again; each further failure in a row doubles it.",
    },
    parse: positive_minutes,
};

pub const SYNC_MAX_RETRY: Setting<chrono::Duration> = Setting {
    about: About {
        key: Some("sources.max_retry_minutes"),
        env: None,
        flag: None,
        fallback: Fallback::Value("180"),
        toml: Toml::Integer,
        doc: "The longest wait, in minutes, between failed runs of a source.",
    },
    parse: positive_minutes,
};

pub const SYNC_DELAY: Setting<Duration> = Setting {
    about: About {
        key: Some("sources.delay_seconds"),
        env: None,
        flag: None,
        fallback: Fallback::Value("3"),
        toml: Toml::Float,
        doc: "Seconds between the sources' requests (0 to 3600; arXiv asks for 3).",
    },
    parse: harvest_delay,
};

pub const ARXIV_CATEGORIES: Setting<Vec<String>> = Setting {
    about: About {
        key: Some("sources.arxiv.categories"),
        env: Some("PAPERBOY_ARXIV_CATEGORIES"),
        flag: None,
        fallback: Fallback::None {
            means: "the stored papers' most common primary categories, else cs.AI,cs.CL,cs.CV,cs.LG",
            example: "cs.LG,cs.CV,stat.ML",
        },
        toml: Toml::String,
        doc: "The arXiv categories whose announcements are fetched, comma-separated.",
    },
    parse: categories,
};

pub const ARXIV_LISTING_URL: Setting<String> = Setting {
    about: About {
        key: Some("sources.arxiv.listing_url"),
        env: Some("PAPERBOY_ARXIV_LISTING_URL"),
        flag: None,
        fallback: Fallback::Value("https://rss.arxiv.org/rss/"),
        toml: Toml::String,
        doc: "arXiv's listing feeds: the categories are appended, joined by `+`.",
    },
    parse: text,
};

pub const HF_DAILY: Setting<bool> = Setting {
    about: About {
        key: Some("sources.huggingface.enabled"),
        env: Some("PAPERBOY_HF_DAILY"),
        flag: None,
        fallback: Fallback::Value("false"),
        toml: Toml::Boolean,
        doc: "Also fetch Hugging Face's daily papers list, with its upvotes, every day.",
    },
    parse: switch,
};

pub const HF_API_URL: Setting<String> = Setting {
    about: About {
        key: Some("sources.huggingface.api_url"),
        env: Some("PAPERBOY_HF_API_URL"),
        flag: None,
        fallback: Fallback::Value("https://huggingface.co"),
        toml: Toml::String,
        doc: "The Hugging Face site whose `/api/daily_papers?date=DAY` is read.",
    },
    parse: text,
};

/// The table, in the order the docs list it: top-level keys first, then section by section.
pub const ALL: &[&About] = &[
    &CONFIG.about,
    &DATA_DIR.about,
    &DATABASE_URL.about,
    &LISTEN.about,
    &HEADER_TIMEOUT.about,
    &REQUEST_TIMEOUT.about,
    &MAX_CONNECTIONS.about,
    &HARVEST_ENDPOINT.about,
    &HARVEST_DELAY.about,
    &MODEL_DIR.about,
    &SEMANTIC.about,
    &PRECISION.about,
    &SMTP_URL.about,
    &MAIL_FROM.about,
    &BASE_URL.about,
    &DIGEST_HOUR.about,
    &DIGEST_UTC_OFFSET.about,
    &DKIM_KEY.about,
    &DKIM_SELECTOR.about,
    &DIGEST_CHECK.about,
    &DIGEST_LEASE.about,
    &MAIL_RETRY.about,
    &MAIL_MAX_RETRY.about,
    &MAIL_GIVE_UP.about,
    &DAILY_SUBMISSION_LIMIT.about,
    &TRUST_FORWARDED_FOR.about,
    &LOG_ACCOUNT_LINKS.about,
    &ARXIV_API.about,
    &SYNC_ENABLED.about,
    &SYNC_CHECK.about,
    &BACKFILL_DAYS.about,
    &SYNC_DELAY.about,
    &SYNC_POLL_AFTER.about,
    &SYNC_RETRY.about,
    &SYNC_MAX_RETRY.about,
    &ARXIV_CATEGORIES.about,
    &ARXIV_LISTING_URL.about,
    &HF_DAILY.about,
    &HF_API_URL.about,
];

impl About {
    /// The section the key is in (`mail`, `sources.arxiv`), if any.
    pub fn section(&self) -> Option<&'static str> {
        self.key?.rsplit_once('.').map(|(section, _)| section)
    }

    /// The key's name inside its section (`smtp_url`).
    pub fn name(&self) -> Option<&'static str> {
        let key = self.key?;
        Some(key.rsplit_once('.').map_or(key, |(_, name)| name))
    }

    /// The key as the docs write it: `data_dir`, `[mail] smtp_url`.
    pub fn file_key(&self) -> Option<String> {
        let name = self.name()?;
        Some(match self.section() {
            Some(section) => format!("[{section}] {name}"),
            None => name.to_string(),
        })
    }

    /// The setting's name in an error message: its variable, else its key, else its flag.
    pub fn label(&self) -> String {
        self.env
            .map(str::to_string)
            .or_else(|| self.file_key())
            .or_else(|| self.flag.map(str::to_string))
            .unwrap_or_default()
    }
}

fn text(value: &str) -> Result<String, String> {
    Ok(value.to_string())
}

fn path(value: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(value))
}

/// `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`, any case.
fn switch(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("is neither true nor false (use 1 or 0)".into()),
    }
}

fn precision(value: &str) -> Result<paperboy_embed::Precision, String> {
    paperboy_embed::Precision::parse(value).ok_or_else(|| "is not a precision (int8 or fp32)".into())
}

fn address(value: &str) -> Result<SocketAddr, String> {
    value
        .parse()
        .map_err(|_| "is not an address to listen on (host:port, like 127.0.0.1:8080)".into())
}

fn harvest_delay(value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|seconds| (0.0..=3600.0).contains(seconds))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| "is not a number of seconds between 0 and 3600".into())
}

fn hour(value: &str) -> Result<u32, String> {
    value
        .parse()
        .ok()
        .filter(|hour| *hour < 24)
        .ok_or_else(|| "is not an hour (0-23)".into())
}

fn utc_offset(value: &str) -> Result<FixedOffset, String> {
    value
        .parse()
        .map_err(|_| "is not a UTC offset like +02:00 or -05:00".into())
}

fn seconds(value: &str) -> Result<Duration, String> {
    value
        .parse()
        .map(Duration::from_secs)
        .map_err(|_| "is not a number of seconds".into())
}

fn minutes(value: &str) -> Result<chrono::Duration, String> {
    value
        .parse::<u32>()
        .ok()
        .filter(|&m| m <= 24 * 60)
        .map(|m| chrono::Duration::minutes(m.into()))
        .ok_or_else(|| "is not a number of minutes (0 to 1440)".into())
}

fn positive_minutes(value: &str) -> Result<chrono::Duration, String> {
    minutes(value).and_then(|m| {
        if m > chrono::Duration::zero() {
            Ok(m)
        } else {
            Err("is not a positive number of minutes".into())
        }
    })
}

fn positive_seconds(value: &str) -> Result<Duration, String> {
    value
        .parse()
        .ok()
        .filter(|&seconds| seconds > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| "is not a positive number of seconds".into())
}

fn positive_hours(value: &str) -> Result<Duration, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|&hours| hours > 0 && hours <= 24 * 365)
        .map(|hours| Duration::from_secs(hours * 3600))
        .ok_or_else(|| "is not a number of hours (1 to 8760)".into())
}

fn connection_count(value: &str) -> Result<usize, String> {
    value
        .parse()
        .ok()
        .filter(|&count| count > 0)
        .ok_or_else(|| "is not a positive number of connections".into())
}

fn backfill_days(value: &str) -> Result<u32, String> {
    value
        .parse()
        .ok()
        .filter(|days| (1..=60).contains(days))
        .ok_or_else(|| "is not a number of days between 1 and 60".into())
}

/// `cs.LG,cs.CV,stat.ML`: arXiv category names, comma-separated (spaces allowed).
fn categories(value: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    let valid = |name: &String| {
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
    };
    if names.is_empty() || !names.iter().all(valid) {
        return Err("is not a comma-separated list of arXiv categories (like cs.LG,cs.CV,stat.ML)".into());
    }
    Ok(names)
}

fn paper_count(value: &str) -> Result<u32, String> {
    value.parse().map_err(|_| "is not a number of papers".into())
}
