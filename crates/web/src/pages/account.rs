//! Accounts on the site: sign up, sign in and out, password reset, email verification,
//! settings (password, privacy, API tokens).
//!
//! Messages never reveal whether an account exists: a failed sign-in says "wrong name or
//! password" either way (and takes as long), a reset request always says "if an account has
//! that address, a link is on its way".

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Duration, Utc};
use paperboy_accounts::password::burn_verification_time;
use paperboy_accounts::{
    hash_password, hash_token, new_token, validate_password, validate_username, verify_password, Action,
};
use paperboy_store::{Backend as CommunityStore, CreateUserOutcome, NewToken, NewUser, TokenKind, User};
use serde::Deserialize;

use crate::auth::{clear_session_cookie, session_cookie, Viewer, SESSION_DAYS};
use crate::error::PageError;
use crate::{AppError, AppState};

/// How long a password-reset link works.
const RESET_LINK_HOURS: i64 = 1;
/// How long an email-verification link works.
const VERIFY_LINK_HOURS: i64 = 48;
/// API tokens one account may hold.
const MAX_API_TOKENS: usize = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_form).post(signup))
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", post(signout))
        .route("/reset", get(reset_request_form).post(reset_request))
        .route("/reset/confirm", get(reset_form).post(reset))
        .route("/verify", get(verify_form).post(verify_email))
        .route("/settings", get(settings))
        .route("/settings/password", post(change_password))
        .route("/settings/privacy", post(privacy))
        .route("/settings/verify", post(resend_verification))
        .route("/settings/tokens", post(create_api_token))
        .route("/settings/tokens/{id}/revoke", post(revoke_api_token))
        .route("/settings/signout-everywhere", post(signout_everywhere))
}

// --- rendering -------------------------------------------------------------------------------

pub struct Field {
    pub label: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub required: bool,
    pub autocomplete: &'static str,
    pub max_length: usize,
}

impl Field {
    fn new(label: &'static str, name: &'static str, kind: &'static str, autocomplete: &'static str) -> Field {
        Field {
            label,
            name,
            kind,
            value: String::new(),
            required: true,
            autocomplete,
            max_length: 256,
        }
    }

    fn with_value(mut self, value: &str) -> Field {
        self.value = value.chars().take(self.max_length).collect();
        self
    }
}

#[derive(Template)]
#[template(path = "account_form.html")]
pub struct FormPage {
    pub heading: &'static str,
    pub action: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub fields: Vec<Field>,
    pub hidden: Vec<(&'static str, String)>,
    pub submit: &'static str,
    pub links: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub heading: String,
    pub message: String,
    pub secret: Option<String>,
    pub links: Vec<(String, String)>,
}

pub fn html(page: impl Template) -> Result<Html<String>, PageError> {
    page.render()
        .map(Html)
        .map_err(|e| PageError(AppError::Internal(format!("rendering a page: {e}"))))
}

pub fn notice(heading: &str, message: &str) -> Result<Html<String>, PageError> {
    html(NoticePage {
        heading: heading.into(),
        message: message.into(),
        secret: None,
        links: vec![("/".into(), "Back to today's papers".into())],
    })
}

/// A form page answered with a status (400 for bad input, 401 for a failed sign-in).
fn form_with_status(status: u16, page: FormPage) -> Result<Response, PageError> {
    let status = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_REQUEST);
    Ok((status, html(page)?).into_response())
}

/// Only same-site paths are followed after sign-in (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_string(),
        _ => "/".to_string(),
    }
}

/// Runs a community-store call on a blocking thread.
pub async fn community<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&dyn CommunityStore) -> Result<T, paperboy_store::StoreError> + Send + 'static,
{
    let store = Arc::clone(&state.community.store);
    match tokio::task::spawn_blocking(move || f(store.as_ref())).await {
        Ok(result) => result.map_err(AppError::from),
        Err(e) => Err(AppError::Internal(format!("a store task failed: {e}"))),
    }
}

/// Argon2 is deliberately slow: hash off the async threads.
async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))
}

async fn check_password(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => verify_password(&password, &stored),
        None => {
            burn_verification_time(&password);
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// Starts a session for `user`: a redirect to `next` that sets the cookie.
async fn start_session(state: &AppState, user_id: i64, next: &str) -> Result<Response, AppError> {
    let (token, token_hash) = new_token();
    community(state, move |s| {
        s.insert_token(&NewToken {
            hash: &token_hash,
            user_id,
            kind: TokenKind::Session,
            label: None,
            expires_at: Some(Utc::now() + Duration::days(SESSION_DAYS)),
        })
    })
    .await?;
    let mut response = Redirect::to(next).into_response();
    if let Ok(value) = session_cookie(state, &token).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Sends (or, where configured, logs) a link for an account; never fails the request.
async fn send_account_link(state: &AppState, user: &User, subject: &str, intro: &str, path_and_query: String) {
    let link = match &state.digests {
        Some(site) => site.settings.link(&path_and_query),
        None => format!(
            "{}{}",
            state.community.settings.base_url.trim_end_matches('/'),
            path_and_query
        ),
    };
    let Some(site) = state.digests.clone() else {
        if state.community.settings.log_account_links {
            tracing::warn!(user = %user.name, %link, "no mail server configured: account link logged instead of sent");
        } else {
            tracing::error!(user = %user.name, "cannot send an account link: no mail server configured (set PAPERBOY_SMTP_URL, or PAPERBOY_LOG_ACCOUNT_LINKS=1 for a private instance)");
        }
        return;
    };
    let text = format!(
        "Hello {},\n\n{intro}\n\n{link}\n\nIf you did not ask for this, ignore this mail.\n\n— paperboy\n",
        user.name
    );
    let (email, subject) = (user.email.clone(), subject.to_string());
    let sent = tokio::task::spawn_blocking(move || {
        let message = paperboy_digest::account_message(&site.settings, &email, &subject, text)?;
        site.sender.send(&message)
    })
    .await;
    match sent {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(user = %user.name, error = %e, "sending an account mail failed"),
        Err(e) => tracing::error!(error = %e, "an account mail task failed"),
    }
}

async fn one_time_link(state: &AppState, user_id: i64, kind: TokenKind, hours: i64) -> Result<String, AppError> {
    let (token, token_hash) = new_token();
    community(state, move |s| {
        s.insert_token(&NewToken {
            hash: &token_hash,
            user_id,
            kind,
            label: None,
            expires_at: Some(Utc::now() + Duration::hours(hours)),
        })
    })
    .await?;
    Ok(token)
}

async fn send_verification(state: &AppState, user: &User) -> Result<(), AppError> {
    let token = one_time_link(state, user.id, TokenKind::VerifyEmail, VERIFY_LINK_HOURS).await?;
    send_account_link(
        state,
        user,
        "Confirm your paperboy email address",
        "Follow this link to confirm your email address (it works for 48 hours):",
        format!("/verify?token={token}"),
    )
    .await;
    Ok(())
}

// --- sign up -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct SignUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn signup_page(form: &SignUpForm, error: Option<String>) -> FormPage {
    FormPage {
        heading: "Sign up",
        action: "/signup".into(),
        error,
        notice: None,
        fields: vec![
            Field::new("User name", "name", "text", "username").with_value(&form.name),
            Field::new("Email", "email", "email", "email").with_value(&form.email),
            Field::new(
                "Password (at least 10 characters)",
                "password",
                "password",
                "new-password",
            ),
        ],
        hidden: Vec::new(),
        submit: "Create account",
        links: vec![("/signin", "Already have an account? Sign in")],
    }
}

async fn signup_form() -> Result<Html<String>, PageError> {
    html(signup_page(&SignUpForm::default(), None))
}

async fn signup(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SignUpForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    state.community.limit(Action::SignUp, &[&viewer.client]).await?;
    let name = form.name.trim().to_string();
    let email = form.email.trim().to_string();
    let invalid = validate_username(&name)
        .err()
        .map(|e| e.to_string())
        .or_else(|| paperboy_digest::validate_email(&email).err().map(|e| e.to_string()))
        .or_else(|| validate_password(&form.password, &name).err().map(|e| e.to_string()));
    if let Some(message) = invalid {
        return form_with_status(400, signup_page(&form, Some(message)));
    }
    let password_hash = hash(form.password.clone()).await?;
    let (n, e) = (name.clone(), email.clone());
    let outcome = community(&state, move |s| {
        s.create_user(&NewUser {
            name: &n,
            email: &e,
            password_hash: &password_hash,
            is_admin: false,
            email_verified: false,
        })
    })
    .await?;
    let user_id = match outcome {
        CreateUserOutcome::Created(id) => id,
        CreateUserOutcome::NameTaken => {
            return form_with_status(
                409,
                signup_page(&form, Some("That user name is taken; please pick another.".into())),
            )
        }
        CreateUserOutcome::EmailTaken => {
            return form_with_status(
                409,
                signup_page(
                    &form,
                    Some("That email address already has an account: sign in, or reset its password.".into()),
                ),
            )
        }
    };
    if let Some(user) = community(&state, move |s| s.user(user_id)).await? {
        send_verification(&state, &user).await?;
    }
    Ok(start_session(&state, user_id, "/").await?)
}

// --- sign in / out -----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

fn signin_page(login: &str, next: &str, error: Option<String>) -> FormPage {
    FormPage {
        heading: "Sign in",
        action: "/signin".into(),
        error,
        notice: None,
        fields: vec![
            Field::new("User name or email", "login", "text", "username").with_value(login),
            Field::new("Password", "password", "password", "current-password"),
        ],
        hidden: vec![("next", next.to_string())],
        submit: "Sign in",
        links: vec![
            ("/reset", "Forgot your password?"),
            ("/signup", "No account yet? Sign up"),
        ],
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

async fn signin_form(Query(query): Query<NextQuery>) -> Result<Html<String>, PageError> {
    html(signin_page("", &safe_next(query.next.as_deref()), None))
}

async fn signin(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let login = form.login.trim().to_string();
    let next = safe_next(form.next.as_deref());
    let login_key = format!("login:{}", login.to_lowercase());
    state
        .community
        .limit(Action::SignIn, &[&viewer.client, &login_key])
        .await?;
    let wanted = login.clone();
    let user = community(&state, move |s| {
        if wanted.contains('@') {
            s.user_by_email(&wanted)
        } else {
            s.user_by_name(&wanted)
        }
    })
    .await?;
    let ok = check_password(form.password.clone(), user.as_ref().map(|u| u.password_hash.clone())).await?;
    match user {
        Some(user) if ok && !user.banned => Ok(start_session(&state, user.id, &next).await?),
        Some(user) if ok && user.banned => Err(AppError::Forbidden("This account is suspended.".into()).into()),
        _ => form_with_status(
            401,
            signin_page(&login, &next, Some("Wrong user name or password.".into())),
        ),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn signout(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    if let Some(session) = viewer.session_token.clone() {
        community(&state, move |s| s.delete_token(&hash_token(&session))).await?;
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = clear_session_cookie(&state).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

// --- password reset ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ResetRequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

fn reset_request_page(notice: Option<String>) -> FormPage {
    FormPage {
        heading: "Reset your password",
        action: "/reset".into(),
        error: None,
        notice,
        fields: vec![Field::new("Email", "email", "email", "email")],
        hidden: Vec::new(),
        submit: "Send a reset link",
        links: vec![("/signin", "Back to sign in")],
    }
}

async fn reset_request_form() -> Result<Html<String>, PageError> {
    html(reset_request_page(None))
}

async fn reset_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ResetRequestForm>,
) -> Result<Html<String>, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let email = form.email.trim().to_lowercase();
    state
        .community
        .limit(Action::PasswordReset, &[&viewer.client, &format!("email:{email}")])
        .await?;
    let wanted = email.clone();
    if let Some(user) = community(&state, move |s| s.user_by_email(&wanted)).await? {
        if !user.banned {
            let token = one_time_link(&state, user.id, TokenKind::PasswordReset, RESET_LINK_HOURS).await?;
            send_account_link(
                &state,
                &user,
                "Reset your paperboy password",
                "Follow this link to choose a new password (it works for one hour, once):",
                format!("/reset/confirm?token={token}"),
            )
            .await;
        }
    }
    // The same answer whether or not the address has an account.
    html(reset_request_page(Some(
        "If an account has that address, a reset link is on its way. It works for one hour.".into(),
    )))
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn reset_page(token: &str, error: Option<String>) -> FormPage {
    FormPage {
        heading: "Choose a new password",
        action: "/reset/confirm".into(),
        error,
        notice: None,
        fields: vec![Field::new(
            "New password (at least 10 characters)",
            "password",
            "password",
            "new-password",
        )],
        hidden: vec![("token", token.chars().take(128).collect())],
        submit: "Set password",
        links: Vec::new(),
    }
}

async fn reset_form(Query(query): Query<TokenQuery>) -> Result<Html<String>, PageError> {
    html(reset_page(&query.token, None))
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

async fn reset(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    // Check the password first, so that a too-short one does not spend the one-time link.
    if let Err(e) = validate_password(&form.password, "") {
        return form_with_status(400, reset_page(&form.token, Some(e.to_string())));
    }
    let token_hash = hash_token(&form.token);
    let user = community(&state, move |s| {
        s.take_token(&token_hash, TokenKind::PasswordReset, Utc::now())
    })
    .await?;
    let Some(user) = user else {
        return Err(AppError::BadRequest(
            "This reset link is invalid, used or expired. Ask for a new one at /reset.".into(),
        )
        .into());
    };
    if let Err(e) = validate_password(&form.password, &user.name) {
        return form_with_status(400, reset_page("", Some(format!("{e} Ask for a new link at /reset."))));
    }
    let password_hash = hash(form.password.clone()).await?;
    let user_id = user.id;
    community(&state, move |s| {
        s.set_password(user_id, &password_hash)?;
        // Proving the mailbox also verifies the address.
        s.set_email_verified(user_id)?;
        s.delete_tokens(user_id, TokenKind::PasswordReset)
    })
    .await?;
    Ok(html(NoticePage {
        heading: "Password changed".into(),
        message: "Your password is changed and every session was signed out. Sign in with the new password.".into(),
        secret: None,
        links: vec![("/signin".into(), "Sign in".into())],
    })?
    .into_response())
}

// --- email verification ------------------------------------------------------------------------

async fn verify_form(Query(query): Query<TokenQuery>) -> Result<Html<String>, PageError> {
    html(FormPage {
        heading: "Confirm your email address",
        action: "/verify".into(),
        error: None,
        notice: None,
        fields: Vec::new(),
        hidden: vec![("token", query.token.chars().take(128).collect())],
        submit: "Confirm",
        links: Vec::new(),
    })
}

async fn verify_email(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ResetForm>,
) -> Result<Html<String>, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let token_hash = hash_token(&form.token);
    let user = community(&state, move |s| {
        let user = s.take_token(&token_hash, TokenKind::VerifyEmail, Utc::now())?;
        if let Some(user) = &user {
            s.set_email_verified(user.id)?;
        }
        Ok(user)
    })
    .await?;
    match user {
        Some(_) => notice("Email confirmed", "Thank you: your email address is confirmed."),
        None => Err(AppError::BadRequest(
            "This confirmation link is invalid, used or expired. Send a new one from your settings.".into(),
        )
        .into()),
    }
}

// --- settings ----------------------------------------------------------------------------------

pub struct TokenRow {
    id: i64,
    label: String,
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    user: User,
    notice: Option<String>,
    new_token: Option<String>,
    tokens: Vec<TokenRow>,
}

/// The signed-in user, or a redirect to sign in that comes back here.
pub fn signed_in_or_redirect(viewer: &Viewer, back_to: &str) -> Result<User, Redirect> {
    viewer
        .user
        .clone()
        .ok_or_else(|| Redirect::to(&format!("/signin?next={back_to}")))
}

async fn settings_page(
    state: &AppState,
    user: User,
    notice: Option<String>,
    new_token: Option<String>,
) -> Result<Response, PageError> {
    let user_id = user.id;
    let tokens = community(state, move |s| s.tokens(user_id, TokenKind::Api)).await?;
    let format = |t: Option<chrono::DateTime<Utc>>| {
        t.map_or("never".to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
    };
    let tokens = tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            label: t.label.unwrap_or_default(),
            created: format(Some(t.created_at)),
            last_used: format(t.last_used_at),
        })
        .collect();
    Ok(html(SettingsPage {
        user,
        notice,
        new_token,
        tokens,
    })?
    .into_response())
}

async fn settings(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let user = match signed_in_or_redirect(&viewer, "/settings") {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    settings_page(&state, user, None, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let user = viewer.require_user()?.clone();
    state
        .community
        .limit(
            Action::SignIn,
            &[&viewer.client, &format!("login:{}", user.name.to_lowercase())],
        )
        .await?;
    if !check_password(form.current.clone(), Some(user.password_hash.clone())).await? {
        return Err(AppError::Forbidden("The current password is wrong.".into()).into());
    }
    if let Err(e) = validate_password(&form.password, &user.name) {
        return Err(AppError::BadRequest(e.to_string()).into());
    }
    let password_hash = hash(form.password.clone()).await?;
    let user_id = user.id;
    community(&state, move |s| s.set_password(user_id, &password_hash)).await?;
    // Every session ended, this one too; start a fresh one for this browser.
    Ok(start_session(&state, user_id, "/settings").await?)
}

#[derive(Deserialize)]
pub struct PrivacyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    votes_public: Option<String>,
}

async fn privacy(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PrivacyForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let user_id = viewer.require_user()?.id;
    let public = form.votes_public.is_some();
    community(&state, move |s| s.set_votes_public(user_id, public)).await?;
    Ok(Redirect::to("/settings").into_response())
}

async fn resend_verification(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let user = viewer.require_user()?.clone();
    state
        .community
        .limit(
            Action::PasswordReset,
            &[&format!("email:{}", user.email.to_lowercase())],
        )
        .await?;
    send_verification(&state, &user).await?;
    settings_page(
        &state,
        user,
        Some("A new confirmation link is on its way.".into()),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
}

async fn create_api_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let user = viewer.require_user()?.clone();
    let label: String = form.label.trim().chars().filter(|c| !c.is_control()).take(64).collect();
    if label.is_empty() {
        return Err(AppError::BadRequest("Give the token a name, so that you can tell it apart later.".into()).into());
    }
    let token = create_token(&state, user.id, &label).await?;
    settings_page(&state, user, None, Some(token)).await
}

/// Creates an API token for a user (also used by `paperboy token create`'s web twin).
pub async fn create_token(state: &AppState, user_id: i64, label: &str) -> Result<String, AppError> {
    let (token, token_hash) = new_token();
    let label = label.to_string();
    community(state, move |s| {
        if s.tokens(user_id, TokenKind::Api)?.len() >= MAX_API_TOKENS {
            return Ok(None);
        }
        s.insert_token(&NewToken {
            hash: &token_hash,
            user_id,
            kind: TokenKind::Api,
            label: Some(&label),
            expires_at: None,
        })
        .map(Some)
    })
    .await?
    .ok_or_else(|| {
        AppError::Conflict(format!(
            "An account can hold at most {MAX_API_TOKENS} API tokens; revoke one first."
        ))
    })?;
    Ok(token)
}

async fn revoke_api_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let user_id = viewer.require_user()?.id;
    if !community(&state, move |s| s.delete_token_of(user_id, id)).await? {
        return Err(AppError::NotFound("You have no such token.".into()).into());
    }
    Ok(Redirect::to("/settings").into_response())
}

async fn signout_everywhere(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let user_id = viewer.require_user()?.id;
    community(&state, move |s| s.delete_tokens(user_id, TokenKind::Session)).await?;
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = clear_session_cookie(&state).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
