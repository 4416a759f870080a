//! Where "now" comes from: the system clock in production, a clock the test moves in tests.
//!
//! Everything that decides by time — whether a scheduled post is public yet, which month a spam
//! check counts in, when a rate limit refills, when a cached key must be read again — asks a
//! [`Clock`] handed to it, never the operating system directly. A test then sets the date it
//! needs and moves time forward by exactly as much as its story needs, so no test depends on the
//! calendar or on how fast the machine runs.

use chrono::{DateTime, Utc};
use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

/// A source of wall-clock time (for dates) and monotonic time (for intervals). Cheap to clone;
/// clones share one source, so moving a manual clock moves it for everyone holding it.
#[derive(Debug, Clone)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System { started: Instant },
    Manual(Mutex<Manual>),
}

#[derive(Debug, Clone, Copy)]
struct Manual {
    wall: DateTime<Utc>,
    elapsed: Duration,
}

impl Clock {
    /// The operating system's clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Source::System {
            started: Instant::now(),
        }))
    }

    /// A clock that stands still at `start` until [`Clock::advance`] moves it.
    pub fn manual(start: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Source::Manual(Mutex::new(Manual {
            wall: start,
            elapsed: Duration::ZERO,
        }))))
    }

    /// The current time, in whole seconds (the precision the store keeps on both databases).
    pub fn now(&self) -> DateTime<Utc> {
        let wall = match &*self.0 {
            Source::System { .. } => Utc::now(),
            Source::Manual(m) => lock(m).wall,
        };
        crate::post::truncate_to_seconds(wall)
    }

    /// Monotonic time since the clock was made: for intervals (rate limits, cache ages), which
    /// must not jump when the wall clock is set.
    pub fn elapsed(&self) -> Duration {
        match &*self.0 {
            Source::System { started } => started.elapsed(),
            Source::Manual(m) => lock(m).elapsed,
        }
    }

    /// Whether this clock only moves when told to.
    pub fn is_manual(&self) -> bool {
        matches!(&*self.0, Source::Manual(_))
    }

    /// Moves a manual clock forward by `by`, both its date and its monotonic time. The system
    /// clock moves by itself; for it this does nothing.
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(m) = &*self.0 {
            let mut m = lock(m);
            m.elapsed += by;
            m.wall += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

fn lock(m: &Mutex<Manual>) -> std::sync::MutexGuard<'_, Manual> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_for_every_clone() {
        let start = Utc.with_ymd_and_hms(2030, 12, 31, 23, 59, 59).unwrap();
        let clock = Clock::manual(start);
        let shared = clock.clone();
        assert_eq!(clock.now(), start);
        assert_eq!(clock.elapsed(), Duration::ZERO);
        shared.advance(Duration::from_millis(1500));
        assert_eq!(
            clock.now(),
            Utc.with_ymd_and_hms(2031, 1, 1, 0, 0, 0).unwrap(),
            "whole seconds, across the new year"
        );
        assert_eq!(clock.elapsed(), Duration::from_millis(1500));
        assert!(clock.is_manual());
    }

    #[test]
    fn the_system_clock_reads_whole_seconds_and_cannot_be_moved() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(Duration::from_secs(86_400));
        assert!(clock.now() - before < chrono::Duration::hours(1));
        assert_eq!(clock.now().timestamp_subsec_nanos(), 0);
        assert!(!clock.is_manual());
    }
}
