//! The verdict on one comment: Akismet's test identities, the form's hard signals (honeypot, blocklists, repeated
//! text), and the learned model, summed into one score whose largest terms are the reasons.

use crate::features::{self, Comment, Features};
use crate::model::{Model, Overlay, TrainOptions, sigmoid};
use crate::params::CommentValues;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

/// The author name that is always spam, for testing.
pub const TEST_SPAM_AUTHOR: &str = "viagra-test-123";
/// The author email that is always spam, for testing.
pub const TEST_SPAM_EMAIL: &str = "akismet-guaranteed-spam@example.com";

/// Log-odds at or above which spam is blatant, and answered with `X-akismet-pro-tip: discard`.
const DISCARD_LOGIT: f32 = 9.0;
/// Weight of a filled honeypot: a person never sees the field.
const HONEYPOT_WEIGHT: f32 = 12.0;
/// Weight of each blocklist match.
const BLOCK_WEIGHT: f32 = 8.0;
/// The weight shown for a fixed verdict (test identities, administrators); finite, so it stores as JSON.
const FIXED_LOGIT: f32 = 50.0;
/// Reasons kept per verdict.
const REASONS: usize = 6;
/// Of those, at most this many speak against the verdict.
const REASONS_AGAINST: usize = 2;

/// The answer to a comment-check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Not spam.
    Ham,
    /// Spam: to the spam folder.
    Spam,
    /// Blatant spam: safe to drop without review.
    Discard,
}

impl Verdict {
    /// The name stored with the check.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ham => "ham",
            Self::Spam => "spam",
            Self::Discard => "discard",
        }
    }

    /// Whether the comment is spam (with or without discard).
    pub fn is_spam(self) -> bool {
        self != Self::Ham
    }
}

/// One reason of a verdict: what was seen and how much it pushed towards spam (positive) or ham (negative).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// What was seen, e.g. `word "casino"` or `the hidden honeypot field was filled in`.
    pub label: String,
    /// Its term in the log-odds.
    pub weight: f32,
}

/// A verdict with its probability and reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// Ham, spam or discard.
    pub verdict: Verdict,
    /// Probability of spam, 0–1.
    pub score: f32,
    /// The largest terms, in the verdict's direction first.
    pub reasons: Vec<Reason>,
}

/// A key's blocklist, lowercased.
#[derive(Debug, Clone, Default)]
pub struct Blocklist {
    /// Words or phrases in the text or author name.
    pub words: Vec<String>,
    /// Author emails, or `@domain` for a whole domain.
    pub emails: HashSet<String>,
    /// Client IP addresses.
    pub ips: HashSet<String>,
    /// Domains linked in the text or given as the author's site (subdomains match too).
    pub domains: HashSet<String>,
}

/// What the engine knows about the key asking, beyond the comment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// What the key has learned.
    pub overlay: Option<&'a Overlay>,
    /// The key's blocklist.
    pub blocklist: Option<&'a Blocklist>,
    /// How often the same text was checked for this key recently.
    pub repeats: u32,
}

/// The classifier: a base model plus the rules. Cheap to share; all state per key lives outside it.
#[derive(Debug, Clone)]
pub struct Engine {
    base: Base,
}

/// Where an engine's base model comes from.
#[derive(Debug, Clone)]
enum Base {
    /// The built-in model, trained on first use: a server that serves pages and checks no
    /// comment never trains it (training passes through several times the model's memory).
    Seed,
    /// A model of the caller's.
    Own(Arc<Model>),
}

static SEED_MODEL: LazyLock<Arc<Model>> = LazyLock::new(|| Arc::new(train_seed()));

/// The corpora the base model is trained on, embedded in the binary (see `seed/README.md`).
const SEED_CORPORA: [&str; 2] = [
    include_str!("../seed/sms-spam-collection.tsv"),
    include_str!("../seed/comments.tsv"),
];

/// What the seed corpora cannot teach, because plain texts have no comment form: how much each form signal
/// weighs before a key has learned anything. Each key's reports then adjust them.
const FORM_PRIORS: [(&str, f32); 7] = [
    // Nobody reads a post and writes a comment in under three seconds; scripts do.
    ("written in under 3 seconds", 4.0),
    ("written in under 10 seconds", 1.5),
    ("form older than a day", 1.0),
    ("link in the author's name", 2.0),
    ("more than 5 links", 2.5),
    ("text links to the author's own site", 1.0),
    ("no browser user agent", 1.0),
];

fn train_seed() -> Model {
    let mut examples = Vec::new();
    for corpus in SEED_CORPORA {
        if let Ok(lines) = crate::eval::read_corpus(corpus) {
            examples.extend(
                lines
                    .into_iter()
                    .map(|(text, spam)| (features::of_text(&text), spam)),
            );
        }
    }
    let mut model = Model::train(&examples, TrainOptions::default());
    for (label, weight) in FORM_PRIORS {
        model.nudge(features::signal_index(label), weight);
    }
    model
}

impl Default for Engine {
    fn default() -> Self {
        Self::seeded()
    }
}

impl Engine {
    /// The engine with the built-in base model (trained once per process, on first use).
    pub fn seeded() -> Self {
        Self { base: Base::Seed }
    }

    /// An engine over another base model.
    pub fn with_model(model: Model) -> Self {
        Self {
            base: Base::Own(Arc::new(model)),
        }
    }

    /// The base model.
    pub fn base(&self) -> &Model {
        match &self.base {
            Base::Seed => &SEED_MODEL,
            Base::Own(model) => model,
        }
    }

    /// The features of a comment's values.
    pub fn features(values: &CommentValues) -> Features {
        features::extract(&Comment {
            content: &values.comment_content,
            author: &values.comment_author,
            email: &values.comment_author_email,
            url: &values.comment_author_url,
            comment_type: &values.comment_type,
            user_agent: &values.user_agent,
            seconds_to_submit: values.seconds_to_submit,
            from_form: true,
        })
    }

    /// Judges a comment.
    pub fn judge(&self, values: &CommentValues, context: Context<'_>) -> Judgement {
        if values
            .user_role
            .trim()
            .eq_ignore_ascii_case("administrator")
        {
            return fixed(
                Verdict::Ham,
                -FIXED_LOGIT,
                "the author is an administrator of the blog",
            );
        }
        if values
            .comment_author
            .trim()
            .eq_ignore_ascii_case(TEST_SPAM_AUTHOR)
            || values
                .comment_author_email
                .trim()
                .eq_ignore_ascii_case(TEST_SPAM_EMAIL)
        {
            return fixed(
                Verdict::Spam,
                FIXED_LOGIT,
                "Akismet's test identity for spam",
            );
        }
        let features = Self::features(values);
        let empty = Overlay::default();
        let overlay = context.overlay.unwrap_or(&empty);
        let mut terms: Vec<(f32, Term)> = features
            .list
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    overlay.weight(self.base(), f.index) * f.value,
                    Term::Feature(i),
                )
            })
            .filter(|(w, _)| *w != 0.0)
            .collect();
        // The log-odds are the bias plus the terms just computed; no second pass over the weights.
        let mut logit = overlay.bias(self.base()) + terms.iter().map(|(w, _)| w).sum::<f32>();
        let mut rules: Vec<String> = Vec::new();
        let honeypot =
            !values.honeypot_field_name.is_empty() && !values.honeypot_value.trim().is_empty();
        if honeypot {
            rules.push("the hidden honeypot field was filled in".into());
            terms.push((HONEYPOT_WEIGHT, Term::Rule(rules.len() - 1)));
            logit += HONEYPOT_WEIGHT;
        }
        if let Some(list) = context.blocklist {
            for hit in blocked(list, values) {
                rules.push(hit);
                terms.push((BLOCK_WEIGHT, Term::Rule(rules.len() - 1)));
                logit += BLOCK_WEIGHT;
            }
        }
        if context.repeats > 0 {
            let weight = if context.repeats >= 3 {
                4.0
            } else {
                1.5 * context.repeats as f32
            };
            rules.push(format!(
                "the same text was sent {} time(s) before",
                context.repeats
            ));
            terms.push((weight, Term::Rule(rules.len() - 1)));
            logit += weight;
        }
        let verdict = if honeypot || logit >= DISCARD_LOGIT {
            Verdict::Discard
        } else if logit > 0.0 {
            Verdict::Spam
        } else {
            Verdict::Ham
        };
        // The strongest reasons for the verdict, then the strongest against it (an owner should see both).
        let sign = if verdict.is_spam() { 1.0 } else { -1.0 };
        let (mut chosen, mut against): (Vec<_>, Vec<_>) =
            terms.iter().partition(|(w, _)| w * sign > 0.0);
        // Only the strongest few of several hundred terms are kept: select them, then sort those.
        let strongest = |list: &mut Vec<&(f32, Term)>, keep: usize| {
            let by_strength = |a: &&(f32, Term), b: &&(f32, Term)| b.0.abs().total_cmp(&a.0.abs());
            if list.len() > keep {
                list.select_nth_unstable_by(keep, by_strength);
                list.truncate(keep);
            }
            list.sort_unstable_by(by_strength);
        };
        strongest(&mut against, REASONS_AGAINST);
        strongest(&mut chosen, REASONS - against.len());
        chosen.extend(against);
        let reasons = chosen
            .into_iter()
            .map(|&(weight, term)| Reason {
                label: match term {
                    Term::Feature(i) => features.describe(&features.list[i]),
                    Term::Rule(i) => rules[i].clone(),
                },
                weight: (weight * 1000.0).round() / 1000.0,
            })
            .collect();
        Judgement {
            verdict,
            score: sigmoid(logit),
            reasons,
        }
    }

    /// Learns a report into a key's overlay.
    pub fn learn(&self, overlay: &mut Overlay, values: &CommentValues, spam: bool) {
        overlay.learn(self.base(), &Self::features(values), spam);
    }
}

#[derive(Debug, Clone, Copy)]
enum Term {
    Feature(usize),
    Rule(usize),
}

fn fixed(verdict: Verdict, logit: f32, label: &str) -> Judgement {
    Judgement {
        verdict,
        score: sigmoid(logit),
        reasons: vec![Reason {
            label: label.into(),
            weight: logit,
        }],
    }
}

/// The blocklist entries a comment matches, described.
fn blocked(list: &Blocklist, values: &CommentValues) -> Vec<String> {
    let mut hits = Vec::new();
    let ip = values.user_ip.trim();
    if !ip.is_empty() && list.ips.contains(ip) {
        hits.push(format!("blocklisted IP address {ip}"));
    }
    let email = values.comment_author_email.trim().to_lowercase();
    if !email.is_empty() {
        let domain = email.rsplit_once('@').map(|(_, d)| format!("@{d}"));
        if list.emails.contains(&email) || domain.as_ref().is_some_and(|d| list.emails.contains(d))
        {
            hits.push(format!("blocklisted email address {email}"));
        }
    }
    let mut domains = features::links(&values.comment_content);
    domains.extend(features::domain_of(&values.comment_author_url));
    for domain in domains {
        let listed = list
            .domains
            .iter()
            .find(|d| domain == **d || domain.ends_with(&format!(".{d}")));
        if let Some(listed) = listed {
            let hit = format!("blocklisted domain {listed}");
            if !hits.contains(&hit) {
                hits.push(hit);
            }
        }
    }
    if !list.words.is_empty() {
        let text = format!("{} {}", values.comment_content, values.comment_author).to_lowercase();
        for word in &list.words {
            if contains_word(&text, word) {
                hits.push(format!("blocklisted word \u{201c}{word}\u{201d}"));
            }
        }
    }
    hits
}

/// Whether `needle` occurs in `text` with no letter or digit right before or after it.
fn contains_word(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(text: &str) -> CommentValues {
        CommentValues {
            blog: "https://blog.example".into(),
            user_ip: "198.51.100.7".into(),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0".into(),
            comment_type: "comment".into(),
            comment_author: "Sam".into(),
            comment_content: text.into(),
            ..CommentValues::default()
        }
    }

    #[test]
    fn test_identities_and_administrators_are_fixed() {
        let engine = Engine::seeded();
        let mut spam = comment("What a lovely track listing");
        spam.comment_author = "viagra-test-123".into();
        assert_eq!(
            engine.judge(&spam, Context::default()).verdict,
            Verdict::Spam
        );
        let mut spam = comment("Hello");
        spam.comment_author_email = "akismet-guaranteed-spam@example.com".into();
        assert_eq!(
            engine.judge(&spam, Context::default()).verdict,
            Verdict::Spam
        );
        let mut admin = comment("Buy cheap viagra online casino bonus free spins");
        admin.user_role = "administrator".into();
        assert_eq!(
            engine.judge(&admin, Context::default()).verdict,
            Verdict::Ham
        );
    }

    #[test]
    fn the_base_model_tells_comment_spam_from_comments_and_says_why() {
        let engine = Engine::seeded();
        let ham = engine.judge(
            &comment("I loved the second track, the synth solo is wonderful. Thanks for the post!"),
            Context::default(),
        );
        assert_eq!(ham.verdict, Verdict::Ham, "{ham:?}");
        let spam = engine.judge(
            &comment(
                "WIN a FREE prize! Cheap casino bonus, claim your free spins now, call 09061701461",
            ),
            Context::default(),
        );
        assert!(spam.verdict.is_spam(), "{spam:?}");
        assert!(spam.score > 0.5);
        assert!(
            spam.reasons.len() >= 4 && spam.reasons[..4].iter().all(|r| r.weight > 0.0),
            "{spam:?}"
        );
        assert!(
            spam.reasons
                .iter()
                .any(|r| r.label.contains("free") || r.label.contains("prize")),
            "{spam:?}"
        );
    }

    #[test]
    fn honeypots_blocklists_and_repeats_are_reasons() {
        let engine = Engine::seeded();
        let mut trap = comment("Nice post about the soundtrack");
        trap.honeypot_field_name = "website2".into();
        trap.honeypot_value = "http://x.example".into();
        let judged = engine.judge(&trap, Context::default());
        assert_eq!(judged.verdict, Verdict::Discard);
        assert_eq!(
            judged.reasons[0].label,
            "the hidden honeypot field was filled in"
        );

        let mut list = Blocklist::default();
        list.domains.insert("pills.example".into());
        list.words.push("replica".into());
        let mut linked = comment("Nice post, see https://shop.pills.example/x for replica stuff");
        linked.comment_author_url = "pills.example".into();
        let judged = engine.judge(
            &linked,
            Context {
                blocklist: Some(&list),
                ..Context::default()
            },
        );
        assert!(judged.verdict.is_spam());
        let labels: Vec<_> = judged.reasons.iter().map(|r| r.label.as_str()).collect();
        assert!(
            labels.contains(&"blocklisted domain pills.example"),
            "{labels:?}"
        );
        assert!(
            labels.contains(&"blocklisted word \u{201c}replica\u{201d}"),
            "{labels:?}"
        );
        assert!(!contains_word("replicas are fine", "replica"));

        let plain = comment("Thanks for sharing this with us");
        let again = engine.judge(
            &plain,
            Context {
                repeats: 3,
                ..Context::default()
            },
        );
        assert!(
            again
                .reasons
                .iter()
                .any(|r| r.label.starts_with("the same text was sent 3")),
            "{again:?}"
        );
    }

    #[test]
    fn form_signals_weigh_before_any_report() {
        let engine = Engine::seeded();
        let mut rushed = comment("Thanks for the great track listing, I enjoyed reading it");
        rushed.user_agent = "Mozilla/5.0".into();
        let calm = engine.judge(
            &CommentValues {
                seconds_to_submit: Some(90),
                ..rushed.clone()
            },
            Context::default(),
        );
        rushed.seconds_to_submit = Some(1);
        let quick = engine.judge(&rushed, Context::default());
        assert!(quick.score > calm.score * 10.0, "{quick:?} vs {calm:?}");
        assert!(
            quick
                .reasons
                .iter()
                .any(|r| r.label == "written in under 3 seconds" && r.weight > 3.5),
            "{quick:?}"
        );
    }

    #[test]
    fn learning_a_report_changes_the_next_verdict() {
        let engine = Engine::seeded();
        let text =
            comment("Check out my review site for the best mechanical keyboards of the year");
        let mut overlay = Overlay::default();
        let before = engine.judge(
            &text,
            Context {
                overlay: Some(&overlay),
                ..Context::default()
            },
        );
        engine.learn(&mut overlay, &text, !before.verdict.is_spam());
        let after = engine.judge(
            &text,
            Context {
                overlay: Some(&overlay),
                ..Context::default()
            },
        );
        assert_ne!(before.verdict.is_spam(), after.verdict.is_spam());
    }
}
