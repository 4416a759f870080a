//! Development helper: `cargo run --release -p encore-spam --example eval -- FILE [FOLDS]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).expect("corpus");
    let folds = args.get(2).and_then(|f| f.parse().ok()).unwrap_or(10);
    let examples = encore_spam::eval::read_corpus(&text).expect("corpus");
    let mut options = encore_spam::model::TrainOptions::default();
    if let Ok(v) = std::env::var("EPOCHS") {
        options.epochs = v.parse().unwrap();
    }
    if let Ok(v) = std::env::var("RATE") {
        options.rate = v.parse().unwrap();
    }
    if let Ok(v) = std::env::var("HAM") {
        options.ham_weight = v.parse().unwrap();
    }
    if let Ok(v) = std::env::var("L2") {
        options.l2 = v.parse().unwrap();
    }
    println!(
        "{}",
        encore_spam::eval::cross_validate(&examples, folds, options)
    );
}
