//! `paperboy token create`: an API token for scripts (`Authorization: Bearer …`). Only its
//! SHA-256 is stored, so the token is printed once and cannot be shown again.

use std::process::ExitCode;

use anyhow::bail;
use paperboy_accounts::new_token;
use paperboy_store::{NewToken, TokenKind};

use super::open_store;
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Create an API token for a user and print it (just the token, on stdout).
    Create {
        /// The user name (any case).
        user: String,
        /// A name for the token, shown in the user's settings (at most 64 characters).
        #[arg(long)]
        label: Option<String>,
    },
}

pub fn run(config: &Config, action: Action) -> anyhow::Result<ExitCode> {
    match action {
        Action::Create { user, label } => {
            // As the settings page takes it: one line, at most 64 characters.
            let label: Option<String> = label
                .map(|l| l.trim().chars().filter(|c| !c.is_control()).take(64).collect())
                .filter(|l: &String| !l.is_empty());
            create(config, &user, label.as_deref())
        }
    }
}

fn create(config: &Config, name: &str, label: Option<&str>) -> anyhow::Result<ExitCode> {
    let store = open_store(config)?;
    let Some(user) = store.user_by_name(name)? else {
        bail!("no user named {name:?} (create one with `paperboy user create`)");
    };
    if user.banned {
        bail!("{} is banned; a banned account gets no tokens", user.name);
    }
    let (token, hash) = new_token();
    store.insert_token(&NewToken {
        hash: &hash,
        user_id: user.id,
        kind: TokenKind::Api,
        label,
        expires_at: None,
    })?;
    println!("{token}");
    eprintln!(
        "API token for {} (shown only this once): send it as `Authorization: Bearer TOKEN`",
        user.name
    );
    Ok(ExitCode::SUCCESS)
}
