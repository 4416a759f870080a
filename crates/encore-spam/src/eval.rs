//! K-fold cross-validation of the text model on a labelled corpus (`label<TAB>text`, labels `spam`/`ham`).

use crate::features::{Features, of_text};
use crate::model::{Model, SplitMix, TrainOptions};
use std::fmt;
use std::time::{Duration, Instant};

/// A corpus line that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CorpusError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Reads a TSV corpus. Blank lines are skipped; any other line must be `spam<TAB>text` or `ham<TAB>text`.
pub fn read_corpus(text: &str) -> Result<Vec<(String, bool)>, CorpusError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let error = |message: &str| CorpusError {
            line: n + 1,
            message: message.to_owned(),
        };
        let (label, body) = line
            .split_once('\t')
            .ok_or_else(|| error("expected label<TAB>text"))?;
        let spam = match label.trim().to_ascii_lowercase().as_str() {
            "spam" => true,
            "ham" => false,
            _ => return Err(error("the label must be spam or ham")),
        };
        out.push((body.to_owned(), spam));
    }
    Ok(out)
}

/// The outcome of a cross-validation.
#[derive(Debug, Clone)]
pub struct Report {
    /// Number of folds.
    pub folds: usize,
    /// Spam called spam.
    pub true_positives: usize,
    /// Ham called spam: a lost reader's comment.
    pub false_positives: usize,
    /// Ham called ham.
    pub true_negatives: usize,
    /// Spam called ham: one more item in moderation.
    pub false_negatives: usize,
    /// Median time to check one text (features and score).
    pub latency_p50: Duration,
    /// 99th percentile of the same.
    pub latency_p99: Duration,
    /// Slowest single check.
    pub latency_max: Duration,
    /// Every text called wrongly, by its position in the corpus.
    pub mistakes: Vec<Mistake>,
}

/// A text the model got wrong in cross-validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mistake {
    /// Position in the corpus (0-based).
    pub index: usize,
    /// Its label: `true` for spam (so a missed spam), `false` for ham (a false positive).
    pub spam: bool,
    /// The model's log-odds of spam; the further from 0, the more confident the mistake.
    pub logit: f32,
}

impl Report {
    /// Of the texts called spam, the share that were spam.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Of the spam, the share caught.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Of the ham, the share called spam.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(
            self.false_positives,
            self.false_positives + self.true_negatives,
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spam = self.true_positives + self.false_negatives;
        let ham = self.true_negatives + self.false_positives;
        writeln!(
            f,
            "{}-fold cross-validation over {} texts ({spam} spam, {ham} ham)",
            self.folds,
            spam + ham
        )?;
        writeln!(f, "  precision            {:.4}", self.precision())?;
        writeln!(f, "  recall               {:.4}", self.recall())?;
        writeln!(f, "  F1                   {:.4}", self.f1())?;
        writeln!(
            f,
            "  false-positive rate  {:.4}  ({} of {ham} ham marked spam)",
            self.false_positive_rate(),
            self.false_positives
        )?;
        writeln!(
            f,
            "  missed spam          {} of {spam}",
            self.false_negatives
        )?;
        write!(
            f,
            "  check latency        p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            micros(self.latency_p50),
            micros(self.latency_p99),
            micros(self.latency_max)
        )
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Cross-validates the text model: stratified folds (each keeps the corpus's spam share), trained on all folds but
/// one and tested on that one, in turn.
pub fn cross_validate(examples: &[(String, bool)], folds: usize, options: TrainOptions) -> Report {
    let folds = folds.clamp(2, examples.len().max(2));
    let mut spam: Vec<usize> = (0..examples.len()).filter(|&i| examples[i].1).collect();
    let mut ham: Vec<usize> = (0..examples.len()).filter(|&i| !examples[i].1).collect();
    let mut rng = SplitMix(options.seed ^ 0xf01d);
    rng.shuffle(&mut spam);
    rng.shuffle(&mut ham);
    let mut fold_of = vec![0usize; examples.len()];
    for (n, &i) in spam.iter().chain(ham.iter()).enumerate() {
        fold_of[i] = n % folds;
    }
    let features: Vec<(Features, bool)> = examples
        .iter()
        .map(|(text, label)| (of_text(text), *label))
        .collect();
    let mut report = Report {
        folds,
        true_positives: 0,
        false_positives: 0,
        true_negatives: 0,
        false_negatives: 0,
        latency_p50: Duration::ZERO,
        latency_p99: Duration::ZERO,
        latency_max: Duration::ZERO,
        mistakes: Vec::new(),
    };
    let mut latencies = Vec::with_capacity(examples.len());
    for fold in 0..folds {
        let training: Vec<(Features, bool)> = features
            .iter()
            .zip(&fold_of)
            .filter(|&(_, &f)| f != fold)
            .map(|((x, y), _)| (x.clone(), *y))
            .collect();
        let model = Model::train(&training, options);
        for (i, (text, spam)) in examples.iter().enumerate() {
            if fold_of[i] != fold {
                continue;
            }
            let started = Instant::now();
            let logit = model.logit(&of_text(text));
            latencies.push(started.elapsed());
            let called_spam = logit > 0.0;
            if called_spam != *spam {
                report.mistakes.push(Mistake {
                    index: i,
                    spam: *spam,
                    logit,
                });
            }
            match (called_spam, *spam) {
                (true, true) => report.true_positives += 1,
                (true, false) => report.false_positives += 1,
                (false, false) => report.true_negatives += 1,
                (false, true) => report.false_negatives += 1,
            }
        }
    }
    latencies.sort_unstable();
    report.latency_p50 = percentile(&latencies, 0.50);
    report.latency_p99 = percentile(&latencies, 0.99);
    report.latency_max = latencies.last().copied().unwrap_or_default();
    report
}

/// The `q` quantile of sorted durations (nearest rank).
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * q).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_lines_are_checked() {
        let ok = read_corpus("spam\tWin now\n\nham\tSee you\n").unwrap();
        assert_eq!(
            ok,
            vec![("Win now".to_owned(), true), ("See you".to_owned(), false)]
        );
        let err = read_corpus("spam\tx\nmaybe\ty\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(read_corpus("no tab here").is_err());
    }

    #[test]
    fn metrics_follow_their_definitions() {
        let report = Report {
            folds: 2,
            true_positives: 8,
            false_positives: 2,
            true_negatives: 88,
            false_negatives: 2,
            latency_p50: Duration::ZERO,
            latency_p99: Duration::ZERO,
            latency_max: Duration::ZERO,
            mistakes: Vec::new(),
        };
        assert!((report.precision() - 0.8).abs() < 1e-9);
        assert!((report.recall() - 0.8).abs() < 1e-9);
        assert!((report.f1() - 0.8).abs() < 1e-9);
        assert!((report.false_positive_rate() - 2.0 / 90.0).abs() < 1e-9);
        assert!(report.to_string().contains("2 of 90 ham marked spam"));
    }
}
