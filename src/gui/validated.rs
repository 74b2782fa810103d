//! The panel's setup validated off the UI thread: validating builds the task, and a text task
//! reads its corpus (up to 32 MiB), which must not freeze the window. A setup is checked once;
//! the frame waits a few milliseconds for the answer (most setups answer within them) and
//! otherwise draws "checking…" until the answer comes.

use crossbeam_channel::{Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::gui::i18n::setup::Setup as Msg;
use crate::gui::i18n::{Lang, Message, fill};
use crate::train::{ConfigError, Setup, TrainConfig};

/// The field a check's own errors name (the task's, which a slow check reads).
const FIELD: &str = "task"; // i18n-exempt: a field path, shown as the setup's own name

/// How long a frame waits for a check before drawing "checking…".
pub const FRAME_WAIT: Duration = Duration::from_millis(30);

/// What checks a setup.
type Check = fn(&Setup) -> Result<TrainConfig, ConfigError>;

/// The latest setup's check: its answer, or the check under way.
pub struct Validated {
    check: Check,
    done: Option<(Setup, Result<TrainConfig, ConfigError>)>,
    pending: Option<(Setup, Receiver<Result<TrainConfig, ConfigError>>)>,
    /// What a setup being checked shows (an error, so that nothing starts from it).
    checking: Result<TrainConfig, ConfigError>,
}

impl Default for Validated {
    fn default() -> Self {
        Self::with_check(Setup::validate)
    }
}

impl Validated {
    /// Checks setups with `check` (the app's is [`Setup::validate`]).
    pub fn with_check(check: Check) -> Self {
        Self {
            check,
            done: None,
            pending: None,
            // The errors are in English, as the library's are: the panel shows them in the
            // window's language (`i18n::setup::config_error`).
            checking: Err(ConfigError {
                field: FIELD.to_owned(),
                value: String::new(),
                allowed: Msg::Checking.text(Lang::En).to_owned(),
            }),
        }
    }

    /// `setup`'s check, waiting at most `wait` for it; while it runs, a "checking…" error.
    pub fn of(&mut self, setup: &Setup, wait: Duration) -> &Result<TrainConfig, ConfigError> {
        if self.done.as_ref().is_some_and(|(s, _)| s == setup) {
            return &self.done.as_ref().expect("just looked").1;
        }
        if self.pending.as_ref().is_none_or(|(s, _)| s != setup) {
            // A check of an older setup is dropped: its thread ends into a closed channel.
            let (tx, rx) = crossbeam_channel::bounded(1);
            let (checked, check) = (setup.clone(), self.check);
            let spawned = std::thread::Builder::new()
                .name("validate".into()) // i18n-exempt: a thread's name
                .spawn(move || drop(tx.send(check(&checked))));
            if let Err(e) = spawned {
                let why = fill(Msg::CheckNoThread.text(Lang::En), &[("os_error", &e)]);
                self.done = Some((setup.clone(), Err(failed(&why))));
                return &self.done.as_ref().expect("just set").1;
            }
            self.pending = Some((setup.clone(), rx));
        }
        let (_, rx) = self.pending.as_ref().expect("just set");
        let answer = match rx.recv_timeout(wait) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => return &self.checking,
            Err(RecvTimeoutError::Disconnected) => Err(failed(Msg::CheckPanicked.text(Lang::En))),
        };
        let (s, _) = self.pending.take().expect("just used");
        self.done = Some((s, answer));
        &self.done.as_ref().expect("just set").1
    }

    /// Whether a check is under way (the window repaints until it answers).
    pub fn pending(&self) -> bool {
        self.pending.is_some()
    }
}

fn failed(why: &str) -> ConfigError {
    ConfigError {
        field: FIELD.to_owned(),
        value: String::new(),
        allowed: fill(Msg::CheckFailed.text(Lang::En), &[("failure_reason", &why)]),
    }
}

#[cfg(test)]
mod tests {
    use super::Validated;
    use crate::gui::state::SavedState;
    use crate::train::{ConfigError, Setup, TrainConfig};
    use std::time::{Duration, Instant};

    const LONG: Duration = Duration::from_mins(1);

    #[test]
    fn a_setup_is_checked_once_and_a_changed_one_again() {
        let mut v = Validated::default();
        let mut setup = SavedState::default().setup;
        assert!(v.of(&setup, LONG).is_ok());
        assert!(!v.pending());
        // The answer is kept: no thread, no wait.
        assert!(v.of(&setup, Duration::ZERO).is_ok());
        setup.batch_size = 0;
        let e = v.of(&setup, LONG).as_ref().unwrap_err();
        assert_eq!(e.field, "batch_size");
    }

    fn slow(setup: &Setup) -> Result<TrainConfig, ConfigError> {
        std::thread::sleep(Duration::from_millis(300));
        setup.validate()
    }

    #[test]
    fn a_slow_check_shows_checking_without_waiting_and_answers_later() {
        let mut v = Validated::with_check(slow);
        let setup = SavedState::default().setup;
        let start = Instant::now();
        let first = v.of(&setup, Duration::ZERO).as_ref().unwrap_err();
        assert!(first.allowed.starts_with("checking"), "{first}");
        assert!(
            start.elapsed() < Duration::from_millis(250),
            "the frame did not wait"
        );
        assert!(v.pending());
        assert!(v.of(&setup, LONG).is_ok());
        assert!(!v.pending());
    }

    #[test]
    fn a_changed_setup_drops_the_older_check() {
        let mut v = Validated::with_check(slow);
        let mut setup = SavedState::default().setup;
        assert!(v.of(&setup, Duration::ZERO).is_err(), "checking");
        setup.batch_size = 0;
        let e = v.of(&setup, LONG).as_ref().unwrap_err();
        assert_eq!(e.field, "batch_size", "the answer is the newest setup's");
    }
}
