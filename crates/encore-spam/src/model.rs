//! Logistic regression over hashed features: a dense base model trained in batch, and a sparse per-key overlay
//! that learns online from `submit-spam` / `submit-ham` on top of it.
//!
//! A verdict is `σ(bias + Σ wᵢ·xᵢ)`; each term `wᵢ·xᵢ` is a reason, so the largest terms explain the verdict.

use crate::features::{DIMENSION, Features};
use std::collections::HashMap;

/// How a base model is trained.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// Passes over the examples.
    pub epochs: u32,
    /// AdaGrad step size.
    pub rate: f32,
    /// L2 penalty per step.
    pub l2: f32,
    /// Weight of a ham example's loss relative to a spam example's: above 1 makes the model slower to call ham spam.
    pub ham_weight: f32,
    /// Seed of the example order.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            epochs: 8,
            rate: 0.5,
            l2: 1e-7,
            ham_weight: 1.5,
            seed: 0x5eed,
        }
    }
}

/// A dense model over the whole hashed feature space.
#[derive(Debug, Clone)]
pub struct Model {
    weights: Vec<f32>,
    bias: f32,
}

impl Default for Model {
    fn default() -> Self {
        Self {
            weights: vec![0.0; DIMENSION],
            bias: 0.0,
        }
    }
}

impl Model {
    /// Trains a model on labelled examples (`true` = spam).
    pub fn train(examples: &[(Features, bool)], options: TrainOptions) -> Self {
        let mut model = Self::default();
        let mut squares = vec![1e-6f32; DIMENSION];
        let mut bias_square = 1e-6f32;
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = SplitMix(options.seed);
        for _ in 0..options.epochs {
            rng.shuffle(&mut order);
            for &i in &order {
                let (features, spam) = &examples[i];
                let p = sigmoid(model.logit(features));
                let weight = if *spam { 1.0 } else { options.ham_weight };
                let gradient = (p - if *spam { 1.0 } else { 0.0 }) * weight;
                for f in &features.list {
                    let slot = f.index as usize;
                    let g = gradient * f.value + options.l2 * model.weights[slot];
                    squares[slot] += g * g;
                    model.weights[slot] -= options.rate * g / squares[slot].sqrt();
                }
                bias_square += gradient * gradient;
                model.bias -= options.rate * gradient / bias_square.sqrt();
            }
        }
        model
    }

    /// The log-odds that the features are spam.
    pub fn logit(&self, features: &Features) -> f32 {
        self.bias
            + features
                .list
                .iter()
                .map(|f| self.weights[f.index as usize] * f.value)
                .sum::<f32>()
    }

    /// Adds `delta` to the weight of one slot: a prior the training data could not teach.
    pub fn nudge(&mut self, index: u32, delta: f32) {
        if let Some(w) = self.weights.get_mut(index as usize) {
            *w += delta;
        }
    }

    /// The weight of one slot.
    pub fn weight(&self, index: u32) -> f32 {
        self.weights[index as usize]
    }
}

/// What one key has learned on top of the base model: sparse weight changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overlay {
    weights: HashMap<u32, f32>,
    bias: f32,
    /// Examples learned so far.
    pub examples: u64,
}

/// Step size of online learning; large enough that a few reports change the verdict on similar comments.
const ONLINE_RATE: f32 = 0.8;
/// Online steps per report: one report should move the model, not just nudge it.
const ONLINE_STEPS: usize = 4;

impl Overlay {
    /// The log-odds of the base model plus this overlay.
    pub fn logit(&self, base: &Model, features: &Features) -> f32 {
        let mut sum = base.bias + self.bias;
        for f in &features.list {
            let w =
                base.weights[f.index as usize] + self.weights.get(&f.index).copied().unwrap_or(0.0);
            sum += w * f.value;
        }
        sum
    }

    /// The combined bias of the base model and this overlay.
    pub fn bias(&self, base: &Model) -> f32 {
        base.bias + self.bias
    }

    /// The combined weight of one slot.
    pub fn weight(&self, base: &Model, index: u32) -> f32 {
        base.weight(index) + self.weights.get(&index).copied().unwrap_or(0.0)
    }

    /// Learns one labelled example: gradient steps on the overlay until the example is on the right side, at most
    /// [`ONLINE_STEPS`].
    pub fn learn(&mut self, base: &Model, features: &Features, spam: bool) {
        let target = if spam { 1.0 } else { 0.0 };
        for _ in 0..ONLINE_STEPS {
            let p = sigmoid(self.logit(base, features));
            let settled = if spam { p > 0.9 } else { p < 0.1 };
            if settled {
                break;
            }
            let gradient = p - target;
            for f in &features.list {
                *self.weights.entry(f.index).or_insert(0.0) -= ONLINE_RATE * gradient * f.value;
            }
            self.bias -= 0.05 * ONLINE_RATE * gradient;
        }
        self.examples += 1;
    }

    /// Serialises the overlay: a version byte, examples, bias, then (index, weight) pairs, little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut entries: Vec<(u32, f32)> = self.weights.iter().map(|(&i, &w)| (i, w)).collect();
        entries.sort_by_key(|&(i, _)| i);
        let mut out = Vec::with_capacity(13 + entries.len() * 8);
        out.push(1);
        out.extend_from_slice(&self.examples.to_le_bytes());
        out.extend_from_slice(&self.bias.to_le_bytes());
        for (i, w) in entries {
            out.extend_from_slice(&i.to_le_bytes());
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Reads what [`Overlay::to_bytes`] wrote; `None` when the bytes are not an overlay.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let (&version, rest) = bytes.split_first()?;
        if version != 1 || rest.len() < 12 || (rest.len() - 12) % 8 != 0 {
            return None;
        }
        let examples = u64::from_le_bytes(rest[..8].try_into().ok()?);
        let bias = f32::from_le_bytes(rest[8..12].try_into().ok()?);
        let mut weights = HashMap::with_capacity((rest.len() - 12) / 8);
        for pair in rest[12..].chunks_exact(8) {
            let index = u32::from_le_bytes(pair[..4].try_into().ok()?);
            let weight = f32::from_le_bytes(pair[4..].try_into().ok()?);
            if index as usize >= DIMENSION || !weight.is_finite() {
                return None;
            }
            weights.insert(index, weight);
        }
        Some(Self {
            weights,
            bias,
            examples,
        })
    }
}

/// The logistic function.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// A small deterministic generator (SplitMix64) for shuffling; reproducible runs matter more than quality here.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::of_text;

    fn corpus() -> Vec<(Features, bool)> {
        let spam = [
            "WIN a free prize now, call 09061701461",
            "Cheap pills, buy now at http://pills.example",
            "You have won a cash prize! Text WIN to 80086",
            "Free ringtones, reply STOP to end, £1.50 a week",
        ];
        let ham = [
            "Loved the Rocky IV soundtrack write-up, thanks",
            "Are we still meeting for lunch tomorrow?",
            "The second track is my favourite on the album",
            "I'll call you when I get home tonight",
        ];
        spam.iter()
            .map(|t| (of_text(t), true))
            .chain(ham.iter().map(|t| (of_text(t), false)))
            .collect()
    }

    #[test]
    fn a_trained_model_separates_what_it_saw() {
        let model = Model::train(&corpus(), TrainOptions::default());
        assert!(model.logit(&of_text("Win a free cash prize, call now")) > 0.0);
        assert!(model.logit(&of_text("Thanks for the write-up on the soundtrack")) < 0.0);
    }

    #[test]
    fn an_overlay_learns_a_report_and_survives_serialisation() {
        let model = Model::train(&corpus(), TrainOptions::default());
        let text = of_text("Lovely site, visit my casino bonus page for more");
        let mut overlay = Overlay::default();
        overlay.learn(&model, &text, true);
        assert!(
            overlay.logit(&model, &text) > 0.0,
            "one report should flip a similar comment"
        );
        assert!(
            overlay.logit(&model, &of_text("lovely casino bonus page"))
                > overlay.logit(&model, &of_text("lovely page"))
        );
        let copy = Overlay::from_bytes(&overlay.to_bytes()).unwrap();
        assert_eq!(copy, overlay);
        assert!(Overlay::from_bytes(&[1, 2, 3]).is_none());
    }
}
