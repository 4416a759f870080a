//! Embeds the default theme (`themes/default`) into the binary: writes a table of
//! `(relative path, include_bytes!)` pairs that `theme.rs` includes.

use std::{env, fs, io::Write, path::Path};

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.push((
                rel,
                path.canonicalize()
                    .unwrap_or(path.clone())
                    .to_string_lossy()
                    .into_owned(),
            ));
        }
    }
}

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let theme = Path::new(&manifest).join("../../themes/default");
    println!("cargo:rerun-if-changed={}", theme.display());
    let mut files = Vec::new();
    collect(&theme, &theme, &mut files);
    let out_dir = env::var("OUT_DIR").unwrap_or_default();
    let mut f = fs::File::create(Path::new(&out_dir).join("default_theme.rs"))
        .expect("OUT_DIR is writable");
    writeln!(
        f,
        "/// The default theme's files: (path relative to the theme, contents)."
    )
    .ok();
    writeln!(f, "pub static FILES: &[(&str, &[u8])] = &[").ok();
    for (rel, abs) in files {
        writeln!(f, "    ({rel:?}, include_bytes!({abs:?})),").ok();
    }
    writeln!(f, "];").ok();
}
