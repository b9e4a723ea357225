//! Progress of long commands on stderr (`ingest`, `index embed`, `index rebuild`, `harvest`,
//! `copy`, `sync`): a bar with rate and time left on a terminal; on anything else (a log, a
//! pipe, cron) a plain line every so often, so that a log shows the work is alive without a
//! line per record; nothing with `--quiet`.
//!
//! The work itself reports through `paperboy_domain::Progress`; only this module knows how it
//! is shown.

use std::io::IsTerminal;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use paperboy_domain::Progress;

/// How often a plain line is written when stderr is not a terminal.
pub const DEFAULT_LINE_EVERY: Duration = Duration::from_secs(10);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// An animated bar (stderr is a terminal).
    Bar,
    /// A line at most every `every` (zero: at every step, which tests use to see lines without
    /// waiting).
    Lines {
        every: Duration,
    },
    Off,
}

impl Display {
    /// Off with `--quiet`; lines when stderr is not a terminal or an interval was asked for
    /// (`--progress-every`); else a bar.
    pub fn choose(quiet: bool, every: Option<Duration>) -> Display {
        match (quiet, every) {
            (true, _) => Display::Off,
            (false, Some(every)) => Display::Lines { every },
            (false, None) if std::io::stderr().is_terminal() => Display::Bar,
            (false, None) => Display::Lines {
                every: DEFAULT_LINE_EVERY,
            },
        }
    }
}

/// Shows the progress of one command's work, stage after stage.
pub struct Reporter {
    display: Display,
    stage: Mutex<Option<Stage>>,
}

/// The stage under way.
struct Stage {
    what: String,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last_line: Option<Instant>,
    bar: Option<ProgressBar>,
}

impl Reporter {
    pub fn new(display: Display) -> Reporter {
        Reporter {
            display,
            stage: Mutex::new(None),
        }
    }

    fn with_stage(&self, change: impl FnOnce(&mut Option<Stage>)) {
        if self.display != Display::Off {
            change(&mut self.stage.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }

    fn new_bar(total: Option<u64>, what: &str) -> ProgressBar {
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {human_pos}/{human_len} {per_sec} {eta} left")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {msg}: {human_pos} {per_sec} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }
}

impl Progress for Reporter {
    fn start(&self, what: &str, total: Option<u64>) {
        let display = self.display;
        self.with_stage(|slot| {
            if let Some(bar) = slot.take().and_then(|stage| stage.bar) {
                bar.finish_and_clear();
            }
            *slot = Some(Stage {
                what: what.to_string(),
                total,
                done: 0,
                started: Instant::now(),
                last_line: None,
                bar: (display == Display::Bar).then(|| Reporter::new_bar(total, what)),
            });
        });
    }

    fn set_total(&self, total: u64) {
        self.with_stage(|slot| {
            if let Some(stage) = slot {
                stage.total = Some(total);
                if let Some(bar) = &stage.bar {
                    bar.finish_and_clear();
                    let fresh = Reporter::new_bar(Some(total), &stage.what);
                    fresh.set_position(stage.done);
                    stage.bar = Some(fresh);
                }
            }
        });
    }

    fn advance(&self, units: u64) {
        let display = self.display;
        self.with_stage(|slot| {
            let Some(stage) = slot else { return };
            stage.done += units;
            if let Some(bar) = &stage.bar {
                bar.set_position(stage.done);
            }
            if let Display::Lines { every } = display {
                let due = stage.last_line.unwrap_or(stage.started).elapsed() >= every;
                if due {
                    stage.last_line = Some(Instant::now());
                    eprintln!("{}", progress_line(stage));
                }
            }
        });
    }

    fn finish(&self) {
        let display = self.display;
        self.with_stage(|slot| {
            let Some(stage) = slot.take() else { return };
            if let Some(bar) = stage.bar {
                bar.finish_and_clear();
            } else if matches!(display, Display::Lines { .. }) && stage.last_line.is_some() {
                // Only a stage that said it was under way says it ended: a short one stays silent.
                let seconds = stage.started.elapsed().as_secs_f64();
                eprintln!(
                    "{}: done, {} in {} ({}/s)",
                    stage.what,
                    stage.done,
                    duration_words(seconds),
                    rate(stage.done, seconds)
                );
            }
        });
    }
}

/// "embedding papers: 1200 of 6668 (18%), 31.2/s, about 3m 27s left".
fn progress_line(stage: &Stage) -> String {
    let seconds = stage.started.elapsed().as_secs_f64();
    let per_second = stage.done as f64 / seconds.max(1e-9);
    match stage.total {
        Some(total) if total > 0 => {
            let left = total.saturating_sub(stage.done) as f64 / per_second.max(1e-9);
            format!(
                "{}: {} of {total} ({}%), {}/s, about {} left",
                stage.what,
                stage.done,
                stage.done * 100 / total,
                rate(stage.done, seconds),
                duration_words(left)
            )
        }
        _ => format!(
            "{}: {} so far, {}/s, {} elapsed",
            stage.what,
            stage.done,
            rate(stage.done, seconds),
            duration_words(seconds)
        ),
    }
}

fn rate(done: u64, seconds: f64) -> String {
    format!("{:.1}", done as f64 / seconds.max(1e-9))
}

/// "42s", "3m 27s", "2h 05m".
fn duration_words(seconds: f64) -> String {
    let whole = seconds.round().min(1e9) as u64;
    match whole {
        0..=59 => format!("{whole}s"),
        60..=3599 => format!("{}m {:02}s", whole / 60, whole % 60),
        _ => format!("{}h {:02}m", whole / 3600, whole % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration_words(4.4), "4s");
        assert_eq!(duration_words(207.0), "3m 27s");
        assert_eq!(duration_words(7500.0), "2h 05m");
    }

    #[test]
    fn a_line_says_the_share_done_and_the_time_left() {
        let stage = Stage {
            what: "embedding papers".into(),
            total: Some(400),
            done: 100,
            started: Instant::now() - Duration::from_secs(10),
            last_line: None,
            bar: None,
        };
        let line = progress_line(&stage);
        assert!(
            line.starts_with("embedding papers: 100 of 400 (25%), 10.0/s, about "),
            "{line}"
        );
        assert!(line.ends_with("30s left"), "{line}");
    }

    #[test]
    fn quiet_shows_nothing_and_an_interval_means_lines() {
        assert_eq!(Display::choose(true, None), Display::Off);
        assert_eq!(
            Display::choose(false, Some(Duration::ZERO)),
            Display::Lines { every: Duration::ZERO }
        );
    }
}
