//! Sites that must fail: exit 1, the exact message (file:line:col, snippet,
//! hint) on stderr, no panic, and the previous output untouched.

use crate::common::Site;

/// Publishes a good site where the fixture's output goes, builds the
/// fixture, and returns stderr; the published site must be left byte for
/// byte as it was.
fn fails(case: &str) -> String {
    let site = Site::fixture(&format!("invalid/{case}"));
    let good = Site::fixture("cross_links");
    let public = site.root().join("public");
    let published = good.run(&["build", "--output", public.to_str().unwrap()]);
    assert_eq!(published.code, 0, "{}", published.stderr);
    let before = site.output_tree();
    assert!(!before.is_empty());
    let run = site.build();
    assert_eq!(run.code, 1, "{case} should fail with exit 1:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(before, site.output_tree(), "{case} changed the published site");
    run.stderr
}

macro_rules! error_case {
    ($name:ident) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(fails(stringify!($name)));
        }
    };
}

error_case!(malformed_front_matter);
error_case!(unknown_key);
error_case!(boolean_written_as_yes);
error_case!(missing_title);
error_case!(empty_file);
error_case!(invalid_utf8);
error_case!(broken_link);
error_case!(broken_anchor);
error_case!(duplicate_id);
error_case!(page_at_search_address);
error_case!(path_traversal);
error_case!(bad_yaml_facts);
error_case!(coordinates_out_of_range);
error_case!(unknown_term);
error_case!(unknown_language);
error_case!(unknown_config_key);
error_case!(template_error);
error_case!(many_errors);
error_case!(heading_attribute_script);
error_case!(heading_class_injection);
error_case!(javascript_link);
error_case!(javascript_link_entity);
error_case!(control_character_link);
error_case!(data_image);
error_case!(protocol_relative_link);
error_case!(root_relative_link);
error_case!(link_with_credentials);
error_case!(missing_fragment);
error_case!(image_of_a_page);
error_case!(reserved_heading_id);
error_case!(website_javascript);
error_case!(website_not_http);
error_case!(website_with_space);
error_case!(term_traversal);
error_case!(related_traversal);
error_case!(base_url_newline);
error_case!(base_url_javascript);
error_case!(theme_traversal);
error_case!(taxonomy_name);
error_case!(feed_section_traversal);
error_case!(plan_section_traversal);
error_case!(chapter_slug_traversal);
error_case!(pdf_name_path);
error_case!(language_without_home_page);
error_case!(empty_content);
error_case!(missing_interface_string);
error_case!(image_path_traversal);
error_case!(missing_image);
error_case!(image_without_alt);
error_case!(image_not_an_image);
error_case!(image_claims_huge_size);
error_case!(image_named_as_other_format);
error_case!(document_as_image);
error_case!(svg_image);
error_case!(file_name_not_a_slug);
error_case!(link_to_page_file);
error_case!(document_not_what_it_says);
error_case!(file_path_control_character);

#[test]
fn symlink_loop_is_an_error() {
    let site = Site::fixture("cross_links");
    std::os::unix::fs::symlink(".", site.root().join("content/loop")).unwrap();
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn symlink_out_of_content_is_an_error() {
    let site = Site::fixture("cross_links");
    std::os::unix::fs::symlink("../i18n", site.root().join("content/elsewhere")).unwrap();
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn broken_build_keeps_published_site_byte_identical() {
    let site = Site::fixture("related");
    assert_eq!(site.build().code, 0);
    let before = site.output_tree();
    for (file, text) in [
        ("content/cities/oulu.sv.md", "---\ntitle: [broken\n---\n"),
        ("content/cities/oulu.yaml", "kind: [\n"),
        ("i18n/fi.yaml", "nav: {\n"),
        ("themes/default/templates/page.html", "{% if %}"),
    ] {
        let original = std::fs::read_to_string(site.root().join(file)).unwrap();
        site.write(file, text);
        let run = site.build();
        assert_eq!(run.code, 1, "{file}: {}", run.stderr);
        assert_eq!(before, site.output_tree(), "{file}");
        site.write(file, &original);
    }
}

#[test]
fn a_string_with_a_placeholder_nobody_gives_is_reported_at_its_line() {
    let site = Site::fixture("related");
    let fi = std::fs::read_to_string(site.root().join("i18n/fi.yaml")).unwrap();
    let line = 1 + fi.lines().position(|l| l == "    fi: Suomi").unwrap();
    site.write(
        "i18n/fi.yaml",
        &fi.replace("    fi: Suomi\n", "    fi: \"Suomi {x}\"\n"),
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    let expected = format!(" --> i18n/fi.yaml:{line}:1\n");
    assert!(
        run.stderr
            .contains("interface string `language.name.fi` in `fi` uses `{x}`, which is not given")
            && run.stderr.contains(&expected),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("is missing"), "{}", run.stderr);
}

#[test]
fn html_in_yaml_and_i18n_is_escaped() {
    let site = Site::fixture("related");
    site.write(
        "content/cities/kemi.yaml",
        "name: \"<script>alert(1)</script>\"\nkind: twin-town\ncountry: [fi]\n",
    );
    let fi = std::fs::read_to_string(site.root().join("i18n/fi.yaml")).unwrap();
    site.write(
        "i18n/fi.yaml",
        &fi.replace("title: Liittyvät sivut", "title: \"<b>{x}</b> Liittyvät\""),
    );
    let run = site.build();
    // the placeholder has no value: a template error, named
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("uses `{x}`, which is not given"), "{}", run.stderr);
    site.write(
        "i18n/fi.yaml",
        &fi.replace("title: Liittyvät sivut", "title: \"<b>Liittyvät</b>\""),
    );
    assert_eq!(site.build().code, 0);
    let page = site.output("fi/cities/oulu/index.html");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>"));
    assert!(page.contains("&lt;b&gt;Liittyvät&lt;/b&gt;"));
}

#[test]
fn a_character_xml_forbids_written_as_an_escape_is_removed_with_a_warning_at_its_key() {
    let site = Site::fixture("related");
    let facts = std::fs::read_to_string(site.root().join("content/cities/oulu.yaml")).unwrap();
    site.write(
        "content/cities/oulu.yaml",
        &facts.replace("source: Statistikcentralen", "source: \"Statistik\\u0001centralen\""),
    );
    let page = std::fs::read_to_string(site.root().join("content/cities/oulu.sv.md")).unwrap();
    site.write(
        "content/cities/oulu.sv.md",
        &page.replacen("---\n", "---\ndescription: \"A\\vB\"\n", 1),
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    for warning in [
        "`source` held the character U+0001, which XML does not allow: removed\n --> content/cities/oulu.yaml:9:1",
        "`description` held the character U+000B, which XML does not allow: removed\n --> content/cities/oulu.sv.md:2:1",
    ] {
        assert!(run.stderr.contains(warning), "{warning:?} in {}", run.stderr);
    }
    for page in ["sv/cities/oulu/index.html", "sv/atom.xml", "sitemap.xml"] {
        if let Ok(text) = std::fs::read_to_string(site.root().join("public").join(page)) {
            assert!(text.chars().all(|c| !matches!(c, '\u{1}' | '\u{b}')), "{page}");
        }
    }
    assert!(site.output("sv/cities/oulu/index.html").contains("AB"));
}

#[test]
fn a_control_or_noncharacter_html_counts_an_error_is_removed_with_a_warning() {
    // XML allows DEL, U+0080 to U+009F and the noncharacters, HTML does not
    let site = Site::fixture("related");
    let page = std::fs::read_to_string(site.root().join("content/cities/oulu.sv.md")).unwrap();
    site.write(
        "content/cities/oulu.sv.md",
        &page
            .replacen("---\n", "---\ndescription: \"A\\u007FB\\u0085C\\uFDD0D\"\n", 1)
            .replacen("\n---\n", "\n---\nE\u{9F}F\u{1FFFE}G\n\n", 1),
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    for warning in [
        "`description` held the character U+007F, which HTML does not allow: removed\n --> content/cities/oulu.sv.md:2:1",
        "invisible character U+009F removed\n --> content/cities/oulu.sv.md:",
        "invisible character U+1FFFE removed\n --> content/cities/oulu.sv.md:",
    ] {
        assert!(run.stderr.contains(warning), "{warning:?} in {}", run.stderr);
    }
    let html = site.output("sv/cities/oulu/index.html");
    assert!(html.contains("ABCD") && html.contains("EFG"), "{html}");
    assert!(!html.chars().any(|c| !plansite::escape::is_text_char(c)));
}

#[test]
fn crlf_and_bom_are_accepted() {
    let site = Site::fixture("cross_links");
    site.write(
        "content/a.sv.md",
        "\u{feff}---\r\ntitle: A sv\r\n---\r\n## Rubrik {#mal}\r\n\r\nTill [b](@/b#detaljer).\r\n",
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(site.output("sv/a/index.html").contains("<h1>A sv</h1>"));
}

#[test]
fn huge_file_is_refused_with_a_clear_error() {
    let site = Site::fixture("cross_links");
    let mut text = String::from("---\ntitle: Stor\n---\n");
    text.push_str(&"x".repeat(9 * 1024 * 1024));
    site.write("content/big.sv.md", &text);
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("error: file is too large (9.0 MB; the limit is 8 MB)\n  --> content/big.sv.md\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn deeply_nested_markdown_does_not_crash() {
    let site = Site::fixture("cross_links");
    let mut text = String::from("---\ntitle: Djup\n---\n");
    for i in 0..10_000 {
        text.push_str(&"  ".repeat(i % 200));
        text.push_str("- punkt\n");
    }
    text.push_str(&">".repeat(5_000));
    text.push_str(" citat\n");
    site.write("content/deep.sv.md", &text);
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn raw_html_is_escaped_with_a_warning_unless_book_toml_allows_it() {
    let site = Site::fixture("cross_links");
    let book = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    assert!(!book.contains("allow_html"));
    site.write(
        "content/b.en.md",
        "---\ntitle: B en\n---\n## Details {#detaljer}\n\nText <script>alert(1)</script> here.\n",
    );
    // by default, and when book.toml says so
    for setting in ["", "\n[build]\nallow_html = false\n"] {
        site.write("book.toml", &format!("{book}{setting}"));
        let run = site.build();
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr
                .starts_with("warning: raw HTML is not allowed and is shown as text\n --> content/b.en.md:6:6\n"),
            "{}",
            run.stderr
        );
        let page = site.output("en/b/index.html");
        assert!(page.contains("Text &lt;script&gt;alert(1)&lt;/script&gt; here."));
        assert!(!page.contains("<script>alert"));
    }
    site.write("book.toml", &format!("{book}\n[build]\nallow_html = true\n"));
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = site.output("en/b/index.html");
    assert!(page.contains("Text <script>alert(1)</script> here."));
}

#[test]
fn wrong_types_in_facts_are_reported_at_their_place() {
    let site = Site::fixture("related");
    site.write(
        "content/cities/kemi.yaml",
        "kind: twin-town\nstatus: sleeping\ncoordinates: { lat: north, lon: 24.5 }\n",
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("--> content/cities/kemi.yaml:2:9"),
        "{}",
        run.stderr
    );
}
error_case!(cmyk_jpeg);
error_case!(plan_image_damaged);
