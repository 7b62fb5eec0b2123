//! No import circle between the project's source files: every `crate::`,
//! `super::` and `self::` path in `src/` (in a `use` or in code) is an edge
//! from its file to the file of the module it names, and the graph of
//! those edges has no cycle. A circle means two files cannot be read, or
//! moved, one without the other.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every library source file and the module it is.
fn modules(dir: &Path, module: &Module, out: &mut BTreeMap<Module, PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if path.is_dir() {
            let mut child = module.clone();
            child.push(name);
            modules(&path, &child, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut this = module.clone();
            match name.as_str() {
                "mod" | "lib" => {}
                "main" if module.is_empty() => continue, // the binary, a crate of its own
                _ => this.push(name),
            }
            out.insert(this, path);
        }
    }
}

/// The source without comments, so that a path in a doc comment is no edge.
fn code(source: &str) -> String {
    source
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path that starts with `crate`, `super` or `self`, as segments,
/// with `use` trees (`a::{b, c::d}`) expanded.
fn paths(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
        if starts_word && (rest.starts_with("crate::") || rest.starts_with("super::") || rest.starts_with("self::")) {
            let (mut trees, end) = tree(&chars, i);
            out.append(&mut trees);
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// A path or use tree starting at `i`: its expansions and where it ends.
fn tree(chars: &[char], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    loop {
        let start = i;
        while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
            i += 1;
        }
        if i > start {
            prefix.push(chars[start..i].iter().collect::<String>());
        }
        if chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':') {
            i += 2;
            if chars.get(i) == Some(&'{') {
                let mut out = Vec::new();
                i += 1;
                loop {
                    while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
                        i += 1;
                    }
                    if i >= chars.len() || chars[i] == '}' {
                        return (out, i + 1);
                    }
                    let (subtrees, end) = tree(chars, i);
                    for sub in subtrees {
                        out.push(prefix.iter().cloned().chain(sub).collect());
                    }
                    // Skip an `as` rename up to the next item.
                    i = end;
                    while i < chars.len() && chars[i] != ',' && chars[i] != '}' {
                        i += 1;
                    }
                }
            }
            continue;
        }
        return (vec![prefix], i);
    }
}

/// The file a path names, read in `module`: the longest prefix of the path
/// that is a module with a file of its own.
fn target<'m>(path: &[String], module: &Module, files: &'m BTreeMap<Module, PathBuf>) -> Option<&'m PathBuf> {
    let mut current: Module = Vec::new();
    let mut segments = path.iter().peekable();
    match segments.next().map(String::as_str) {
        Some("crate") => {}
        Some("self") => current = module.clone(),
        Some("super") => {
            current = module.clone();
            current.pop();
            while segments.peek().map(|s| s.as_str()) == Some("super") {
                segments.next();
                current.pop();
            }
        }
        _ => return None,
    }
    for segment in segments {
        let mut next = current.clone();
        next.push(segment.clone());
        if !files.contains_key(&next) {
            break;
        }
        current = next;
    }
    files.get(&current)
}

/// The modules a file re-exports (`pub use harness::{run, labels};` in
/// `lib.rs`), as aliases of their files, so that `crate::run::X` is an edge
/// to `harness/run.rs`.
fn add_reexports(files: &mut BTreeMap<Module, PathBuf>) {
    let mut aliases = Vec::new();
    for (module, file) in files.iter() {
        let source = code(&std::fs::read_to_string(file).expect("a readable source file"));
        let chars: Vec<char> = source.chars().collect();
        let mut from = 0;
        while let Some(at) = source[from..].find("pub use ") {
            let start = from + at + "pub use ".len();
            let index = source[..start].chars().count();
            for path in tree(&chars, index).0 {
                let full: Module = match path.first().map(String::as_str) {
                    Some("crate" | "super" | "self") => continue,
                    _ => module.iter().cloned().chain(path.iter().cloned()).collect(),
                };
                if let (Some(target), Some(last)) = (files.get(&full), path.last()) {
                    let mut alias = module.clone();
                    alias.push(last.clone());
                    aliases.push((alias, target.clone()));
                }
            }
            from = start;
        }
    }
    for (alias, target) in aliases {
        files.entry(alias).or_insert(target);
    }
}

fn graph() -> BTreeMap<PathBuf, Vec<PathBuf>> {
    let mut files = BTreeMap::new();
    modules(&src(), &Vec::new(), &mut files);
    let own: BTreeMap<Module, PathBuf> = files.clone();
    add_reexports(&mut files);
    let mut edges: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for (module, file) in &own {
        let source = std::fs::read_to_string(file).expect("a readable source file");
        let mut to: Vec<PathBuf> = paths(&code(&source))
            .iter()
            .filter_map(|p| target(p, module, &files))
            .filter(|t| *t != file)
            .cloned()
            .collect();
        to.sort();
        to.dedup();
        edges.insert(file.clone(), to);
    }
    edges
}

/// Strongly connected components of more than one file (Tarjan).
fn circles(edges: &BTreeMap<PathBuf, Vec<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct Search<'a> {
        edges: &'a BTreeMap<PathBuf, Vec<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    impl<'a> Search<'a> {
        fn visit(&mut self, v: &'a PathBuf) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in &self.edges[v] {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut search = Search {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !search.index.contains_key(v) {
            search.visit(v);
        }
    }
    search.found
}

#[test]
fn no_import_circle_between_source_files() {
    let edges = graph();
    let root = src();
    let found: Vec<String> = circles(&edges)
        .iter()
        .map(|c| {
            let names: Vec<String> = c
                .iter()
                .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
                .collect();
            names.join(" <-> ")
        })
        .collect();
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

/// The reader itself: a circle made on purpose is found, with `use` trees,
/// `super` and inline paths.
#[test]
fn the_reader_finds_a_circle_it_is_shown() {
    let files: BTreeMap<Module, PathBuf> = [
        (vec![], PathBuf::from("lib.rs")),
        (vec!["a".to_string()], PathBuf::from("a/mod.rs")),
        (vec!["a".to_string(), "b".to_string()], PathBuf::from("a/b.rs")),
        (vec!["a".to_string(), "c".to_string()], PathBuf::from("a/c.rs")),
    ]
    .into_iter()
    .collect();
    let b = vec!["a".to_string(), "b".to_string()];
    let c = vec!["a".to_string(), "c".to_string()];
    let from_b = paths(&code("use super::{c::Thing, X}; // crate::a::b::Y in a comment"));
    let from_c = paths(&code("fn f() { crate::a::b::g(); }"));
    let mut edges = BTreeMap::new();
    let to = |m: &Module, ps: &[Vec<String>]| -> Vec<PathBuf> {
        let mut t: Vec<PathBuf> = ps.iter().filter_map(|p| target(p, m, &files)).cloned().collect();
        t.sort();
        t.dedup();
        t
    };
    edges.insert(PathBuf::from("a/b.rs"), to(&b, &from_b));
    edges.insert(PathBuf::from("a/c.rs"), to(&c, &from_c));
    edges.insert(PathBuf::from("a/mod.rs"), vec![]);
    edges.insert(PathBuf::from("lib.rs"), vec![]);
    assert_eq!(
        edges[&PathBuf::from("a/b.rs")],
        vec![PathBuf::from("a/c.rs"), PathBuf::from("a/mod.rs")]
    );
    assert_eq!(
        circles(&edges),
        vec![vec![PathBuf::from("a/b.rs"), PathBuf::from("a/c.rs")]]
    );
}

/// `crate::run` is `harness/run.rs`, through `lib.rs`'s re-export.
#[test]
fn a_reexported_module_is_followed_to_its_file() {
    let edges = graph();
    let root = src();
    let artifact = &edges[&root.join("artifact/mod.rs")];
    assert!(artifact.contains(&root.join("harness/run.rs")), "{artifact:?}");
}
