//! No module imports one that imports it back, in any crate of the workspace: the client's
//! layout tells a request's path, and each module leans only on those below it.
//!
//! The graph is read from the sources with syn: an edge from one top-level module (a file or
//! folder under `src/`) to another for every path in its code that leads there (`crate::`,
//! `super::` out of the module, and at the crate root `self::` and module names), `use`
//! included; a name the crate root re-exports (`crate::Error`) counts as the module it comes
//! from. Tests
//! (`#[cfg(test)]` modules and `tests.rs` files) and doc comments are left out. The generated
//! modules (`types`, `generated`, `mock`) are progenitor's, whose hooks the client must
//! implement for them, and are not nodes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The crate root, as a node: the items it defines itself.
const ROOT: &str = "(crate root)";
/// Modules written by progenitor, not by hand.
const GENERATED: [&str; 3] = ["types", "generated", "mock"];

/// Where each top-level module refers to another: `from -> to -> the first file and path`.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut circles = Vec::new();
    for (krate, root) in [
        ("partner-center-carts", "src/lib.rs"),
        ("partner-center-carts-emulator", "emulator/src/lib.rs"),
        ("pc-carts", "cli/src/main.rs"),
    ] {
        let graph = graph_of(&workspace.join(root));
        assert!(graph.len() > 3, "{krate}: {} modules read", graph.len());
        for circle in circles_in(&graph) {
            circles.push(format!("{krate}: {}", describe(&graph, &circle)));
        }
    }
    assert!(
        circles.is_empty(),
        "modules that import each other:\n{}",
        circles.join("\n")
    );
}

/// The check finds a circle of two, and one of three, and nothing in a line.
#[test]
fn a_circle_is_found_and_a_line_is_not() {
    let graph = |edges: &[(&str, &str)]| -> Graph {
        let mut graph = Graph::new();
        for (from, to) in edges {
            graph
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string(), format!("{from}.rs"));
            graph.entry(to.to_string()).or_default();
        }
        graph
    };
    assert!(circles_in(&graph(&[("a", "b"), ("b", "c")])).is_empty());
    let two = graph(&[
        ("pipeline", "hooks"),
        ("hooks", "pipeline"),
        ("hooks", "read"),
    ]);
    assert_eq!(circles_in(&two), vec![vec!["hooks", "pipeline"]]);
    let three = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]);
    assert_eq!(circles_in(&three), vec![vec!["a", "b", "c"]]);
    assert!(describe(&three, &circles_in(&three)[0]).contains("a -> b (a.rs)"));
}

/// The module graph of the crate whose root file is `root`.
fn graph_of(root: &Path) -> Graph {
    let dir = root.parent().unwrap();
    let root_file = syn::parse_file(&std::fs::read_to_string(root).unwrap()).unwrap();
    let mut reexports = BTreeMap::new();
    let mut modules = BTreeSet::new();
    for item in &root_file.items {
        match item {
            syn::Item::Mod(m) if !is_test(&m.attrs) => {
                modules.insert(m.ident.to_string());
            }
            syn::Item::Use(u) => reexported(&u.tree, None, &mut reexports),
            _ => {}
        }
    }
    let mut graph = Graph::new();
    let mut files = vec![(root.to_path_buf(), ROOT.to_string(), 0)];
    for module in &modules {
        for (file, depth) in module_files(dir, module) {
            files.push((file, module.clone(), depth));
        }
    }
    for (file, module, depth) in files {
        let parsed = syn::parse_file(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut refs = CrateRefs {
            depth,
            modules: &modules,
            found: Vec::new(),
        };
        refs.visit_file(&parsed);
        let edges = graph.entry(module.clone()).or_default();
        for (name, path) in refs.found {
            let target = if modules.contains(&name) {
                name
            } else if let Some(from) = reexports.get(&name) {
                from.clone()
            } else {
                ROOT.to_string()
            };
            if target != module && !GENERATED.contains(&target.as_str()) {
                let file = file.strip_prefix(dir).unwrap_or(&file).display();
                edges
                    .entry(target)
                    .or_insert_with(|| format!("{file}: {path}"));
            }
        }
    }
    for generated in GENERATED {
        graph.remove(generated);
    }
    graph
}

/// The files of a top-level module, with how deep each is in the module tree (1 for the
/// module itself): `name.rs` or `name/mod.rs`, and every file under `name/`, but test files.
fn module_files(dir: &Path, name: &str) -> Vec<(PathBuf, usize)> {
    let mut files = Vec::new();
    let single = dir.join(format!("{name}.rs"));
    if single.exists() {
        files.push((single, 1));
    }
    let mut folders = vec![(dir.join(name), 1)];
    while let Some((folder, depth)) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push((path, depth + 1));
            } else if path.file_name().is_some_and(|n| n == "mod.rs") {
                files.push((path, depth));
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                files.push((path, depth + 1));
            }
        }
    }
    files
}

/// The names the crate root re-exports (`pub use error::{Error, ErrorKind}`), with the module
/// each comes from.
fn reexported(tree: &syn::UseTree, module: Option<&str>, out: &mut BTreeMap<String, String>) {
    match tree {
        syn::UseTree::Path(p) => {
            let next = p.ident.to_string();
            let module = match module {
                None if next == "crate" || next == "self" => None,
                None => Some(next.as_str()),
                Some(m) => Some(m),
            };
            reexported(&p.tree, module, out);
        }
        syn::UseTree::Name(n) => {
            if let Some(m) = module {
                out.insert(n.ident.to_string(), m.to_string());
            }
        }
        syn::UseTree::Rename(r) => {
            if let Some(m) = module {
                out.insert(r.rename.to_string(), m.to_string());
            }
        }
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                reexported(tree, module, out);
            }
        }
        syn::UseTree::Glob(_) => {}
    }
}

/// Every top-level name a file's code refers to: the name, and the path for the report.
struct CrateRefs<'a> {
    /// How deep the file is in the module tree: 0 for the crate root.
    depth: usize,
    /// The crate root's modules.
    modules: &'a BTreeSet<String>,
    found: Vec<(String, String)>,
}

impl CrateRefs<'_> {
    /// The top-level name a path starting with `segments` leads to, if it leaves the file's
    /// own top-level module: `crate::x`, as many `super::` as the file is deep then `x`, and
    /// at the crate root `self::x` or a module `x`.
    fn record(&mut self, segments: &[String]) {
        let supers = segments.iter().take_while(|s| *s == "super").count();
        let name = match segments.first().map(String::as_str) {
            Some("crate") => segments.get(1),
            Some("super") if supers >= self.depth => segments.get(supers),
            Some("self") if self.depth == 0 => segments.get(1),
            Some(first) if self.depth == 0 && self.modules.contains(first) => segments.first(),
            _ => None,
        };
        if let Some(name) = name {
            self.found.push((name.clone(), segments.join("::")));
        }
    }
}

impl Visit<'_> for CrateRefs<'_> {
    fn visit_item_mod(&mut self, m: &syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &syn::ItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_item_use(&mut self, u: &syn::ItemUse) {
        // At the crate root a public `use` re-exports, which imports nothing.
        let reexport = self.depth == 0 && matches!(u.vis, syn::Visibility::Public(_));
        if reexport || is_test(&u.attrs) {
            return;
        }
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for path in paths {
            self.record(&path);
        }
    }

    // Doc comments, `cfg`s and derives are not imports.
    fn visit_attribute(&mut self, _: &syn::Attribute) {}

    fn visit_path(&mut self, path: &syn::Path) {
        if path.segments.len() >= 2 && path.leading_colon.is_none() {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            self.record(&segments);
        }
        syn::visit::visit_path(self, path);
    }
}

/// The paths of a `use` tree, each as its segments.
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut found = |last: String| {
        let mut path = prefix.clone();
        path.push(last);
        out.push(path);
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => found(n.ident.to_string()),
        syn::UseTree::Rename(r) => found(r.ident.to_string()),
        syn::UseTree::Glob(_) => found("*".to_string()),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_paths(tree, prefix, out);
            }
        }
    }
}

/// Whether an item is compiled only for tests.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// The modules that reach each other, each circle's members sorted (strongly connected
/// components of more than one module, by Tarjan's algorithm).
fn circles_in(graph: &Graph) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        circles: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, node: &'a str) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flat_map(|e| e.keys()) {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut members = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    members.push(top.to_string());
                    if top == node {
                        break;
                    }
                }
                if members.len() > 1 {
                    members.sort();
                    self.circles.push(members);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        circles: Vec::new(),
    };
    for node in graph.keys() {
        if !tarjan.index.contains_key(node.as_str()) {
            tarjan.visit(node);
        }
    }
    tarjan.circles.sort();
    tarjan.circles
}

/// A circle's edges among its members, each with where it is made.
fn describe(graph: &Graph, circle: &[String]) -> String {
    let mut edges = Vec::new();
    for from in circle {
        for (to, at) in &graph[from] {
            if circle.contains(to) {
                edges.push(format!("{from} -> {to} ({at})"));
            }
        }
    }
    edges.join("; ")
}
