//! The job worker: runs what use cases queued in their transactions (mail, spam checks that
//! could not run, reports to the spam checker) and the site's upkeep (purging old spam).
//!
//! A job whose attempt fails is tried again with growing pauses, then given up with its last
//! error kept. Mail waits in the outbox while no SMTP server is configured; every other kind
//! runs regardless.

use crate::{App, Result, mail::Mailer};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// How long a worker holds a job before another may take it up.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// How often the worker looks for due jobs when it found none.
const POLL: Duration = Duration::from_millis(250);
/// How often the worker purges old spam.
const UPKEEP: Duration = Duration::from_secs(3600);
/// Attempts before a job is given up: with pauses doubling from 30 s to an hour, about a day.
const MAX_ATTEMPTS: i32 = 30;

/// The pause before attempt `attempts + 1`: 30 s, doubling, at most an hour.
pub(crate) fn backoff(attempts: i32) -> chrono::Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(7);
    chrono::Duration::seconds(30 * (1i64 << doublings)).min(chrono::Duration::hours(1))
}

/// A running worker; stops when dropped.
#[derive(Debug)]
pub struct Worker {
    task: JoinHandle<()>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a worker that runs due jobs until dropped; mail goes out through `mailer`, or waits
/// when there is none.
pub fn spawn_worker(app: App, mailer: Option<Mailer>) -> Worker {
    let task = tokio::spawn(async move {
        let mut upkept: Option<Instant> = None;
        loop {
            if upkept.is_none_or(|at| at.elapsed() >= UPKEEP) {
                upkept = Some(Instant::now());
                if let Err(e) = crate::moderation::purge_spam(&app).await {
                    tracing::warn!(error = %e, "old spam could not be purged");
                }
            }
            // Each attempt runs as a task of its own, so that a panic ends the attempt (its
            // claim runs out and the job is tried again), never the worker.
            let attempt = tokio::spawn({
                let (app, mailer) = (app.clone(), mailer.clone());
                async move { run_one(&app, mailer.as_ref()).await }
            });
            match attempt.await {
                Ok(Ok(true)) => continue,
                Ok(Ok(false)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "the job worker cannot reach the database")
                }
                Err(e) => tracing::error!(error = %e, "a job attempt panicked"),
            }
            tokio::time::sleep(POLL).await;
        }
    });
    Worker { task }
}

/// Claims and runs one due job (mail only with a mailer); whether there was one.
pub async fn run_one(app: &App, mailer: Option<&Mailer>) -> Result<bool> {
    let claim = crate::sessions::random_token()?;
    let jobs = app.store().jobs();
    let Some(job) = jobs
        .claim(&claim, app.clock().now(), LEASE, mailer.is_some())
        .await?
    else {
        return Ok(false);
    };
    let outcome = match (job.kind.as_str(), mailer) {
        ("mail", Some(mailer)) => crate::mail::send(app, mailer, &job.payload).await,
        (crate::comments::RECHECK_JOB, _) => crate::comments::recheck(app, &job.payload).await,
        (crate::moderation::REPORT_JOB, _) => crate::moderation::report(app, &job.payload).await,
        (other, _) => Err(format!("no worker knows jobs of kind {other:?}")),
    };
    let now = app.clock().now();
    match outcome {
        Ok(()) => {
            jobs.finish(&job, now).await?;
        }
        Err(error) => {
            let retry = (job.attempts < MAX_ATTEMPTS).then(|| now + backoff(job.attempts));
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, %error, given_up = retry.is_none(), "a job failed");
            jobs.fail(&job, &error, retry, now).await?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn pauses_grow_and_stop_at_an_hour() {
        assert_eq!(backoff(1).num_seconds(), 30);
        assert_eq!(backoff(2).num_seconds(), 60);
        assert_eq!(backoff(3).num_seconds(), 120);
        assert_eq!(backoff(8).num_seconds(), 3600);
        assert_eq!(backoff(29).num_seconds(), 3600);
    }
}
