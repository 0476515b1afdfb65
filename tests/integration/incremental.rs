//! `serve` renders only what an edit affects (src/serve/incremental.rs). After
//! each kind of edit, the files it serves must be exactly those a full
//! build of the edited site makes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plansite::build::{self, BuildOptions};
use plansite::serve::incremental::{self, Session};

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_owned(),
        output: None,
        base_url: None,
        drafts: true,
        purpose: build::Purpose::Serve,
    }
}

/// A copy of the repository's own site.
fn real_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in walkdir::WalkDir::new(repo) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(repo).unwrap();
        let top = rel.iter().next().and_then(|s| s.to_str()).unwrap_or("");
        if !matches!(top, "" | "book.toml" | "content" | "i18n" | "themes") {
            continue;
        }
        let target = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            // old files, so that a rebuild trusts their size and time and
            // does not read them again (a file as new as the read is re-read)
            let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
            std::fs::File::options()
                .write(true)
                .open(&target)
                .and_then(|f| f.set_modified(hour_ago))
                .unwrap();
        }
    }
    dir
}

/// Replaces the one occurrence of `from` in a file of the site.
fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "`{from}` once in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Gives `file` the modification time `time`: long before the read, a
/// rebuild may take it as unchanged by its size and time alone.
fn set_modified(root: &Path, file: &str, time: std::time::SystemTime) {
    let file = std::fs::File::options().write(true).open(root.join(file)).unwrap();
    file.set_modified(time).unwrap();
}

fn an_hour_ago() -> std::time::SystemTime {
    std::time::SystemTime::now() - std::time::Duration::from_secs(3600)
}

struct Served {
    session: Session,
    files: BTreeMap<String, Vec<u8>>,
}

impl Served {
    fn start(root: &Path) -> Served {
        let mut session = Session::new(options(root));
        let mut files = BTreeMap::new();
        let update = session.rebuild();
        assert!(update.full && update.is_ok(), "{:?}", update.diagnostics);
        incremental::apply(&mut files, update);
        Served { session, files }
    }

    /// Rebuilds after an edit of the files `changed`, told as the watcher
    /// tells them, and checks the served files against a full build;
    /// returns how many files the rebuild rendered.
    fn check(&mut self, root: &Path, changed: &[&str], what: &str) -> usize {
        let changed: Vec<PathBuf> = changed.iter().map(PathBuf::from).collect();
        let update = self.session.rebuild_changed(&changed);
        assert!(update.is_ok(), "{what}: {:?}", update.diagnostics);
        let warnings: Vec<String> = update.diagnostics.iter().map(ToString::to_string).collect();
        let rendered = if update.full { usize::MAX } else { update.files.len() };
        let full = update.full;
        incremental::apply(&mut self.files, update);
        if !full && let Some(index) = self.session.search_index(&self.files) {
            incremental::replace_search_index(&mut self.files, index);
        }
        let (full, diagnostics, _) = build::render_site(&options(root));
        assert!(!diagnostics.iter().any(|d| d.is_error()), "{what}: {diagnostics:?}");
        // what the terminal shows: the warnings a full build gives
        let full_warnings: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(warnings, full_warnings, "{what}: warnings");
        let full: BTreeMap<String, Vec<u8>> = full.into_iter().map(|f| (f.path, f.bytes)).collect();
        let differing: Vec<&String> = full
            .keys()
            .chain(self.files.keys())
            .filter(|path| full.get(*path) != self.files.get(*path))
            .collect();
        assert!(
            differing.is_empty(),
            "{what}: served files differ from a full build: {differing:?}"
        );
        rendered
    }
}

#[test]
fn every_kind_of_edit_serves_what_a_full_build_makes() {
    let site = real_site();
    let root = site.path();
    let mut served = Served::start(root);
    let total = served.files.len();

    // Nothing changed: nothing rendered.
    assert_eq!(served.check(root, &[], "no change"), 0);

    // A body: the page in its languages, and the print pages and EPUBs for
    // a chapter; not the sitemap, feeds and search pages, which show front
    // matter only (feeds their entries' text too: a news body is below).
    edit(root, "content/plan/uleaborg.sv.md", "I nästan 25 år", "I snart 25 år");
    let body_only = served.check(root, &["content/plan/uleaborg.sv.md"], "chapter body");
    assert!(body_only <= 16, "a body edit rendered {body_only} of {total} files");
    // a body that changes an edition's size: every page that shows the
    // editions shows their sizes
    edit(
        root,
        "content/plan/uleaborg.sv.md",
        "I snart 25 år",
        &format!(
            "{}\n\nI snart 25 år",
            "Ett nytt stycke med många nya ord om samarbetet. ".repeat(40)
        ),
    );
    served.check(root, &["content/plan/uleaborg.sv.md"], "chapter body, edition's size");
    edit(
        root,
        "content/news/dialog-med-finska-tem.fi.md",
        "\n---\n",
        "\n---\nUusi kappale.\n\n",
    );
    served.check(
        root,
        &["content/news/dialog-med-finska-tem.fi.md"],
        "news body in Finnish",
    );

    // Shown elsewhere: titles, descriptions, dates, weights, links.
    edit(
        root,
        "content/partners/oulu.sv.md",
        "title: Uleåborg",
        "title: Uleåborg stad",
    );
    let title = served.check(root, &["content/partners/oulu.sv.md"], "entity title");
    assert!(title < total / 2, "a title edit rendered {title} of {total} files");
    edit(
        root,
        "content/plan/regionalt-arktiskt-samarbete.sv.md",
        "weight: 9",
        "weight: 9\nlink_title: Arktis",
    );
    served.check(
        root,
        &["content/plan/regionalt-arktiskt-samarbete.sv.md"],
        "part link title",
    );
    edit(root, "content/plan/uleaborg.sv.md", "weight: 14", "weight: 1");
    served.check(root, &["content/plan/uleaborg.sv.md"], "chapter weight");
    edit(
        root,
        "content/news/dialog-med-finska-tem.fi.md",
        "date: \"2023-05\"",
        "date: \"2024-12\"",
    );
    served.check(root, &["content/news/dialog-med-finska-tem.fi.md"], "news date");
    // the newest date of the site: the data catalogue's `modified`
    edit(
        root,
        "content/news/dialog-med-finska-tem.fi.md",
        "date: \"2024-12\"",
        "date: \"2030-01-01\"",
    );
    served.check(root, &["content/news/dialog-med-finska-tem.fi.md"], "newest date");
    // an entity's short name is in the place lists of the maps
    edit(
        root,
        "content/partners/boden.sv.md",
        "\n---\n",
        "\nlink_title: Kort\n---\n",
    );
    served.check(root, &["content/partners/boden.sv.md"], "entity link title");
    edit(
        root,
        "content/projects/digi-aec.en.md",
        "\n---\n",
        "\n---\nSee [Boden](@/partners/boden) and [the plan](@/plan/om-planen).\n\n",
    );
    served.check(root, &["content/projects/digi-aec.en.md"], "links added");
    edit(
        root,
        "content/projects/digi-aec.en.md",
        "See [Boden](@/partners/boden) and ",
        "See ",
    );
    served.check(root, &["content/projects/digi-aec.en.md"], "link removed");
    edit(root, "content/networks/_index.fi.md", "title: ", "title: Kaikki ");
    served.check(root, &["content/networks/_index.fi.md"], "section in the menu");
    edit(root, "content/_index.en.md", "\n---\n", "\n---\nWelcome.\n\n");
    served.check(root, &["content/_index.en.md"], "home page body");

    // Beyond page content: the whole site.
    edit(root, "content/partners/oulu.yaml", "status: active", "status: ended");
    assert_eq!(
        served.check(root, &["content/partners/oulu.yaml"], "entity facts"),
        usize::MAX
    );
    edit(root, "i18n/en.yaml", "\nnav:", "\nnav:\n  unused_key: Unused");
    assert_eq!(served.check(root, &["i18n/en.yaml"], "interface strings"), usize::MAX);
    std::fs::write(
        root.join("content/news/ny-sida.sv.md"),
        "---\ntitle: Ny sida\ndate: \"2025-01-01\"\n---\nOm [Uleåborg](@/partners/oulu).\n",
    )
    .unwrap();
    assert_eq!(
        served.check(root, &["content/news/ny-sida.sv.md"], "page added"),
        usize::MAX
    );
    std::fs::remove_file(root.join("content/news/ny-sida.sv.md")).unwrap();
    served.check(root, &["content/news/ny-sida.sv.md"], "page removed");

    // A broken edit renders nothing; fixing it brings the site up to date.
    edit(
        root,
        "content/partners/boden.sv.md",
        "\n---\n",
        "\n---\n[x](@/nowhere)\n\n",
    );
    let update = served
        .session
        .rebuild_changed(&[PathBuf::from("content/partners/boden.sv.md")]);
    assert!(!update.is_ok() && update.files.is_empty());
    edit(root, "content/partners/boden.sv.md", "[x](@/nowhere)", "Boden.");
    served.check(root, &["content/partners/boden.sv.md"], "fixed after an error");
}

#[test]
fn every_page_of_the_fixture_sites_edited_stays_exact() {
    for fixture in ["translations", "cross_links", "related", "plan", "nested"] {
        let site = crate::common::Site::fixture(fixture);
        let root = site.root();
        let mut served = Served::start(root);
        let pages: Vec<String> = walkdir::WalkDir::new(root.join("content"))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            .map(|e| e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        for page in pages {
            let text = std::fs::read_to_string(root.join(&page)).unwrap();
            edit(root, &page, "title: ", "title: Edited ");
            served.check(root, &[&page], &format!("{fixture}: title of {page}"));
            std::fs::write(root.join(&page), format!("{text}\nEdited body.\n")).unwrap();
            served.check(root, &[&page], &format!("{fixture}: body of {page}"));
        }
    }
}

#[test]
fn a_body_edit_another_page_or_a_check_can_see_is_resolved_again() {
    let site = crate::common::Site::fixture("cross_links");
    let root = site.root();
    let mut served = Served::start(root);
    let rebuild = |served: &mut Served, file: &str| served.session.rebuild_changed(&[PathBuf::from(file)]);

    // saved again as it was: nothing to render
    let text = std::fs::read_to_string(root.join("content/b.sv.md")).unwrap();
    std::fs::write(root.join("content/b.sv.md"), &text).unwrap();
    assert_eq!(served.check(root, &["content/b.sv.md"], "saved unchanged"), 0);
    // an editor's probe file, gone by the time the rebuild looks
    assert_eq!(served.check(root, &["content/4913"], "editor's file"), 0);

    // the heading another page links to renamed: that page's link breaks
    edit(root, "content/b.sv.md", "{#detaljer}", "{#annat}");
    let update = rebuild(&mut served, "content/b.sv.md");
    let errors: Vec<String> = update.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        !update.is_ok()
            && errors
                .iter()
                .any(|e| e.contains("content/a.sv.md") && e.contains("#detaljer")),
        "{errors:?}"
    );
    edit(root, "content/b.sv.md", "{#annat}", "{#detaljer}");
    served.check(root, &["content/b.sv.md"], "heading restored");

    // a link to a heading of its own page that is not there
    edit(root, "content/b.sv.md", "Tillbaka", "[Upp](#saknas). Tillbaka");
    assert!(!rebuild(&mut served, "content/b.sv.md").is_ok());
    edit(
        root,
        "content/b.sv.md",
        "[Upp](#saknas). Tillbaka",
        "[Upp](#detaljer). Tillbaka",
    );
    served.check(root, &["content/b.sv.md"], "own heading linked");

    // raw HTML is warned about where it is, and no longer once it is gone
    edit(root, "content/b.sv.md", "Tillbaka", "<b>Tillbaka</b>");
    served.check(root, &["content/b.sv.md"], "raw HTML");
    edit(root, "content/b.sv.md", "\n\n[Upp]", "\n\nMer text.\n\n[Upp]");
    served.check(root, &["content/b.sv.md"], "raw HTML moved down");
    edit(root, "content/b.sv.md", "<b>Tillbaka</b>", "Tillbaka");
    served.check(root, &["content/b.sv.md"], "raw HTML removed");

    // a file beside the pages, new: published once a page shows it
    std::fs::write(root.join("content/bild.png"), b"not yet linked").unwrap();
    served.check(root, &["content/bild.png"], "file added");
}

#[test]
fn an_edit_that_keeps_the_size_and_time_of_a_file_is_seen() {
    let site = crate::common::Site::fixture("related");
    let root = site.root();
    // written long before they are read, so that their size and time alone
    // say they are unchanged
    let long_ago = an_hour_ago();
    for file in ["content/cities/oulu.yaml", "content/cities/oulu.sv.md"] {
        set_modified(root, file, long_ago);
    }
    let mut served = Served::start(root);
    // as `cp -p`, `touch -r` or unpacking an archive leave a file: the same
    // length and modification time, other bytes
    let same_stamp = |file: &str, from: &str, to: &str| {
        edit(root, file, from, to);
        set_modified(root, file, long_ago);
    };
    same_stamp("content/cities/oulu.yaml", "value: 214633", "value: 214634");
    let rendered = served.check(root, &["content/cities/oulu.yaml"], "facts, same size and time");
    assert!(rendered > 0, "the new figure is rendered");
    same_stamp("content/cities/oulu.sv.md", "title: Uleåborg", "title: Uleåborx");
    let rendered = served.check(root, &["content/cities/oulu.sv.md"], "title, same size and time");
    assert!(rendered > 0, "the new title is rendered");
}

#[test]
fn what_reading_a_page_warned_is_reported_until_the_page_is_mended() {
    let site = crate::common::Site::fixture("cross_links");
    let root = site.root();
    // a character XML forbids in a title and in a body; the files written
    // long before they are read, so their size and time say they are unchanged
    edit(root, "content/b.sv.md", "title: B sv", "title: B\u{0B} sv");
    edit(root, "content/a.sv.md", "Till [b]", "Till\u{0B} [b]");
    let long_ago = an_hour_ago();
    for file in ["content/a.sv.md", "content/b.sv.md"] {
        set_modified(root, file, long_ago);
    }
    let mut served = Served::start(root);
    let warned = |served: &mut Served, file: &str| {
        let update = served.session.rebuild_changed(&[]);
        update.diagnostics.iter().any(|d| d.file == Path::new(file))
    };
    assert!(warned(&mut served, "content/b.sv.md") && warned(&mut served, "content/a.sv.md"));
    // another page edited, whose reading warns too: b's warning stays
    edit(root, "content/a.sv.md", "title: A sv", "title: A ändrad");
    served.check(root, &["content/a.sv.md"], "title of a page that warned");
    assert!(warned(&mut served, "content/b.sv.md"));
    // the character removed: its warning goes, though the text read is the same
    edit(root, "content/b.sv.md", "title: B\u{0B} sv", "title: B sv");
    served.check(root, &["content/b.sv.md"], "the character removed");
    assert!(!warned(&mut served, "content/b.sv.md"));
    assert!(warned(&mut served, "content/a.sv.md"));
}
