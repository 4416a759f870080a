//! Validation errors: which field was wrong and what a person should do about it.

use std::fmt;

/// One field that did not pass validation, with a message meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// The input field, as named in forms, the API and the CLI (`slug`, `title`, `host`, …).
    pub field: &'static str,
    /// What is wrong, as a sentence that can be shown unchanged.
    pub problem: String,
}

impl ValidationError {
    /// Builds an error for `field` with a human-readable `problem`.
    pub fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self {
            field,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// Every field of one form that did not pass, so that a person fixes them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(Vec<ValidationError>);

impl Problems {
    /// No problem yet.
    pub fn new() -> Problems {
        Problems::default()
    }

    /// The value of `result`, or `None` with its problem noted.
    pub fn check<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.0.push(problem);
                None
            }
        }
    }

    /// Notes a problem.
    pub fn add(&mut self, field: &'static str, problem: impl Into<String>) {
        self.0.push(ValidationError::new(field, problem));
    }

    /// Whether nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was wrong, else every problem noted.
    pub fn finish(self) -> Result<(), Vec<ValidationError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Checks that a trimmed text field is present and not longer than `max` characters.
pub fn required_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<String, ValidationError> {
    // One form for every text typed in (NFC), so that the same words typed two ways are equal.
    let value: String = unicode_normalization::UnicodeNormalization::nfc(value.trim()).collect();
    if value.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value)
}
