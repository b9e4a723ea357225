//! `paperboy subscribers add|list|remove|import`: digest subscribers, for operators.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use paperboy_digest::{confirmation, enqueue_message, validate_email, validate_topics, Outbox, Prepared, SendError};
use paperboy_store::{Backend, Frequency, Subscriber, SubscriberStatus};

use super::digest::{mail_settings, secret, smtp_sender, FrequencyArg};
use super::{open_store, print_json};
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Add a subscriber. Without --confirmed they get a confirmation mail first (double opt-in).
    Add(AddArgs),
    /// List subscribers.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a subscriber and their delivery history.
    Remove { email: String },
    /// Add subscribers from a CSV file: email[,frequency[,topics separated by ;]], header optional.
    Import {
        file: PathBuf,
        /// Mark them confirmed (only when they opted in elsewhere); otherwise each gets a
        /// confirmation mail.
        #[arg(long)]
        confirmed: bool,
    },
}

#[derive(clap::Args)]
pub struct AddArgs {
    email: String,
    #[arg(long, value_enum, default_value_t = FrequencyArg::Daily)]
    frequency: FrequencyArg,
    /// A free-text search query (repeatable).
    #[arg(long = "topic", value_name = "TEXT")]
    topics: Vec<String>,
    /// Skip the confirmation mail: the subscriber receives digests at once.
    #[arg(long)]
    confirmed: bool,
    /// Also send a "For you" section, ranked for the account with this (verified) address from
    /// its upvotes, saved papers, follows and saved searches.
    #[arg(long)]
    like_upvoted: bool,
}

pub fn run(config: &Config, action: Action) -> anyhow::Result<ExitCode> {
    let store = open_store(config)?;
    match action {
        Action::Add(args) => {
            let email = validate_email(&args.email).with_context(|| format!("{:?} is refused", args.email))?;
            let topics = validate_topics(&args.topics)?;
            let status = if args.confirmed {
                SubscriberStatus::Active
            } else {
                SubscriberStatus::Pending
            };
            let (subscriber, created) = store.add_subscriber(&email, args.frequency.into(), &topics, status)?;
            if !created {
                eprintln!("{email} is already a subscriber ({})", subscriber.status.as_str());
                return Ok(ExitCode::from(1));
            }
            if args.like_upvoted {
                store.set_like_upvoted(subscriber.id, true)?;
            }
            println!(
                "added {email} ({}, {})",
                subscriber.frequency.as_str(),
                subscriber.status.as_str()
            );
            if !args.confirmed {
                send_confirmations(config, store.as_ref(), &[subscriber])?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::List { json } => {
            let subscribers = store.subscribers()?;
            if json {
                print_json(&subscribers)?;
            } else {
                for s in &subscribers {
                    println!(
                        "{:<40} {:<7} {:<12} {}",
                        s.email,
                        s.frequency.as_str(),
                        s.status.as_str(),
                        s.topics.join(" | ")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Remove { email } => {
            let email = validate_email(&email)?;
            let found = store.subscriber_by_email(&email)?;
            match found {
                Some(s) if store.remove_subscriber(s.id)? => {
                    println!("removed {email}");
                    Ok(ExitCode::SUCCESS)
                }
                _ => {
                    eprintln!("{email} is not a subscriber");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Action::Import { file, confirmed } => import(config, store.as_ref(), &file, confirmed),
    }
}

fn import(config: &Config, store: &dyn Backend, file: &std::path::Path, confirmed: bool) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let status = if confirmed {
        SubscriberStatus::Active
    } else {
        SubscriberStatus::Pending
    };
    let (mut added, mut existing, mut refused) = (0, 0, 0);
    let mut to_confirm = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let fields = split_csv_line(line);
        let Some(first) = fields.first().map(|f| f.trim()) else {
            continue;
        };
        if first.is_empty() || (line_no == 1 && first.eq_ignore_ascii_case("email")) {
            continue;
        }
        let parsed = (|| -> anyhow::Result<(String, Frequency, Vec<String>)> {
            let email = validate_email(first)?;
            let frequency = match fields.get(1).map(|f| f.trim()).filter(|f| !f.is_empty()) {
                None => Frequency::Daily,
                Some(f) => Frequency::parse(&f.to_ascii_lowercase())
                    .with_context(|| format!("frequency {f:?} is not daily or weekly"))?,
            };
            let topics: Vec<&str> = fields.get(2).map(|t| t.split(';').collect()).unwrap_or_default();
            Ok((email, frequency, validate_topics(&topics)?))
        })();
        match parsed {
            Ok((email, frequency, topics)) => {
                let (subscriber, created) = store.add_subscriber(&email, frequency, &topics, status)?;
                if created {
                    added += 1;
                    if !confirmed {
                        to_confirm.push(subscriber);
                    }
                } else {
                    existing += 1;
                }
            }
            Err(e) => {
                refused += 1;
                eprintln!("{}: line {line_no}: {e:#}", file.display());
            }
        }
    }
    println!("{added} added, {existing} already subscribed, {refused} refused");
    if !to_confirm.is_empty() {
        send_confirmations(config, store, &to_confirm)?;
    }
    Ok(if refused > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Splits one CSV line; fields may be "quoted", with "" for a quote inside.
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("never empty");
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            _ => field.push(c),
        }
    }
    fields
}

/// Sends each new subscriber the double opt-in mail, when SMTP is configured: through the
/// outbox, so that a mail the server does not take now is retried by `serve`.
fn send_confirmations(config: &Config, store: &dyn Backend, subscribers: &[Subscriber]) -> anyhow::Result<()> {
    if config.mail.smtp_url.is_none() {
        eprintln!("note: no SMTP server is configured (PAPERBOY_SMTP_URL), so no confirmation mail was sent; they stay pending");
        return Ok(());
    }
    let sender = smtp_sender(config)?;
    let settings = mail_settings(config)?;
    let secret = secret(config, store)?;
    let holder = paperboy_store::lease_holder();
    let outbox = Outbox {
        store,
        sender: sender.as_ref(),
        from: &settings.from.email,
        policy: config.mail.retry,
        holder: &holder,
    };
    let nothing_to_prepare = |_: &paperboy_store::QueuedMail| -> Result<Prepared, SendError> {
        Err(SendError::Permanent("only finished messages are sent from here".into()))
    };
    for subscriber in subscribers {
        let message = confirmation(&settings, &secret, subscriber, Utc::now())?;
        let id = enqueue_message(store, &message, Utc::now())?;
        let report = outbox.deliver_due(&nothing_to_prepare, Some(id))?;
        if report.sent == 1 {
            println!("confirmation mail sent to {}", subscriber.email);
        } else if report.retried == 1 {
            eprintln!(
                "the confirmation mail to {} could not be sent yet: it is queued, and `serve` retries it",
                subscriber.email
            );
        } else {
            eprintln!(
                "could not send the confirmation mail to {} (see /status)",
                subscriber.email
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_csv_line;

    #[test]
    fn csv_fields_may_be_quoted() {
        assert_eq!(split_csv_line("a@b.org,weekly,llm;rl"), ["a@b.org", "weekly", "llm;rl"]);
        assert_eq!(
            split_csv_line("\"a@b.org\",,\"x, \"\"y\"\"\""),
            ["a@b.org", "", "x, \"y\""]
        );
    }
}
