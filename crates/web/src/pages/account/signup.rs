//! Sign up: name, email, password; a confirmation link is mailed and the new account is
//! signed in at once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, Response};
use paperboy_accounts::{validate_password, validate_username, Action};
use paperboy_store::{CreateUserOutcome, NewUser};
use serde::Deserialize;

use super::mail::send_verification;
use super::{form_with_status, hash, start_session, Field, FormPage};
use crate::auth::Viewer;
use crate::error::PageError;
use crate::kit::{render, CsrfForm};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct SignUpForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn page(form: &SignUpForm, error: Option<String>) -> FormPage {
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

pub async fn form() -> Result<Html<String>, PageError> {
    Ok(render(&page(&SignUpForm::default(), None))?)
}

pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SignUpForm>,
) -> Result<Response, PageError> {
    state.limits.check(Action::SignUp, &[&viewer.client]).await?;
    let name = form.name.trim().to_string();
    let email = form.email.trim().to_string();
    let invalid = validate_username(&name)
        .err()
        .map(|e| e.to_string())
        .or_else(|| paperboy_digest::validate_email(&email).err().map(|e| e.to_string()))
        .or_else(|| validate_password(&form.password, &name).err().map(|e| e.to_string()));
    if let Some(message) = invalid {
        return form_with_status(StatusCode::BAD_REQUEST, page(&form, Some(message)));
    }
    let password_hash = hash(form.password.clone()).await?;
    let outcome = state
        .with_store(move |s| {
            s.create_user(&NewUser {
                name: &name,
                email: &email,
                password_hash: &password_hash,
                is_admin: false,
                email_verified: false,
            })
        })
        .await?;
    let taken = |message: &str| form_with_status(StatusCode::CONFLICT, page(&form, Some(message.into())));
    let user_id = match outcome {
        CreateUserOutcome::Created(id) => id,
        CreateUserOutcome::NameTaken => return taken("That user name is taken; please pick another."),
        CreateUserOutcome::EmailTaken => {
            return taken("That email address already has an account: sign in, or reset its password.")
        }
    };
    if let Some(user) = state.with_store(move |s| s.user(user_id)).await? {
        send_verification(&state, &user).await?;
    }
    Ok(start_session(&state, user_id, "/").await?)
}
