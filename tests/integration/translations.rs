//! Both languages are complete: every `@tr` string in ui/ has a Simplified
//! Chinese translation under the context Slint gives it (its component).

use std::collections::BTreeSet;
use std::path::Path;

fn slint_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

/// (context, msgid) of every `@tr("…")` in the UI sources.
fn wanted() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    slint_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("ui"),
        &mut files,
    );
    let mut out = BTreeSet::new();
    for file in files {
        let mut component = String::new();
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let trimmed = line.trim_start().trim_start_matches("export ");
            if let Some(rest) = trimmed.strip_prefix("component ") {
                component = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
            let mut rest = line;
            while let Some(start) = rest.find("@tr(\"") {
                let text = &rest[start + 5..];
                let end = text.find('"').expect("closed string");
                out.insert((component.clone(), text[..end].to_string()));
                rest = &text[end..];
            }
        }
    }
    out
}

/// (context, msgid) → msgstr from the .po file.
fn translated() -> BTreeSet<(String, String)> {
    let po =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/translations/zh_CN/LC_MESSAGES/roomterm.po");
    let text = std::fs::read_to_string(po).unwrap();
    let mut out = BTreeSet::new();
    let (mut ctx, mut id) = (String::new(), String::new());
    let unquote = |s: &str| s.trim().trim_matches('"').to_string();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("msgctxt ") {
            ctx = unquote(v);
        } else if let Some(v) = line.strip_prefix("msgid ") {
            id = unquote(v);
        } else if let Some(v) = line.strip_prefix("msgstr ") {
            let value = unquote(v);
            // "SIP" and the like may stay as they are; anything else must change.
            if !id.is_empty()
                && !value.is_empty()
                && (value != id || id.chars().all(|c| c.is_ascii_uppercase()))
            {
                out.insert((ctx.clone(), id.clone()));
            }
        }
    }
    out
}

#[test]
fn every_ui_string_has_a_chinese_translation() {
    let wanted = wanted();
    assert!(
        wanted.len() > 40,
        "found only {} strings: extraction broke?",
        wanted.len()
    );
    let translated = translated();
    let missing: Vec<_> = wanted.difference(&translated).collect();
    assert!(missing.is_empty(), "untranslated: {missing:?}");
}
