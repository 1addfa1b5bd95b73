//! Waiting for work done elsewhere: pauses that grow up to a maximum, within
//! a timeout. The one retry loop of the xtask.

use std::time::{Duration, Instant};

/// How to wait: the first pause, multiplied by `growth` after each look up
/// to `max_interval`, and never past `timeout`. At most one look per pause.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Schedule {
    pub interval: Duration,
    pub max_interval: Duration,
    pub timeout: Duration,
    pub growth: f64,
}

/// Whether the first look comes before the first pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum First {
    Look,
    Pause,
}

impl Schedule {
    /// Looks until `look` finds something; `Ok(None)` when the next pause
    /// would pass the timeout. An error from `look` ends the wait at once.
    pub(crate) fn poll<T, E>(
        &self,
        first: First,
        mut look: impl FnMut() -> Result<Option<T>, E>,
    ) -> Result<Option<T>, E> {
        let start = Instant::now();
        let mut pause = self.interval;
        let mut pause_now = first == First::Pause;
        loop {
            if pause_now {
                if start.elapsed() + pause > self.timeout {
                    return Ok(None);
                }
                std::thread::sleep(pause);
                pause = pause
                    .mul_f64(self.growth)
                    .min(self.max_interval.max(self.interval));
            }
            pause_now = true;
            if let Some(found) = look()? {
                return Ok(Some(found));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(timeout_ms: u64) -> Schedule {
        Schedule {
            interval: Duration::from_millis(1),
            max_interval: Duration::from_millis(4),
            timeout: Duration::from_millis(timeout_ms),
            growth: 2.0,
        }
    }

    #[test]
    fn looks_until_found() {
        let mut looks = 0;
        let found = schedule(500).poll(First::Pause, || {
            looks += 1;
            Ok::<_, ()>((looks == 3).then_some(looks))
        });
        assert_eq!(found, Ok(Some(3)));
    }

    #[test]
    fn gives_up_at_the_timeout_and_stops_on_an_error() {
        let start = Instant::now();
        assert_eq!(
            schedule(30).poll(First::Look, || Ok::<Option<()>, ()>(None)),
            Ok(None)
        );
        assert!(start.elapsed() < Duration::from_millis(500));
        let mut looks = 0;
        let err = schedule(500).poll(First::Look, || {
            looks += 1;
            Err::<Option<()>, _>("boom")
        });
        assert_eq!((err, looks), (Err("boom"), 1));
    }

    #[test]
    fn a_first_look_comes_before_any_pause() {
        let slow = Schedule {
            interval: Duration::from_secs(60),
            ..schedule(10)
        };
        assert_eq!(slow.poll(First::Look, || Ok::<_, ()>(Some(1))), Ok(Some(1)));
        assert_eq!(slow.poll(First::Pause, || Ok::<_, ()>(Some(1))), Ok(None));
    }
}
