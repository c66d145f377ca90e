//! The shape the code must keep, checked on every crate of the workspace:
//! dependencies point one way (no module imports, through any path, a
//! sibling that imports it back), and a source file over 600 lines says at
//! its top why it is that long. Read from the sources as a newcomer would:
//! `use crate::…`, `super::…` and a parent's `child::…` are the edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CRATES: &[&str] = &["src", "cloud/src", "proto/src", "rtp/src", "flash/src"];
const MAX_LINES: usize = 600;

#[test]
fn no_module_imports_a_sibling_that_imports_it_back() {
    let mut circles = Vec::new();
    for krate in CRATES {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(krate);
        let modules = modules(&root);
        let graph = sibling_graph(&modules);
        for circle in strongly_connected(&graph) {
            circles.push(format!("{krate}: {}", circle.join(" ↔ ")));
        }
    }
    assert!(
        circles.is_empty(),
        "import circles (move what both need below them):\n{}",
        circles.join("\n")
    );
}

#[test]
fn long_files_say_why_at_their_top() {
    let mut long = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        "src", "cloud", "proto", "rtp", "flash", "tests", "examples", "fuzz",
    ] {
        for file in rust_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            let lines = text.lines().count();
            let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
            if lines > MAX_LINES && !head.contains("lines because") {
                long.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines with no \"… lines because …\" in the first 20 lines:\n{}",
        long.join("\n")
    );
}

/// Every `.rs` file under `dir`, skipping build output.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n == "corpus")
            {
                continue;
            }
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

type ModPath = Vec<String>;

/// A crate's modules by path (`["media", "call"]`), with their source
/// (test modules cut off: tests may use anything).
fn modules(root: &Path) -> BTreeMap<ModPath, String> {
    let mut out = BTreeMap::new();
    for file in rust_files(root) {
        let rel = file.strip_prefix(root).unwrap().with_extension("");
        let mut path: ModPath = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let is_dir = matches!(
            path.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        );
        if is_dir {
            path.pop();
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let text = match text.find("#[cfg(test)]") {
            Some(at) => text[..at].to_string(),
            None => text,
        };
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        out.insert(path, code);
    }
    out
}

/// The longest prefix of `path` that is a module.
fn resolve(modules: &BTreeMap<ModPath, String>, path: &[String]) -> Option<ModPath> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains_key(p))
}

/// Paths after `prefix` in `code`: `crate::a::b` → `[a, b]`.
fn paths_after<'a>(code: &'a str, prefix: &'a str) -> impl Iterator<Item = Vec<String>> + 'a {
    code.match_indices(prefix).filter_map(move |(at, _)| {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            return None;
        }
        let rest = &code[at + prefix.len()..];
        let mut segments = Vec::new();
        for segment in rest.split("::") {
            let name: String = segment
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if name.is_empty() {
                break;
            }
            let whole = name.len() == segment.len();
            segments.push(name);
            if !whole {
                break;
            }
        }
        (!segments.is_empty()).then_some(segments)
    })
}

/// Edges between siblings: an import from `a::x` of `b::y` is an edge
/// `a → b` at the level where their paths part. A module using its own
/// descendants, or its ancestors, is the tree itself, not an edge.
fn sibling_graph(modules: &BTreeMap<ModPath, String>) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let mut graph: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (module, code) in modules {
        let parent: ModPath = module[..module.len().saturating_sub(1)].to_vec();
        let mut targets = Vec::new();
        targets.extend(paths_after(code, "crate::"));
        targets.extend(paths_after(code, "super::").map(|p| [parent.clone(), p].concat()));
        for target in targets {
            let Some(target) = resolve(modules, &target) else {
                continue;
            };
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue;
            }
            graph
                .entry(module[..=common].to_vec())
                .or_default()
                .insert(target[..=common].to_vec());
        }
    }
    graph
}

/// Tarjan's strongly connected components of more than one node, named.
fn strongly_connected(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'g ModPath, usize>,
        low: BTreeMap<&'g ModPath, usize>,
        stack: Vec<&'g ModPath>,
        out: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g ModPath) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.join("::"));
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.out
}
