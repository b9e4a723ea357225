//! How far a long piece of work got, told to whoever shows it.
//!
//! Ingesting, embedding, rebuilding an index, copying a store and syncing take minutes on real
//! data. The crates that do the work report through [`Progress`]; the front end decides how it
//! is shown (the CLI: a bar on a terminal, plain periodic lines in a log, nothing with
//! `--quiet`). The work never knows, so no terminal or timing code sits below the CLI.

/// Hears the progress of long work. Every method has a do-nothing default.
pub trait Progress: Sync {
    /// A stage of the work begins, named in words ("embedding papers"), with the number of
    /// units it will count when that is known beforehand (`None`: only a running count).
    fn start(&self, _what: &str, _total: Option<u64>) {}

    /// The stage's size became known (or changed) after it began: an OAI-PMH harvest learns its
    /// list size from the first page.
    fn set_total(&self, _total: u64) {}

    /// `units` more units of the current stage are done.
    fn advance(&self, _units: u64) {}

    /// The current stage is over (a bar is cleared; a log says its final count).
    fn finish(&self) {}
}

/// Shows nothing: for library callers, tests and background work.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
