//! The spam service: keys, usage, rate limits and learning around the [`Engine`], kept in an Encore store.
//!
//! Durability, by kind of write:
//! - keys, blocklists and reports (submit-spam/ham) are committed before the call answers;
//! - check records and usage counts are written in batches every [`ServiceOptions::flush_every`] (and on shutdown),
//!   so a check costs no disk sync; a crash can lose the last batch of those logs, never a report or a key.
//!
//! What a key has learned is rebuilt on first use by replaying its reports over the base model, so it always
//! matches the reports on record.

use crate::engine::{Blocklist, Context, Engine, Judgement};
use crate::model::Overlay;
use crate::params::CommentValues;
use chrono::{DateTime, Utc};
use encore_core::clock::Clock;
use encore_store::{
    Store, StoreError,
    spam::{BlockKind, CheckRecord, SpamKey},
};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::hash::Hasher as _;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// Calls per second allowed per key (comment-check and submits), with bursts of twice that; 0 for no limit.
    pub rate_per_second: f64,
    /// How often check records and usage counts are written.
    pub flush_every: Duration,
    /// How long a key's row and blocklist are trusted before they are read again (revocations and blocklist edits
    /// made by another process show up within this time).
    pub refresh_every: Duration,
    /// How long check records (verdicts with their reasons) are kept; `None` keeps them forever. Reports, usage
    /// and keys are always kept.
    pub keep_checks: Option<Duration>,
    /// Where "now" comes from: the month usage counts in, rate-limit refills, key refreshes, verdict ages.
    pub clock: Clock,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            rate_per_second: 50.0,
            flush_every: Duration::from_millis(250),
            refresh_every: Duration::from_secs(10),
            keep_checks: Some(Duration::from_secs(90 * 24 * 3600)),
            clock: Clock::system(),
        }
    }
}

/// Why a call was not answered with a verdict.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The call is invalid (unknown or revoked key, missing field, bad body); the text explains.
    #[error("{0}")]
    Invalid(String),
    /// The key sent more calls than its rate allows; retry after the duration.
    #[error("rate limit exceeded; retry in {0:?}")]
    RateLimited(Duration),
    /// The store failed; the call can be retried.
    #[error("the spam service cannot reach its database")]
    Unavailable,
}

impl From<StoreError> for Refusal {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "spam service store error");
        Refusal::Unavailable
    }
}

/// The operating system's random source failed. Keys and guids are never made from anything
/// weaker, so the call fails instead.
#[derive(Debug, thiserror::Error)]
#[error("the system's random number source failed: {0}")]
pub struct NoRandomness(getrandom::Error);

/// Why a key could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No randomness for the key.
    #[error(transparent)]
    Random(#[from] NoRandomness),
}

/// A comment-check answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The verdict and why.
    pub judgement: Judgement,
    /// The id of this check (`X-akismet-guid`).
    pub guid: String,
}

/// The usage-limit answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Usage {
    /// Checks allowed this month, or `"none"`.
    pub limit: serde_json::Value,
    /// Checks made this month.
    pub usage: i64,
    /// Usage as a share of the limit, in percent with two decimals (`"0.00"` without a limit).
    pub percentage: String,
    /// Whether usage is over the limit.
    pub throttled: bool,
}

/// The spam service. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

struct Inner {
    engine: Engine,
    store: Store,
    options: ServiceOptions,
    keys: RwLock<HashMap<String, Arc<KeyState>>>,
    /// Keys recently looked up and not found (with when, on the clock's monotonic time), so a flood of made-up
    /// keys costs no database reads.
    unknown: Mutex<HashMap<String, Duration>>,
    pending: Mutex<Pending>,
    flushing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Pending {
    checks: Vec<CheckRecord>,
    usage: HashMap<(i64, String), i64>,
}

/// Most check records held in memory while the database is unreachable; later checks are answered unrecorded.
const MAX_PENDING_CHECKS: usize = 100_000;
/// How often the flusher deletes check records past their keeping time.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Unknown keys remembered at most.
const MAX_UNKNOWN_KEYS: usize = 10_000;
/// Texts remembered per key for the repeated-text signal.
const RECENT_TEXTS: usize = 20_000;

struct KeyState {
    /// The key's row and when it was read (monotonic clock time); `None` means "read it again on the next call".
    row: RwLock<(SpamKey, Option<Duration>)>,
    overlay: RwLock<Overlay>,
    blocklist: RwLock<Blocklist>,
    bucket: Mutex<Bucket>,
    recent: Mutex<Recent>,
    learning: tokio::sync::Mutex<()>,
}

impl Service {
    /// A service over a migrated store, with the built-in base model.
    pub fn new(store: Store, options: ServiceOptions) -> Self {
        Self::with_engine(store, options, Engine::seeded())
    }

    /// A service with a given engine.
    pub fn with_engine(store: Store, options: ServiceOptions, engine: Engine) -> Self {
        Self {
            inner: Arc::new(Inner {
                engine,
                store,
                options,
                keys: RwLock::new(HashMap::new()),
                unknown: Mutex::new(HashMap::new()),
                pending: Mutex::new(Pending::default()),
                flushing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The store the service keeps its records in.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The clock the service reads time from.
    pub fn clock(&self) -> &Clock {
        &self.inner.options.clock
    }

    /// The current time on the service's clock.
    fn now(&self) -> DateTime<Utc> {
        self.inner.options.clock.now()
    }

    /// Takes one call from the key's rate limit, or says how long to wait.
    fn take_token(&self, state: &KeyState) -> Result<(), Refusal> {
        let rate = self.inner.options.rate_per_second;
        if rate <= 0.0 {
            return Ok(());
        }
        lock(&state.bucket)
            .take(rate, self.inner.options.clock.elapsed())
            .map_err(Refusal::RateLimited)
    }

    /// Writes check records and usage counts every [`ServiceOptions::flush_every`] until `shutdown` resolves, then
    /// once more.
    pub async fn run_flusher(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(self.inner.options.flush_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(err) = self.flush().await {
                        tracing::warn!(error = %err, "could not write spam check records; will retry");
                    }
                    if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                        pruned = Some(Instant::now());
                        match self.prune().await {
                            Ok(0) => {}
                            Ok(deleted) => tracing::info!(deleted, "pruned old spam check records"),
                            Err(err) => tracing::warn!(error = %err, "could not prune spam check records"),
                        }
                    }
                }
                () = &mut shutdown => break,
            }
        }
        if let Err(err) = self.flush().await {
            tracing::error!(error = %err, "could not write the last spam check records");
        }
    }

    /// Deletes check records older than [`ServiceOptions::keep_checks`]; the flusher does this every hour.
    pub async fn prune(&self) -> Result<u64, StoreError> {
        let Some(keep) = self.inner.options.keep_checks else {
            return Ok(0);
        };
        let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
        let before = self
            .inner
            .options
            .clock
            .now()
            .checked_sub_signed(keep)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        self.inner.store.spam().prune_checks(before).await
    }

    /// Trains the engine's base model now, on a blocking thread, instead of on the first check:
    /// a server that takes comments starts this, so its first commenters do not wait for the
    /// training (a second or more on a small machine), nor do the checks queued behind them.
    pub fn prepare_in_background(&self) {
        let engine = self.inner.engine.clone();
        tokio::task::spawn_blocking(move || {
            engine.base();
        });
    }

    /// Runs [`Service::run_flusher`] in a task until [`Flusher::stop`].
    pub fn spawn_flusher(&self) -> Flusher {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(self.clone().run_flusher(async move {
            let _ = stopped.wait_for(|s| *s).await;
        }));
        Flusher { stop, task }
    }

    /// Writes the check records and usage counts gathered so far. They stay visible in memory until written, and
    /// are kept for the next try when writing fails.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let _one_at_a_time = self.inner.flushing.lock().await;
        let (checks, usage) = {
            let pending = lock(&self.inner.pending);
            (pending.checks.clone(), pending.usage.clone())
        };
        let usage_rows: Vec<(i64, String, i64)> = usage
            .iter()
            .map(|((k, m), n)| (*k, m.clone(), *n))
            .collect();
        let spam = self.inner.store.spam();
        let usage_written = spam.add_usage(&usage_rows).await;
        let checks_written = spam.record_checks(&checks).await;
        let mut pending = lock(&self.inner.pending);
        if usage_written.is_ok() {
            for (slot, n) in usage {
                if let Some(count) = pending.usage.get_mut(&slot) {
                    *count -= n;
                    if *count <= 0 {
                        pending.usage.remove(&slot);
                    }
                }
            }
        }
        if checks_written.is_ok() {
            // Only this task removes checks, and new ones are appended, so the written ones are the first.
            pending.checks.drain(..checks.len());
        }
        usage_written.and(checks_written)
    }

    /// Issues a new key for a blog.
    pub async fn add_key(
        &self,
        blog: &str,
        monthly_limit: Option<i64>,
    ) -> Result<SpamKey, KeyError> {
        let blog = blog.trim();
        if blog.is_empty() {
            return Err(StoreError::Validation(encore_core::ValidationError::new(
                "blog",
                "give the address of the blog the key is for",
            ))
            .into());
        }
        Ok(self
            .inner
            .store
            .spam()
            .add_key(&random_hex(8)?, blog, monthly_limit, self.now())
            .await?)
    }

    /// Answers verify-key: whether the key is issued and not revoked.
    pub async fn verify_key(&self, key: Option<&str>, blog: &str) -> Result<(), Refusal> {
        self.key(key).await?;
        required(blog, "blog")
    }

    /// Takes one call of an API client (over HTTP) from its key's rate limit, or says how long
    /// to wait. Checks made in this process (the server's own comments, which the web layer
    /// limits per reader) are not metered.
    pub async fn admit(&self, key: Option<&str>) -> Result<(), Refusal> {
        let state = self.key(key).await?;
        self.take_token(&state)
    }

    /// Answers comment-check.
    pub async fn comment_check(
        &self,
        key: Option<&str>,
        values: CommentValues,
    ) -> Result<Checked, Refusal> {
        let state = self.key(key).await?;
        required(&values.blog, "blog")?;
        required(&values.user_ip, "user_ip")?;
        // A test call or a recheck of a comment already seen is not the same text sent again.
        let first_check = !values.is_test && values.recheck_reason.trim().is_empty();
        let repeats = if first_check {
            lock(&state.recent).seen(&values.comment_content)
        } else {
            0
        };
        let judgement = {
            let overlay = read(&state.overlay);
            let blocklist = read(&state.blocklist);
            self.inner.engine.judge(
                &values,
                Context {
                    overlay: Some(&overlay),
                    blocklist: Some(&blocklist),
                    repeats,
                },
            )
        };
        let guid = random_guid().map_err(|err| {
            tracing::error!(error = %err, "no guid for a check");
            Refusal::Unavailable
        })?;
        let now = self.now();
        let key_id = read(&state.row).0.id;
        let record = CheckRecord {
            guid: guid.clone(),
            key_id,
            checked_at: now,
            verdict: judgement.verdict.as_str().to_owned(),
            score: f64::from(judgement.score),
            reasons: serde_json::to_string(&judgement.reasons).unwrap_or_else(|_| "[]".into()),
            is_test: values.is_test,
            comment: serde_json::to_string(&values).unwrap_or_else(|_| "{}".into()),
        };
        {
            let mut pending = lock(&self.inner.pending);
            if pending.checks.len() < MAX_PENDING_CHECKS {
                pending.checks.push(record);
            } else {
                tracing::error!(
                    guid,
                    "the database is behind; this check is answered but not recorded"
                );
            }
            *pending.usage.entry((key_id, month(now))).or_default() += 1;
        }
        Ok(Checked { judgement, guid })
    }

    /// Answers submit-spam (`spam = true`) or submit-ham: records the report, then learns it. Test calls are
    /// acknowledged and not learned.
    pub async fn submit(
        &self,
        key: Option<&str>,
        mut values: CommentValues,
        spam: bool,
    ) -> Result<(), Refusal> {
        let state = self.key(key).await?;
        required(&values.blog, "blog")?;
        if values.is_test {
            return Ok(());
        }
        let key_id = read(&state.row).0.id;
        let guid = Some(values.guid.trim())
            .filter(|g| !g.is_empty())
            .map(str::to_owned);
        if values.comment_content.is_empty()
            && let Some(guid) = &guid
            && let Some(check) = self.recorded_check(key_id, guid).await?
            && let Ok(original) = serde_json::from_str::<CommentValues>(&check.comment)
        {
            // A client that sends only the guid back gets the values it checked.
            values = CommentValues {
                guid: guid.clone(),
                ..original
            };
        }
        if values.comment_content.trim().is_empty() && values.comment_author.trim().is_empty() {
            return Err(Refusal::Invalid(
                "Empty \"comment_content\" value: nothing to learn from".into(),
            ));
        }
        let _serial = state.learning.lock().await;
        let json = serde_json::to_string(&values).unwrap_or_else(|_| "{}".into());
        self.inner
            .store
            .spam()
            .add_report(key_id, guid.as_deref(), spam, &json, self.now())
            .await?;
        let mut overlay = write(&state.overlay);
        self.inner.engine.learn(&mut overlay, &values, spam);
        Ok(())
    }

    /// A check of this key by guid, written or still waiting to be.
    async fn recorded_check(
        &self,
        key_id: i64,
        guid: &str,
    ) -> Result<Option<CheckRecord>, StoreError> {
        let waiting = lock(&self.inner.pending)
            .checks
            .iter()
            .rev()
            .find(|c| c.key_id == key_id && c.guid == guid)
            .cloned();
        match waiting {
            Some(check) => Ok(Some(check)),
            None => self.inner.store.spam().check(key_id, guid).await,
        }
    }

    /// Answers usage-limit for this month.
    pub async fn usage_limit(&self, key: Option<&str>) -> Result<Usage, Refusal> {
        let state = self.key(key).await?;
        let row = read(&state.row).0.clone();
        let this_month = month(self.now());
        // While a flush runs, its counts are in the database and still pending; wait for it to finish.
        let _no_flush = self.inner.flushing.lock().await;
        let stored = self.inner.store.spam().usage(row.id, &this_month).await?;
        let pending = lock(&self.inner.pending)
            .usage
            .get(&(row.id, this_month))
            .copied()
            .unwrap_or(0);
        let usage = stored + pending;
        Ok(match row.monthly_limit {
            Some(limit) => Usage {
                limit: limit.into(),
                usage,
                percentage: format!("{:.2}", usage as f64 * 100.0 / limit as f64),
                throttled: usage > limit,
            },
            None => Usage {
                limit: "none".into(),
                usage,
                percentage: "0.00".into(),
                throttled: false,
            },
        })
    }

    /// The state of a valid key, loaded (and its reports replayed) on first use.
    async fn key(&self, key: Option<&str>) -> Result<Arc<KeyState>, Refusal> {
        let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
            return Err(Refusal::Invalid("Missing required field: api_key.".into()));
        };
        let cached = read(&self.inner.keys).get(key).cloned();
        let state = match cached {
            Some(state) => {
                let read_at = read(&state.row).1;
                let stale = read_at.is_none_or(|at| {
                    self.inner.options.clock.elapsed().saturating_sub(at)
                        >= self.inner.options.refresh_every
                });
                if stale {
                    self.refresh(key, &state).await?;
                }
                state
            }
            None => self.load(key).await?,
        };
        if read(&state.row).0.revoked_at.is_some() {
            return Err(Refusal::Invalid(
                "Invalid API key: it has been revoked.".into(),
            ));
        }
        Ok(state)
    }

    async fn load(&self, key: &str) -> Result<Arc<KeyState>, Refusal> {
        let invalid = || Refusal::Invalid("Invalid API key.".into());
        let refresh = self.inner.options.refresh_every;
        let now = self.inner.options.clock.elapsed();
        let fresh = |seen: &Duration| now.saturating_sub(*seen) < refresh;
        if lock(&self.inner.unknown).get(key).is_some_and(fresh) {
            return Err(invalid());
        }
        let spam = self.inner.store.spam();
        let Some(row) = spam.key(key).await? else {
            let mut unknown = lock(&self.inner.unknown);
            if unknown.len() >= MAX_UNKNOWN_KEYS {
                unknown.retain(|_, seen| fresh(seen));
                if unknown.len() >= MAX_UNKNOWN_KEYS {
                    unknown.clear();
                }
            }
            unknown.insert(key.to_owned(), now);
            return Err(invalid());
        };
        let blocklist = blocklist(spam.blocklist(row.id).await?);
        let mut overlay = Overlay::default();
        for report in spam.reports(row.id).await? {
            if let Ok(values) = serde_json::from_str::<CommentValues>(&report.comment) {
                self.inner
                    .engine
                    .learn(&mut overlay, &values, report.is_spam);
            }
        }
        let state = Arc::new(KeyState {
            row: RwLock::new((row, Some(now))),
            overlay: RwLock::new(overlay),
            blocklist: RwLock::new(blocklist),
            bucket: Mutex::new(Bucket::default()),
            recent: Mutex::new(Recent::default()),
            learning: tokio::sync::Mutex::new(()),
        });
        // Two first calls may race; the first one in wins, so learning is never split across two states.
        let mut keys = write(&self.inner.keys);
        Ok(Arc::clone(keys.entry(key.to_owned()).or_insert(state)))
    }

    async fn refresh(&self, key: &str, state: &KeyState) -> Result<(), Refusal> {
        let spam = self.inner.store.spam();
        let Some(row) = spam.key(key).await? else {
            return Err(Refusal::Invalid("Invalid API key.".into()));
        };
        let list = blocklist(spam.blocklist(row.id).await?);
        *write(&state.blocklist) = list;
        *write(&state.row) = (row, Some(self.inner.options.clock.elapsed()));
        Ok(())
    }

    /// Forgets cached key state, so the next call reads keys, blocklists and reports again.
    pub fn forget_keys(&self) {
        write(&self.inner.keys).clear();
        lock(&self.inner.unknown).clear();
    }

    /// The engine judging comments.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Adds a blocklist entry for a key (by the value clients send).
    pub async fn block(
        &self,
        api_key: &str,
        kind: BlockKind,
        value: &str,
    ) -> Result<(), StoreError> {
        let spam = self.inner.store.spam();
        let row = spam.key(api_key).await?.ok_or(StoreError::NotFound)?;
        spam.block(row.id, kind, value, self.now()).await?;
        self.reread(api_key);
        Ok(())
    }

    /// Removes a blocklist entry of a key; [`StoreError::NotFound`] when it was not there.
    pub async fn unblock(
        &self,
        api_key: &str,
        kind: BlockKind,
        value: &str,
    ) -> Result<(), StoreError> {
        let spam = self.inner.store.spam();
        let row = spam.key(api_key).await?.ok_or(StoreError::NotFound)?;
        spam.unblock(row.id, kind, value).await?;
        self.reread(api_key);
        Ok(())
    }

    /// Revokes a key: its calls are refused from now on (by other processes within their
    /// refresh time). [`StoreError::NotFound`] when no active key has this value.
    pub async fn revoke_key(&self, api_key: &str) -> Result<(), StoreError> {
        self.inner
            .store
            .spam()
            .revoke_key(api_key, self.now())
            .await?;
        self.reread(api_key);
        Ok(())
    }

    /// Makes the next call with this key read its state again.
    fn reread(&self, api_key: &str) {
        if let Some(state) = read(&self.inner.keys).get(api_key) {
            write(&state.row).1 = None;
        }
    }
}

/// The background writer of a [`Service`]; see [`Service::spawn_flusher`].
#[derive(Debug)]
pub struct Flusher {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Flusher {
    /// Stops the writer after a last flush.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

fn required(value: &str, name: &str) -> Result<(), Refusal> {
    if value.trim().is_empty() {
        return Err(Refusal::Invalid(format!("Missing required field: {name}.")));
    }
    Ok(())
}

fn blocklist(entries: Vec<(BlockKind, String)>) -> Blocklist {
    let mut list = Blocklist::default();
    for (kind, value) in entries {
        match kind {
            BlockKind::Word => list.words.push(value),
            BlockKind::Email => {
                list.emails.insert(value);
            }
            BlockKind::Ip => {
                list.ips.insert(value);
            }
            BlockKind::Domain => {
                list.domains
                    .insert(value.trim_start_matches("www.").to_owned());
            }
        }
    }
    list
}

/// A token bucket: `rate` tokens a second, holding at most twice that.
#[derive(Default)]
struct Bucket {
    tokens: f64,
    /// When tokens were last taken, on the clock's monotonic time.
    last: Option<Duration>,
}

impl Bucket {
    fn take(&mut self, rate: f64, now: Duration) -> Result<(), Duration> {
        let capacity = (rate * 2.0).max(1.0);
        self.tokens = match self.last {
            None => capacity,
            Some(last) => {
                (self.tokens + now.saturating_sub(last).as_secs_f64() * rate).min(capacity)
            }
        };
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        }
    }
}

/// Recently seen texts of one key, for the repeated-text signal.
#[derive(Default)]
struct Recent {
    counts: HashMap<u64, u32>,
    order: VecDeque<u64>,
}

impl Recent {
    /// How often this text was seen before; remembers it. Short texts ("Thanks!") are not counted.
    fn seen(&mut self, text: &str) -> u32 {
        let normal: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if normal.chars().count() < 24 {
            return 0;
        }
        let hash = fingerprint(&normal);
        let count = self.counts.entry(hash).or_insert(0);
        let before = *count;
        *count += 1;
        self.order.push_back(hash);
        if self.order.len() > RECENT_TEXTS
            && let Some(old) = self.order.pop_front()
            && let Some(n) = self.counts.get_mut(&old)
        {
            *n -= 1;
            if *n == 0 {
                self.counts.remove(&old);
            }
        }
        before
    }
}

fn fingerprint(text: &str) -> u64 {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(text.as_bytes());
    hasher.finish()
}

/// `YYYY-MM` in UTC.
fn month(now: DateTime<Utc>) -> String {
    now.format("%Y-%m").to_string()
}

/// `bytes` random bytes from the operating system, in lowercase hex.
fn random_hex(bytes: usize) -> Result<String, NoRandomness> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(NoRandomness)?;
    let mut out = String::with_capacity(bytes * 2);
    for b in buf {
        let _ = write!(out, "{b:02x}");
    }
    Ok(out)
}

/// A random (version 4) UUID, as Akismet's guids look.
fn random_guid() -> Result<String, NoRandomness> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(NoRandomness)?;
    Ok(uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_allow_bursts_then_the_rate() {
        let mut bucket = Bucket::default();
        let t0 = Duration::from_secs(7);
        for _ in 0..4 {
            assert!(bucket.take(2.0, t0).is_ok());
        }
        let wait = bucket.take(2.0, t0).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(500));
        assert!(bucket.take(2.0, t0 + Duration::from_millis(500)).is_ok());
    }

    #[test]
    fn repeated_long_texts_are_counted_and_short_ones_not() {
        let mut recent = Recent::default();
        let text = "Thanks for sharing this wonderful article with us";
        assert_eq!(recent.seen(text), 0);
        assert_eq!(
            recent.seen("  THANKS for sharing this wonderful   article with us "),
            1
        );
        assert_eq!(recent.seen("Thanks!"), 0);
        assert_eq!(recent.seen("Thanks!"), 0);
    }

    #[test]
    fn guids_and_keys_look_right() {
        let guid = random_guid().unwrap();
        assert_eq!(guid.len(), 36);
        assert_eq!(&guid[14..15], "4");
        assert_ne!(guid, random_guid().unwrap());
        let key = random_hex(8).unwrap();
        assert_eq!(key.len(), 16);
        assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
