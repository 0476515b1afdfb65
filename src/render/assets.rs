//! Theme assets: the stylesheet bundled, lowered and minified by lightningcss,
//! and static files, all written under `assets/` with a content hash in
//! their names so they can be cached forever.
//!
//! Works on the theme files already in memory; never touches the disk.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Component, Path, PathBuf};

use lightningcss::bundler::{Bundler, ResolveResult, SourceProvider};
use lightningcss::dependencies::{Dependency, DependencyOptions};
use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions};
use lightningcss::targets::{Browsers, Targets};

use crate::diagnostics::Diagnostic;
use crate::render::OutputFile;
use crate::source::load::Theme;
use crate::urls;

/// The oldest browsers the CSS is lowered for (nesting, color functions, …).
pub const BROWSER_TARGETS: &str = "Chrome 100, Edge 100, Firefox 100, Safari 15, iOS Safari 15, Samsung 17";

fn browsers() -> Browsers {
    let v = |major: u32| Some(major << 16);
    Browsers {
        chrome: v(100),
        edge: v(100),
        firefox: v(100),
        safari: v(15),
        ios_saf: v(15),
        samsung: v(17),
        android: v(100),
        ..Browsers::default()
    }
}

pub struct Assets {
    /// Output path of the stylesheet, e.g. `assets/main.1a2b3c4d5e.css`.
    pub css_path: String,
    /// The stylesheet itself.
    pub css: String,
    pub files: Vec<OutputFile>,
    /// Output path of each static file, by its path in the theme (`static/favicon.svg`).
    pub published: BTreeMap<String, String>,
}

impl Assets {
    /// The theme's web fonts (`fonts/*.woff2`) by file name, each as a link
    /// from the page directory `dir`: what a template preloads.
    pub fn fonts(&self, dir: &str) -> BTreeMap<String, String> {
        self.published
            .iter()
            .filter_map(|(theme_path, out)| {
                let name = theme_path.strip_prefix("fonts/")?;
                name.ends_with(".woff2")
                    .then(|| (name.to_owned(), urls::relative(dir, out)))
            })
            .collect()
    }
}

/// Path of a theme file as it is published under `assets/`.
fn published_name(theme_path: &str) -> &str {
    theme_path.strip_prefix("static/").unwrap_or(theme_path)
}

pub fn build(theme: &Theme, theme_dir: &Path) -> (Assets, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    // static files first: the stylesheet refers to their fingerprinted names
    let mut published: BTreeMap<String, String> = BTreeMap::new();
    for (path, bytes) in &theme.static_files {
        let out = format!("assets/{}", urls::fingerprinted(published_name(path), bytes));
        published.insert(path.clone(), out.clone());
        files.push(OutputFile::new(out, bytes.clone()));
    }
    let css = match theme.css.get("main.css") {
        Some(_) => match bundle_css(theme, &published) {
            Ok(css) => css,
            Err((file, message, line, col)) => {
                let path = theme_dir.join("css").join(&file);
                let mut d = Diagnostic::error(path, format!("stylesheet error: {message}"));
                if let Some(src) = theme.css.get(&file) {
                    d = d.at(src, line, col);
                }
                diagnostics.push(d);
                String::new()
            }
        },
        None => {
            diagnostics.push(
                Diagnostic::error(theme_dir.join("css/main.css"), "the theme has no css/main.css")
                    .with_hint("every theme needs a stylesheet entry point"),
            );
            String::new()
        }
    };
    let css_path = format!("assets/{}", urls::fingerprinted("main.css", css.as_bytes()));
    files.push(OutputFile::new(css_path.clone(), css.clone()));
    (
        Assets {
            css_path,
            css,
            files,
            published,
        },
        diagnostics,
    )
}

struct MemoryProvider<'a> {
    css: &'a BTreeMap<String, String>,
    empty: String,
}

impl SourceProvider for MemoryProvider<'_> {
    type Error = Infallible;

    fn read<'a>(&'a self, file: &Path) -> Result<&'a str, Self::Error> {
        let key = file.to_string_lossy().replace('\\', "/");
        Ok(self.css.get(&key).unwrap_or(&self.empty))
    }

    fn resolve(&self, specifier: &str, originating_file: &Path) -> Result<ResolveResult, Self::Error> {
        if specifier.contains("://") {
            return Ok(ResolveResult::External(specifier.to_owned()));
        }
        let base = originating_file.parent().unwrap_or(Path::new(""));
        Ok(ResolveResult::File(normalize(&base.join(specifier))))
    }
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(part) => out.push(part),
            _ => {}
        }
    }
    out
}

type CssError = (String, String, usize, usize);

fn bundle_css(theme: &Theme, published: &BTreeMap<String, String>) -> Result<String, CssError> {
    if let Some(file) = theme.css.keys().find(|name| name.contains("..")) {
        return Err((file.clone(), "stylesheet paths cannot contain `..`".to_owned(), 0, 0));
    }
    let provider = MemoryProvider {
        css: &theme.css,
        empty: String::new(),
    };
    let mut bundler = Bundler::new(&provider, None, ParserOptions::default());
    let mut sheet = bundler.bundle(Path::new("main.css")).map_err(|e| {
        let (file, line, col) = e.loc.as_ref().map_or(("main.css".to_owned(), 0, 0), |l| {
            (l.filename.clone(), l.line as usize + 1, l.column as usize)
        });
        (file, e.kind.to_string(), line, col)
    })?;
    let targets = Targets::from(browsers());
    sheet
        .minify(MinifyOptions {
            targets,
            ..MinifyOptions::default()
        })
        .map_err(|e| ("main.css".to_owned(), e.kind.to_string(), 0, 0))?;
    let printed = sheet
        .to_css(PrinterOptions {
            minify: true,
            targets,
            analyze_dependencies: Some(DependencyOptions { remove_imports: true }),
            ..PrinterOptions::default()
        })
        .map_err(|e| ("main.css".to_owned(), e.kind.to_string(), 0, 0))?;
    let mut css = printed.code;
    for dependency in printed.dependencies.unwrap_or_default() {
        if let Dependency::Url(url) = dependency {
            // url() is relative to the file it is written in, under css/
            let from = Path::new("css").join(Path::new(&url.loc.file_path).parent().unwrap_or(Path::new("")));
            let theme_path = normalize(&from.join(&url.url)).to_string_lossy().replace('\\', "/");
            let replacement = match published.get(&theme_path) {
                Some(out) => crate::urls::relative("assets/", out),
                None if url.url.contains(':') || url.url.starts_with('#') => url.url.clone(),
                None => {
                    return Err((
                        url.loc.file_path.clone(),
                        format!("url(`{}`) is not a file of the theme", url.url),
                        url.loc.start.line as usize + 1,
                        url.loc.start.column as usize,
                    ));
                }
            };
            css = css.replace(&url.placeholder, &replacement);
        }
    }
    Ok(css)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_lowered_imports_bundled_and_minified() {
        let mut theme = Theme::default();
        theme.css.insert(
            "main.css".into(),
            "@import \"parts/a.css\";\nnav { & a { color: red } }\n".into(),
        );
        theme.css.insert("parts/a.css".into(), "body { margin: 0 }\n".into());
        let (assets, diagnostics) = build(&theme, Path::new("themes/t"));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(assets.css, "body{margin:0}nav a{color:red}");
        assert!(assets.css_path.starts_with("assets/main.") && assets.css_path.ends_with(".css"));
    }

    #[test]
    fn urls_point_to_fingerprinted_static_files() {
        let mut theme = Theme::default();
        theme.css.insert(
            "main.css".into(),
            "@font-face { font-family: X; src: url(../fonts/x.woff2) }".into(),
        );
        theme.static_files.push(("fonts/x.woff2".into(), b"font".to_vec()));
        let (assets, diagnostics) = build(&theme, Path::new("themes/t"));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let font = &assets.files[0].path;
        assert!(
            assets
                .css
                .contains(&format!("url(\"{}\")", font.trim_start_matches("assets/"))),
            "{}",
            assets.css
        );
    }
}
