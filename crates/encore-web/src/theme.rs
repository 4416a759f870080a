//! The theme: Jinja templates and static assets.
//!
//! The default theme is compiled into the binary; a theme directory on disk overrides any of its files by path (`templates/post.html`,
//! `static/style.css`), so a blogger can change one template without copying the rest.

use minijinja::{AutoEscape, Environment, Value, value::Serde};
use serde::Serialize;
use std::{
    hash::{DefaultHasher, Hash, Hasher},
    path::{Component, Path, PathBuf},
};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));
}

/// Templates and assets, resolved once at startup.
#[derive(Debug)]
pub struct Theme {
    env: Environment<'static>,
    dir: Option<PathBuf>,
    /// A short hash of all asset bytes, appended to asset URLs so browsers may cache them forever.
    pub version: String,
}

/// A static asset ready to serve.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub content_type: String,
}

/// A template failed to load or render.
#[derive(Debug, thiserror::Error)]
#[error("template error: {0:#}")]
pub struct ThemeError(#[from] minijinja::Error);

impl Theme {
    /// Loads the default theme, overridden file by file from `dir` when given.
    pub fn new(dir: Option<PathBuf>) -> Theme {
        let mut env = Environment::new();
        let override_dir = dir.clone();
        env.set_loader(move |name| {
            let rel = format!("templates/{name}");
            if let Some(bytes) = read_override(override_dir.as_deref(), &rel) {
                return String::from_utf8(bytes).map(Some).map_err(|_| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("{rel} is not UTF-8"),
                    )
                });
            }
            Ok(embedded_file(&rel).map(|b| String::from_utf8_lossy(b).into_owned()))
        });
        env.set_formatter(|out, state, value| {
            // minijinja's HTML escaping also encodes `/`, which turns every link into
            // `&#x2f;2026&#x2f;…`: valid, but needlessly hard to read. Escape the five characters
            // that matter in text and quoted attributes, and leave the rest to the default.
            if matches!(state.auto_escape(), AutoEscape::Html)
                && !value.is_safe()
                && let Some(text) = value.as_str()
            {
                return Ok(encore_core::html::escape_into(out, text)?);
            }
            minijinja::escape_formatter(out, state, value)
        });
        let mut hasher = DefaultHasher::new();
        for (path, bytes) in embedded::FILES
            .iter()
            .filter(|(p, _)| p.starts_with("static/"))
        {
            path.hash(&mut hasher);
            read_override(dir.as_deref(), path)
                .as_deref()
                .unwrap_or(bytes)
                .hash(&mut hasher);
        }
        let version = format!("{:08x}", hasher.finish() as u32);
        Theme { env, dir, version }
    }

    /// Renders `template` (e.g. `post.html`) with a serializable context.
    pub fn render<T: Serialize>(&self, template: &str, context: &T) -> Result<String, ThemeError> {
        let tmpl = self.env.get_template(template)?;
        Ok(tmpl.render(Value::from(Serde(context)))?)
    }

    /// A static asset by its path under `static/`, from the override directory or the default.
    pub fn asset(&self, path: &str) -> Option<Asset> {
        let rel = format!("static/{path}");
        let bytes = read_override(self.dir.as_deref(), &rel)
            .or_else(|| embedded_file(&rel).map(<[u8]>::to_vec))?;
        Some(Asset {
            bytes,
            content_type: encore_core::media_type::for_file(path),
        })
    }
}

fn embedded_file(rel: &str) -> Option<&'static [u8]> {
    embedded::FILES
        .iter()
        .find(|(p, _)| *p == rel)
        .map(|(_, b)| *b)
}

/// Reads `rel` under the override directory, refusing any path that could climb out of it.
fn read_override(dir: Option<&Path>, rel: &str) -> Option<Vec<u8>> {
    let dir = dir?;
    let rel = Path::new(rel);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    std::fs::read(dir.join(rel)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_theme_is_embedded() {
        let theme = Theme::new(None);
        assert!(theme.asset("style.css").is_some());
        assert!(theme.asset("../Cargo.toml").is_none());
        assert_eq!(theme.version.len(), 8);
    }

    #[test]
    fn templates_escape_text_but_keep_slashes_readable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(
            dir.path().join("templates/t.html"),
            r#"<a href="{{ path }}" title="{{ t }}">{{ t }}</a>"#,
        )
        .unwrap();
        let theme = Theme::new(Some(dir.path().to_owned()));
        #[derive(serde::Serialize)]
        struct Ctx {
            path: &'static str,
            t: &'static str,
        }
        let html = theme
            .render(
                "t.html",
                &Ctx {
                    path: "/2026/09/19/rocky-iv",
                    t: "<script>\"x\" & 'y'",
                },
            )
            .unwrap();
        assert_eq!(
            html,
            r#"<a href="/2026/09/19/rocky-iv" title="&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;">&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;</a>"#
        );
    }

    #[test]
    fn a_theme_directory_overrides_single_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static")).unwrap();
        std::fs::write(dir.path().join("static/style.css"), "body{color:red}").unwrap();
        let theme = Theme::new(Some(dir.path().to_owned()));
        assert_eq!(theme.asset("style.css").unwrap().bytes, b"body{color:red}");
        assert!(
            theme.asset("encore.js").is_some(),
            "files not overridden come from the default theme"
        );
        assert_ne!(
            theme.version,
            Theme::new(None).version,
            "changed assets change the version"
        );
    }
}
