//! `paperboy user create`: accounts made by the operator (the first administrator, or accounts
//! on an instance without sign-up mail); `user list` and `user set-admin` to see and manage them. The password is read from stdin, never from the
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
    /// List accounts, oldest first.
    List(ListArgs),
    /// Grant (or with --revoke, withdraw) moderation rights.
    SetAdmin(SetAdminArgs),
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Accounts to skip (paging).
    #[arg(long, default_value_t = 0)]
    offset: u64,
    #[arg(long, default_value_t = 100)]
    limit: u64,
    /// One JSON object a line: `{"id", "name", "email", "email_verified", "admin", "banned", "created_at"}`.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct SetAdminArgs {
    /// The account's name (any case).
    name: String,
    /// Withdraw the rights instead.
    #[arg(long)]
    revoke: bool,
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
        Action::List(args) => list(config, args),
        Action::SetAdmin(args) => set_admin(config, args),
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

fn list(config: &Config, args: ListArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(config)?;
    for user in store.users(args.offset, args.limit.clamp(1, 10_000))? {
        if args.json {
            print_json(&serde_json::json!({
                "id": user.id,
                "name": user.name,
                "email": user.email,
                "email_verified": user.email_verified,
                "admin": user.is_admin,
                "banned": user.banned,
                "created_at": user.created_at,
            }))?;
        } else {
            let mut notes = Vec::new();
            if user.is_admin {
                notes.push("admin");
            }
            if user.banned {
                notes.push("banned");
            }
            if !user.email_verified {
                notes.push("unverified");
            }
            println!(
                "{:>6}  {:<32} <{}>  {}{}",
                user.id,
                user.name,
                user.email,
                user.created_at.format("%Y-%m-%d"),
                if notes.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", notes.join(", "))
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn set_admin(config: &Config, args: SetAdminArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(config)?;
    let Some(user) = store.user_by_name(&args.name)? else {
        bail!("no user named {:?}", args.name);
    };
    store.set_admin(user.id, !args.revoke)?;
    let now = if args.revoke {
        "no longer an administrator"
    } else {
        "an administrator"
    };
    println!("{} is {now}", user.name);
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
