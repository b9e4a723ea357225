//! `paperboy digest run|preview`: send the due digests (for cron), or show one subscriber's.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset, Utc};
use paperboy_digest::{Digests, MailSender, MailSettings, Retry, Schedule, Secret, SmtpSender};
use paperboy_search::Searcher;
use paperboy_store::{Backend, Frequency};

use super::{open_search, open_store, print_json};
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Send the latest due digest to every confirmed subscriber who has not had it yet.
    Run(RunArgs),
    /// Print what one subscriber gets (subject and plain text, or HTML with --html).
    Preview(PreviewArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Only this frequency (default: both).
    #[arg(long, value_enum)]
    frequency: Option<FrequencyArg>,
    /// Take this instant as "now" (RFC 3339), e.g. to produce a past period's digest.
    #[arg(long, value_name = "RFC3339")]
    at: Option<DateTime<FixedOffset>>,
    /// Compose and count, but send nothing and record nothing.
    #[arg(long)]
    dry_run: bool,
    /// One JSON report per frequency on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct PreviewArgs {
    email: String,
    #[arg(long, value_name = "RFC3339")]
    at: Option<DateTime<FixedOffset>>,
    /// Print the HTML part instead of the plain text.
    #[arg(long)]
    html: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FrequencyArg {
    Daily,
    Weekly,
}

impl From<FrequencyArg> for Frequency {
    fn from(f: FrequencyArg) -> Frequency {
        match f {
            FrequencyArg::Daily => Frequency::Daily,
            FrequencyArg::Weekly => Frequency::Weekly,
        }
    }
}

/// The sender, link base and DKIM key from the `[mail]` configuration.
pub fn mail_settings(config: &Config) -> anyhow::Result<MailSettings> {
    let from = config
        .mail
        .from
        .as_deref()
        .context("no sender address: set PAPERBOY_MAIL_FROM (or `from` in the [mail] section)")?;
    let base_url = config
        .mail
        .base_url
        .as_deref()
        .context("no public base URL for links: set PAPERBOY_BASE_URL (or `base_url` in [mail])")?;
    let settings = MailSettings::new(from, base_url)?;
    Ok(match &config.mail.dkim_key {
        Some(path) => settings.with_dkim(path, &config.mail.dkim_selector)?,
        None => settings,
    })
}

/// The SMTP sender from `PAPERBOY_SMTP_URL`.
pub fn smtp_sender(config: &Config) -> anyhow::Result<Arc<dyn MailSender>> {
    let url = config
        .mail
        .smtp_url
        .as_deref()
        .context("no SMTP server: set PAPERBOY_SMTP_URL (e.g. smtp://127.0.0.1:2525)")?;
    Ok(Arc::new(SmtpSender::from_url(url)?))
}

/// The key that signs digest links. Every instance on one PostgreSQL database shares the one
/// its first migration made; the embedded store keeps it in the data folder.
pub fn secret(config: &Config, store: &dyn Backend) -> anyhow::Result<Secret> {
    if config.database_url.is_none() {
        return Ok(Secret::load_or_create(&config.data_dir)?);
    }
    let stored = store.state(DIGEST_SECRET_KEY)?;
    let stored =
        stored.ok_or_else(|| anyhow::anyhow!("the database has no {DIGEST_SECRET_KEY}; run `paperboy migrate`"))?;
    Secret::from_hex(&stored).ok_or_else(|| {
        anyhow::anyhow!("the database's {DIGEST_SECRET_KEY} is not 64 hex digits; links cannot be signed")
    })
}

/// The `state` key of the shared link-signing key in PostgreSQL (and in a backup of the
/// embedded store, which carries the data folder's key in its one file).
pub const DIGEST_SECRET_KEY: &str = "digest_secret";

/// Writes the data folder's link-signing key (mode 0600), replacing the one there.
pub fn write_secret(dir: &Path, secret: &Secret) -> anyhow::Result<()> {
    let path = dir.join(paperboy_digest::token::SECRET_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::write_all(&mut file, &secret.to_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// What a digest command opens once.
struct Opened {
    store: Arc<dyn Backend>,
    searcher: Searcher,
    settings: MailSettings,
    secret: Secret,
    schedule: Schedule,
}

impl Opened {
    fn new(config: &Config) -> anyhow::Result<Opened> {
        let settings = mail_settings(config)?;
        let store = open_store(config)?;
        let searcher = open_search(config, store.as_ref())?;
        let secret = secret(config, store.as_ref())?;
        Ok(Opened {
            store,
            searcher,
            settings,
            secret,
            schedule: config.mail.schedule,
        })
    }

    fn digests(&self) -> Digests<'_> {
        Digests {
            papers: self.store.as_ref(),
            subscribers: self.store.as_ref(),
            searcher: &self.searcher,
            settings: &self.settings,
            secret: &self.secret,
            schedule: self.schedule,
            readers: self.store.as_ref(),
        }
    }
}

pub fn run(config: &Config, action: Action) -> anyhow::Result<ExitCode> {
    match action {
        Action::Run(args) => run_digests(config, args),
        Action::Preview(args) => preview(config, args),
    }
}

fn now_or(at: Option<DateTime<FixedOffset>>) -> DateTime<Utc> {
    at.map_or_else(Utc::now, |at| at.with_timezone(&Utc))
}

fn run_digests(config: &Config, args: RunArgs) -> anyhow::Result<ExitCode> {
    let opened = Opened::new(config)?;
    let sender = if args.dry_run { None } else { Some(smtp_sender(config)?) };
    let now = now_or(args.at);
    let frequencies = match args.frequency {
        Some(f) => vec![f.into()],
        None => vec![Frequency::Daily, Frequency::Weekly],
    };
    let mut code = ExitCode::SUCCESS;
    for frequency in frequencies {
        let mut report = opened
            .digests()
            .run(frequency, now, sender.as_deref(), Retry::default())?;
        let searches = opened
            .digests()
            .run_searches(frequency, now, sender.as_deref(), Retry::default())?;
        if report.deferred > 0 || searches.deferred > 0 {
            code = ExitCode::from(1);
        }
        if !args.json && searches.subscribers > 0 {
            println!(
                "{} saved-search digests {}: {} saved searches, {} sent{}, {} already sent, {} with nothing new, {} deferred, {} bounced",
                searches.frequency,
                searches.period,
                searches.subscribers,
                searches.sent,
                if args.dry_run { format!(" ({} would be sent)", searches.would_send) } else { String::new() },
                searches.already_sent,
                searches.empty,
                searches.deferred,
                searches.bounced,
            );
        }
        report.saved_searches = Some(Box::new(searches));
        if args.json {
            print_json(&report)?;
        } else if report.held_elsewhere {
            println!(
                "{} digest {}: another process is sending it (it holds the lease); nothing sent here",
                report.frequency, report.period
            );
        } else {
            println!(
                "{} digest {}: {} subscribers, {} sent{}, {} already sent, {} with nothing to send, {} deferred (temporary failures), {} bounced",
                report.frequency,
                report.period,
                report.subscribers,
                report.sent,
                if args.dry_run { format!(" ({} would be sent)", report.would_send) } else { String::new() },
                report.already_sent,
                report.empty,
                report.deferred,
                report.bounced,
            );
        }
    }
    Ok(code)
}

fn preview(config: &Config, args: PreviewArgs) -> anyhow::Result<ExitCode> {
    let email = paperboy_digest::validate_email(&args.email)?;
    let opened = Opened::new(config)?;
    let subscriber = opened
        .store
        .subscriber_by_email(&email)?
        .with_context(|| format!("{email} is not a subscriber (`paperboy subscribers list` shows them)"))?;
    let (period, rendered) = opened.digests().preview(&subscriber, now_or(args.at))?;
    match rendered {
        None => println!(
            "nothing to send to {email} for the {} digest of {} (no trending papers, no matches for their topics)",
            period.frequency.as_str(),
            period.key()
        ),
        Some(rendered) if args.html => print!("{}", rendered.html),
        Some(rendered) => {
            println!("Subject: {}\n", rendered.subject);
            print!("{}", rendered.text);
        }
    }
    Ok(ExitCode::SUCCESS)
}
