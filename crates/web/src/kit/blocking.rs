//! The one way a handler runs blocking work (store calls, password hashing, SMTP, ranking):
//! on tokio's blocking threads, inside the request's tracing span, with a failed task mapped
//! to an error once, here.

use crate::AppError;

/// Runs `work` on a blocking thread and returns what it returned. A task that panicked or was
/// cancelled becomes [`AppError::Internal`] (logged in full, shown as a generic 500).
pub async fn blocking<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, AppError>
where
    T: Send + 'static,
    E: Into<AppError> + Send + 'static,
{
    let span = tracing::Span::current();
    match tokio::task::spawn_blocking(move || span.in_scope(work)).await {
        Ok(result) => result.map_err(Into::into),
        Err(failed) => Err(AppError::Internal(format!("a background task failed: {failed}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn results_errors_and_panics_come_back_as_app_results() {
        assert_eq!(blocking(|| Ok::<_, AppError>(7)).await.unwrap(), 7);
        let refused = blocking(|| Err::<(), _>(AppError::BadRequest("no".into()))).await;
        assert!(matches!(refused, Err(AppError::BadRequest(m)) if m == "no"));
        let panicked = blocking(|| -> Result<(), AppError> { panic!("boom") }).await;
        assert!(matches!(panicked, Err(AppError::Internal(m)) if m.contains("background task")));
    }
}
