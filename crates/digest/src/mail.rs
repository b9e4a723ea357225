//! Turning a digest into a MIME message, and sending messages.
//!
//! Sending sits behind [`MailSender`] so that composition and the delivery ledger are tested
//! without a network; [`SmtpSender`] is the real one (lettre's blocking SMTP client).

use std::time::Duration;

use askama::Template;
use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{header, Mailbox, MultiPart};
use lettre::{Message, Transport};

use crate::compose::Digest;

/// How long links in digests stay valid (manage, unsubscribe).
pub const DIGEST_LINK_DAYS: i64 = 90;
/// How long a confirmation link stays valid.
pub const CONFIRM_LINK_HOURS: i64 = 48;

/// A failed send, classified for retrying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying: a 4xx reply, a refused or dropped connection, a timeout.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The server refused for good (5xx): recorded, not retried this period.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Something that delivers a finished message to its envelope recipients.
pub trait MailSender: Send + Sync {
    /// Sends finished message bytes (as queued in the outbox) to `envelope`.
    fn send_raw(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError>;

    fn send(&self, message: &Message) -> Result<(), SendError> {
        self.send_raw(message.envelope(), &message.formatted())
    }
}

/// Problems with the mail configuration, worded for the operator.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("PAPERBOY_SMTP_URL {url:?} is not usable: {message} (examples: smtp://127.0.0.1:2525, smtp://user:pass@host:587?tls=starttls, smtps://user:pass@host)")]
    SmtpUrl { url: String, message: String },
    #[error("the sender address {0:?} (PAPERBOY_MAIL_FROM) is not a valid mailbox")]
    From(String),
    #[error("the public base URL {0:?} (PAPERBOY_BASE_URL) must start with http:// or https://")]
    BaseUrl(String),
    #[error("the DKIM key {path}: {message}")]
    Dkim { path: String, message: String },
}

/// Sends through an SMTP server with lettre's blocking client.
pub struct SmtpSender {
    transport: lettre::SmtpTransport,
}

impl SmtpSender {
    /// From a URL: `smtp://host:port` (plain), `smtp://…?tls=starttls` (STARTTLS required;
    /// lettre's own `tls=required` and `tls=opportunistic` work too), `smtps://…` (TLS from the
    /// start). `user:pass@` in the URL enables authentication.
    pub fn from_url(url: &str) -> Result<SmtpSender, MailConfigError> {
        let normalised = url.replace("tls=starttls", "tls=required").replace("?tls=none", "");
        let transport = lettre::SmtpTransport::from_url(&normalised)
            .map_err(|e| MailConfigError::SmtpUrl {
                url: redact(url),
                message: e.to_string(),
            })?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(SmtpSender { transport })
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_string(),
    }
}

impl MailSender for SmtpSender {
    fn send_raw(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        match self.transport.send_raw(envelope, message) {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}

/// The sending side of the configuration: who mails come from, where links point, DKIM.
#[derive(Clone)]
pub struct MailSettings {
    pub from: Mailbox,
    /// The site's public base URL, without a trailing slash.
    pub base_url: String,
    pub dkim: Option<std::sync::Arc<lettre::message::dkim::DkimConfig>>,
}

impl MailSettings {
    pub fn new(from: &str, base_url: &str) -> Result<MailSettings, MailConfigError> {
        let from: Mailbox = from.parse().map_err(|_| MailConfigError::From(from.to_string()))?;
        let base_url = base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(MailConfigError::BaseUrl(base_url));
        }
        Ok(MailSettings {
            from,
            base_url,
            dkim: None,
        })
    }

    /// Signs every message with the RSA key (PKCS#1 PEM) at `path`, for the sender's domain.
    pub fn with_dkim(mut self, path: &std::path::Path, selector: &str) -> Result<MailSettings, MailConfigError> {
        use lettre::message::dkim::{
            DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey,
        };
        let err = |message: String| MailConfigError::Dkim {
            path: path.display().to_string(),
            message,
        };
        let pem = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let key = DkimSigningKey::new(&pem, DkimSigningAlgorithm::Rsa).map_err(|e| err(e.to_string()))?;
        let domain = self.from.email.domain().to_string();
        // Relaxed header canonicalisation: lettre's default ("simple") signs header bytes that
        // differ from what it sends, so receivers (dkimpy, in the tests) reject the signature.
        // RFC 8058 asks that List-Unsubscribe and List-Unsubscribe-Post be signed.
        let headers = [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
        ]
        .into_iter()
        .map(HeaderName::new_from_ascii_str)
        .collect();
        let canonicalization = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        self.dkim = Some(std::sync::Arc::new(DkimConfig::new(
            selector.into(),
            domain,
            key,
            headers,
            canonicalization,
        )));
        Ok(self)
    }

    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }

    /// A Message-ID that depends only on what the mail is, so a re-sent copy (after a crash
    /// between the server's acceptance and the ledger's update) carries the same id and
    /// receivers can drop the duplicate.
    pub fn message_id(&self, kind: &str, subscriber_id: i64, period_key: &str) -> String {
        format!("<{kind}.{period_key}.{subscriber_id}@{}>", self.from.email.domain())
    }

    /// A Message-ID of its own for a one-off mail (an account link): queued once in the outbox,
    /// every attempt sends the same bytes, so a copy sent twice still carries one id.
    pub fn unique_message_id(&self, kind: &str) -> String {
        let mut random = [0u8; 12];
        let _ = getrandom::fill(&mut random);
        let random: String = random.iter().map(|b| format!("{b:02x}")).collect();
        format!("<{kind}.{random}@{}>", self.from.email.domain())
    }

    fn finish(&self, mut message: Message) -> Message {
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        message
    }
}

/// RFC 2369 `List-Unsubscribe`.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl header::Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// RFC 8058 `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
#[derive(Clone)]
struct ListUnsubscribePost;

impl header::Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

#[derive(Template)]
#[template(path = "digest.html")]
struct DigestHtml<'a> {
    digest: &'a Digest,
    subject: &'a str,
    heading: &'a str,
    frequency: &'a str,
    email: &'a str,
    site_url: &'a str,
    manage_url: &'a str,
    unsubscribe_url: &'a str,
}

#[derive(Template)]
#[template(path = "digest.txt")]
struct DigestText<'a> {
    digest: &'a Digest,
    heading: &'a str,
    frequency: &'a str,
    email: &'a str,
    site_url: &'a str,
    manage_url: &'a str,
    unsubscribe_url: &'a str,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmHtml<'a> {
    frequency: &'a str,
    email: &'a str,
    confirm_url: &'a str,
    valid_hours: i64,
}

#[derive(Template)]
#[template(path = "confirm.txt")]
struct ConfirmText<'a> {
    frequency: &'a str,
    email: &'a str,
    confirm_url: &'a str,
    valid_hours: i64,
}

/// The rendered parts of a digest, before they become a message (what `preview` prints).
#[derive(Debug, Clone)]
pub struct RenderedDigest {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub unsubscribe_url: String,
    /// The ids its "For you" section presents: recorded when it is sent, so that a later
    /// digest does not present them again.
    pub for_you: Vec<String>,
}

/// Where a subscriber's links point (already signed).
pub struct SubscriberLinks {
    pub manage: String,
    pub unsubscribe: String,
}

pub fn render_digest(settings: &MailSettings, digest: &Digest, email: &str, links: &SubscriberLinks) -> RenderedDigest {
    let frequency = digest.period.frequency.as_str();
    // ASCII only, so that the subject reads the same in every client and in tests.
    let subject = format!("paperboy {frequency} digest: {}", digest.period.label());
    let heading = format!("Your {frequency} digest for {}", digest.period.label());
    let site_url = format!("{}/", settings.base_url);
    let html = DigestHtml {
        digest,
        subject: &subject,
        heading: &heading,
        frequency,
        email,
        site_url: &site_url,
        manage_url: &links.manage,
        unsubscribe_url: &links.unsubscribe,
    }
    .render()
    .expect("the digest template renders");
    let text = DigestText {
        digest,
        heading: &heading,
        frequency,
        email,
        site_url: &site_url,
        manage_url: &links.manage,
        unsubscribe_url: &links.unsubscribe,
    }
    .render()
    .expect("the digest template renders");
    RenderedDigest {
        subject,
        text,
        html,
        unsubscribe_url: links.unsubscribe.clone(),
        for_you: digest.for_you.iter().map(|e| e.id.clone()).collect(),
    }
}

fn recipient(email: &str) -> Result<Mailbox, SendError> {
    email
        .parse()
        .map_err(|e| SendError::Permanent(format!("{email:?} is not a deliverable address: {e}")))
}

/// The digest as a multipart (plain text + HTML) message with list headers.
pub fn digest_message(
    settings: &MailSettings,
    rendered: &RenderedDigest,
    email: &str,
    message_id: String,
) -> Result<Message, SendError> {
    let message = Message::builder()
        .from(settings.from.clone())
        .to(recipient(email)?)
        .subject(rendered.subject.clone())
        .message_id(Some(message_id))
        .date_now()
        .header(ListUnsubscribe(rendered.unsubscribe_url.clone()))
        .header(ListUnsubscribePost)
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))
        .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
    Ok(settings.finish(message))
}

/// The double opt-in mail.
pub fn confirmation_message(
    settings: &MailSettings,
    email: &str,
    frequency: &str,
    confirm_url: &str,
    message_id: String,
) -> Result<Message, SendError> {
    let html = ConfirmHtml {
        frequency,
        email,
        confirm_url,
        valid_hours: CONFIRM_LINK_HOURS,
    }
    .render()
    .expect("the confirmation template renders");
    let text = ConfirmText {
        frequency,
        email,
        confirm_url,
        valid_hours: CONFIRM_LINK_HOURS,
    }
    .render()
    .expect("the confirmation template renders");
    let message = Message::builder()
        .from(settings.from.clone())
        .to(recipient(email)?)
        .subject("Confirm your paperboy subscription")
        .message_id(Some(message_id))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
    Ok(settings.finish(message))
}

/// A plain-text message about an account (password reset, address verification): short,
/// one link, nothing to render.
pub fn account_message(
    settings: &MailSettings,
    email: &str,
    subject: &str,
    text: String,
) -> Result<Message, SendError> {
    let message = Message::builder()
        .from(settings.from.clone())
        .to(recipient(email)?)
        .subject(subject)
        .message_id(Some(settings.unique_message_id("account")))
        .date_now()
        .header(header::ContentType::TEXT_PLAIN)
        .body(text)
        .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
    Ok(settings.finish(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_accepted_in_the_documented_forms_and_passwords_stay_out_of_errors() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://u:p@host:587?tls=starttls",
            "smtps://u:p@host",
            "smtp://h?tls=none",
        ] {
            assert!(SmtpSender::from_url(url).is_ok(), "{url}");
        }
        let Err(e) = SmtpSender::from_url("http://user:secret@host") else {
            panic!("http is not SMTP")
        };
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn settings_refuse_a_bad_sender_or_base_url() {
        assert!(MailSettings::new("paperboy <digest@example.org>", "https://papers.example.org/").is_ok());
        assert!(MailSettings::new("not an address", "https://x.org").is_err());
        assert!(MailSettings::new("a@example.org", "papers.example.org").is_err());
        let s = MailSettings::new("a@example.org", "https://x.org/").unwrap();
        assert_eq!(s.link("/unsubscribe?token=t"), "https://x.org/unsubscribe?token=t");
        assert_eq!(
            s.message_id("digest", 7, "2026-05-01"),
            "<digest.2026-05-01.7@example.org>"
        );
    }
}
