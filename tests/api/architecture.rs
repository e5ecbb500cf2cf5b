//! The shape of the code: the layers below the use cases (`store`,
//! `domain`) import nothing from above them, and the use-case modules in
//! `src/service` import each other without circles. Read from the source
//! files, so it needs no build of anything but this test; std only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What the storage and domain layers may not reach for: everything that
/// sits above them.
const ABOVE_STORE: [&str; 6] = ["service", "web", "messaging", "jobs", "startup", "state"];

#[test]
fn store_and_domain_import_nothing_from_the_layers_above() {
    let mut offences = Vec::new();
    let mut files = 0;
    // The domain sits below the store too.
    let below_store: Vec<&str> = ABOVE_STORE.iter().copied().chain(["store"]).collect();
    for (layer, forbidden) in [("store", &ABOVE_STORE[..]), ("domain", &below_store[..])] {
        for file in rust_files(&src().join(layer)) {
            files += 1;
            for r in references(&file) {
                if let Some(top) = r.path.first().filter(|top| forbidden.contains(&top.as_str())) {
                    offences.push(format!(
                        "{}:{}: {layer} uses crate::{top} ({})",
                        shown(&file),
                        r.line,
                        r.path.join("::")
                    ));
                }
            }
        }
    }
    assert!(files > 10, "the store and domain sources were found ({files} files)");
    assert!(offences.is_empty(), "upward imports:\n{}", offences.join("\n"));
}

#[test]
fn service_modules_import_each_other_without_circles() {
    let graph = service_graph();
    assert!(graph.values().map(BTreeMap::len).sum::<usize>() > 5, "the service modules' imports were read: {graph:?}");
    let cycles = cycles(&graph);
    let shown: Vec<String> = cycles
        .iter()
        .map(|cycle| {
            let hops: Vec<String> =
                cycle.windows(2).map(|w| format!("  {} → {} ({})", w[0], w[1], graph[&w[0]][&w[1]])).collect();
            format!("{}\n{}", cycle.join(" → "), hops.join("\n"))
        })
        .collect();
    assert!(cycles.is_empty(), "circular imports among src/service modules:\n{}", shown.join("\n"));
}

/// The reader itself: groups, renames, `super`, paths in code; nothing in
/// comments or strings. (Without this, a reader that found nothing would
/// let every import through.)
#[test]
fn the_import_reader_sees_groups_and_paths_in_code() {
    let text = r#"use super::Conn;
use crate::{domain::x, service::{self, a as b}};
// use crate::web::not_this;
/* crate::jobs::nor_this */
fn f() { let s = "crate::state::not_a_path"; let c = '\''; crate::messaging::send::<u8>(); }
pub(crate) use super::super::startup::App;
fn g<'a>(x: &'a str) { $crate::store::Conn::Sqlite(x); }
"#;
    let found: Vec<(usize, String)> = read_references(text, &["store".into(), "audit".into()])
        .into_iter()
        .map(|r| (r.line, r.path.join("::")))
        .collect();
    let expect = [
        (1, "store::Conn"),
        (2, "domain::x"),
        (2, "service"),
        (2, "service::a"),
        (5, "messaging::send"),
        (6, "startup::App"),
        (7, "store::Conn::Sqlite"),
    ];
    assert_eq!(found, expect.map(|(l, p)| (l, p.to_string())));
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn shown(file: &Path) -> String {
    file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(file).display().to_string()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// A file's module path below the crate root: `src/store/audit.rs` is
/// `store::audit`, `src/store/mod.rs` is `store`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).expect("a file under src");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// One crate-internal path: where it is, and what it names from the crate
/// root (`crate::service::x::y` is `["service", "x", "y"]`).
#[derive(Debug)]
struct Reference {
    line: usize,
    path: Vec<String>,
}

fn references(file: &Path) -> Vec<Reference> {
    let text = std::fs::read_to_string(file).unwrap();
    read_references(&text, &module_of(file))
}

/// Every path into the crate in `text` (the source of module `module`):
/// `use` trees expanded, and `crate::`/`super::`/`self::` paths in code.
fn read_references(text: &str, module: &[String]) -> Vec<Reference> {
    let tokens = tokens(&code_only(text));
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].1 == "use" {
            let mut paths = Vec::new();
            i = use_tree(&tokens, i + 1, &[], &mut paths);
            out.extend(
                paths.into_iter().filter_map(|(line, p)| resolve(&p, module).map(|path| Reference { line, path })),
            );
            // `use_tree` stopped just past the tree: the next token is unread.
            continue;
        } else if matches!(tokens[i].1.as_str(), "crate" | "$crate" | "super" | "self")
            && tokens.get(i + 1).is_some_and(|t| t.1 == "::")
            && (i == 0 || tokens[i - 1].1 != "::")
        {
            let line = tokens[i].0;
            let mut path = vec![tokens[i].1.clone()];
            i += 1;
            while tokens.get(i).is_some_and(|t| t.1 == "::") && tokens.get(i + 1).is_some_and(|t| is_ident(&t.1)) {
                path.push(tokens[i + 1].1.clone());
                i += 2;
            }
            out.extend(resolve(&path, module).map(|path| Reference { line, path }));
            continue;
        }
        i += 1;
    }
    out
}

/// Read one use tree from `i`, adding each full path (with the line of its
/// last segment) to `out`; returns the index after the tree.
fn use_tree(tokens: &[(usize, String)], mut i: usize, prefix: &[String], out: &mut Vec<(usize, Vec<String>)>) -> usize {
    let mut path = prefix.to_vec();
    let mut line = tokens.get(i).map_or(0, |t| t.0);
    while let Some((l, t)) = tokens.get(i) {
        match t.as_str() {
            "::" => i += 1,
            "{" => {
                i += 1;
                while tokens.get(i).is_some_and(|t| t.1 != "}") {
                    i = use_tree(tokens, i, &path, out);
                    if tokens.get(i).is_some_and(|t| t.1 == ",") {
                        i += 1;
                    }
                }
                return i + 1;
            }
            "as" => i += 2,
            "self" if !path.is_empty() => {
                out.push((*l, path.clone()));
                return i + 1;
            }
            "*" => {
                out.push((*l, path.clone()));
                return i + 1;
            }
            "," | "}" | ";" => {
                if path.len() > prefix.len() {
                    out.push((line, path));
                }
                return if t == ";" { i + 1 } else { i };
            }
            _ => {
                path.push(t.clone());
                line = *l;
                i += 1;
            }
        }
    }
    i
}

/// A path as seen from module `module`, made absolute; `None` for paths
/// into other crates.
fn resolve(path: &[String], module: &[String]) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    match first.as_str() {
        "crate" | "$crate" => Some(rest.to_vec()),
        "self" => Some([module, rest].concat()),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let base = &module[..module.len().saturating_sub(ups)];
            Some([base, &path[ups..]].concat())
        }
        _ => None,
    }
}

/// At a raw string (`r"…"`, `r#"…"#`, `br"…"`; not a raw identifier such
/// as `r#type`): how many `#` it has.
fn raw_string_at(c: &[char], i: usize) -> Option<usize> {
    let word_char = |at: usize| c[at].is_alphanumeric() || c[at] == '_';
    let starts_word = i == 0 || !word_char(i - 1) || (c[i - 1] == 'b' && (i == 1 || !word_char(i - 2)));
    let hashes = c[i + 1..].iter().take_while(|&&ch| ch == '#').count();
    (c[i] == 'r' && starts_word && c.get(i + 1 + hashes) == Some(&'"')).then_some(hashes)
}

fn is_ident(t: &str) -> bool {
    t.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
}

/// `text` with comments, strings and character literals blanked out (line
/// breaks kept, so lines still count right).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, s: &[char]| out.extend(s.iter().map(|&ch| if ch == '\n' { '\n' } else { ' ' }));
    let mut i = 0;
    while i < c.len() {
        let end = if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            c[i..].iter().position(|&ch| ch == '\n').map_or(c.len(), |p| i + p)
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let (mut depth, mut j) = (0, i);
            while j < c.len() {
                if c[j] == '/' && c.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if c[j] == '*' && c.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            j
        } else if let Some(hashes) = raw_string_at(&c, i) {
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let open = i + 1 + hashes + 1;
            let rest: String = c[open.min(c.len())..].iter().collect();
            rest.find(&close).map_or(c.len(), |p| open + rest[..p].chars().count() + close.chars().count())
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            // An escaped character: its closing quote comes after the escape.
            c[(i + 3).min(c.len())..].iter().position(|&ch| ch == '\'').map_or(c.len(), |p| i + 4 + p)
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i + 3
        } else {
            out.push(c[i]);
            i += 1;
            continue;
        };
        let end = end.min(c.len());
        blank(&mut out, &c[i..end]);
        i = end;
    }
    out
}

/// Identifiers (with `$crate`), `::`, and single punctuation, each with its line.
fn tokens(code: &str) -> Vec<(usize, String)> {
    let c: Vec<char> = code.chars().collect();
    let (mut out, mut line, mut i) = (Vec::new(), 1, 0);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' || ch == '$' {
            let start = i;
            i += 1;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((line, c[start..i].iter().collect()));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push((line, "::".into()));
            i += 2;
        } else {
            out.push((line, ch.to_string()));
            i += 1;
        }
    }
    out
}

/// For each module of `src/service` (a file there, or a folder of files),
/// the sibling modules it uses, each with the first place it does.
fn service_graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let dir = src().join("service");
    let modules: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|m| m != "mod")
        .collect();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> =
        modules.iter().map(|m| (m.clone(), BTreeMap::new())).collect();
    for file in rust_files(&dir) {
        let from = module_of(&file);
        let Some(from) = from.get(1).filter(|m| modules.contains(*m)) else { continue };
        for r in references(&file) {
            if let [top, to, ..] = &r.path[..]
                && top == "service"
                && to != from
                && modules.contains(to)
            {
                let at = format!("{}:{}", shown(&file), r.line);
                graph.get_mut(from).unwrap().entry(to.clone()).or_insert(at);
            }
        }
    }
    graph
}

/// Every circle found by a depth-first walk, each as the modules on it
/// with the first repeated at the end.
fn cycles(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
    fn walk(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        stack.push(node.to_string());
        for next in graph[node].keys() {
            if let Some(at) = stack.iter().position(|n| n == next) {
                found.push([&stack[at..], std::slice::from_ref(next)].concat());
            } else if !done.contains(next) {
                walk(next, graph, stack, done, found);
            }
        }
        stack.pop();
        done.insert(node.to_string());
    }
    let (mut done, mut found) = (BTreeSet::new(), Vec::new());
    for node in graph.keys() {
        if !done.contains(node) {
            walk(node, graph, &mut Vec::new(), &mut done, &mut found);
        }
    }
    found
}
