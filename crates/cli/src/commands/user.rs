//! `paperboy user create`: accounts made by the operator (the first administrator, or accounts
//! on an instance without sign-up mail). The password is read from stdin, never from the
//! command line, where `ps` and shell history would show it.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Context};
use paperboy_accounts::{hash_password, validate_password, validate_username};
use paperboy_digest::validate_email;
use paperboy_store::{CreateUserOutcome, NewUser};

use super::{open_store, print_json};
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Create an account; the password is the first line of stdin
    /// (`printf '%s\n' "$PASSWORD" | paperboy user create ana --email ana@example.org`).
    Create(CreateArgs),
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// 3 to 32 letters, digits, - and _; unique whatever the case.
    name: String,
    /// The account's address (password resets go there); marked verified.
    #[arg(long)]
    email: String,
    /// Make the account an administrator (moderation).
    #[arg(long)]
    admin: bool,
    /// Print `{"id", "name", "admin"}` as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, action: Action) -> anyhow::Result<ExitCode> {
    match action {
        Action::Create(args) => create(config, args),
    }
}

fn create(config: &Config, args: CreateArgs) -> anyhow::Result<ExitCode> {
    validate_username(&args.name).with_context(|| format!("user name {:?} is refused", args.name))?;
    let email = validate_email(&args.email).with_context(|| format!("email {:?} is refused", args.email))?;
    let password = read_password()?;
    validate_password(&password, &args.name).context("the password is refused")?;
    let password_hash = hash_password(&password)?;
    let store = open_store(config)?;
    let outcome = store.create_user(&NewUser {
        name: &args.name,
        email: &email,
        password_hash: &password_hash,
        is_admin: args.admin,
        // The operator vouches for the address; there is no mail to click through.
        email_verified: true,
    })?;
    let id = match outcome {
        CreateUserOutcome::Created(id) => id,
        CreateUserOutcome::NameTaken => bail!(
            "the user name {:?} is taken (names are unique whatever the case)",
            args.name
        ),
        CreateUserOutcome::EmailTaken => bail!("another account already uses the email {email}"),
    };
    if args.json {
        print_json(&serde_json::json!({ "id": id, "name": args.name, "admin": args.admin }))?;
    } else {
        let role = if args.admin { "administrator" } else { "user" };
        println!("created {role} {} <{email}> (id {id})", args.name);
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of stdin, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (shown as typed): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        bail!("no password: give it as the first line of stdin");
    }
    Ok(password.to_string())
}
