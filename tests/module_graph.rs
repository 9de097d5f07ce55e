//! No module imports one that imports it back, in any crate of the workspace, file by file:
//! the client's layout tells a request's path, and each file leans only on those below it. And
//! no file imports through the crate root: `lib.rs` is the crate's face, not a hub.
//!
//! The graph is read from the sources with syn. Its nodes are the crate's modules, each a file
//! (`operations::cart` is `src/operations/cart.rs`; an inline module belongs to its file). An
//! edge runs from a file to the module each path in its code leads to (`crate::`, `super::`,
//! `self::`, a child module's name), `use` included; a name a module re-exports
//! (`pub use cart::CartRef` in `operations`) counts as the module it comes from, followed down
//! to the file that defines it. A `pub` or `pub(crate)` `use` re-exports, and imports nothing;
//! `mod x;` declares, and imports nothing. Tests (`#[cfg(test)]` items and `tests.rs` files) and
//! doc comments are left out. The generated modules (`types`, `generated`, `mock`) are
//! progenitor's, whose hooks the client must implement for them, and are not nodes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The crate root, as a node: the items it defines itself.
const ROOT: &str = "(crate root)";
/// Modules written by progenitor, not by hand.
const GENERATED: [&str; 3] = ["types", "generated", "mock"];

/// Where each module refers to another: `from -> to -> the first file and path`.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

const CRATES: [(&str, &str, usize); 3] = [
    // The crate, its root file, and the fewest edges its graph can have: a graph with fewer
    // was not read (a change of layout the reader does not follow).
    ("partner-center-carts", "src/lib.rs", 150),
    ("partner-center-carts-emulator", "emulator/src/lib.rs", 30),
    ("pc-carts", "cli/src/main.rs", 15),
];

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut circles = Vec::new();
    for (krate, root, fewest) in CRATES {
        let crate_graph = read(&workspace.join(root));
        let edges: usize = crate_graph.graph.values().map(BTreeMap::len).sum();
        assert!(
            crate_graph.graph.len() > 3 && edges >= fewest,
            "{krate}: {} modules and {edges} edges read",
            crate_graph.graph.len()
        );
        for circle in circles_in(&crate_graph.graph) {
            circles.push(format!(
                "{krate}: {}",
                describe(&crate_graph.graph, &circle)
            ));
        }
    }
    assert!(
        circles.is_empty(),
        "modules that import each other:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_module_imports_through_the_crate_root() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut through = Vec::new();
    for (krate, root, _) in CRATES {
        for path in read(&workspace.join(root)).through_root {
            through.push(format!("{krate}: {path}"));
        }
    }
    assert!(
        through.is_empty(),
        "imports of a name the crate root re-exports, rather than of its module:\n{}",
        through.join("\n")
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

/// Files are nodes of their own: a circle between two files of one folder is found, as are
/// a path through a re-export and an import through the crate root.
#[test]
fn files_are_read_one_by_one() {
    let dir = std::env::temp_dir().join(format!("module-graph-{}", std::process::id()));
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "mod ops;\nmod low;\npub use low::Low;\n");
    write("low.rs", "pub struct Low;\n");
    write(
        "ops/mod.rs",
        "mod a;\nmod b;\npub use a::A;\nfn shared() -> crate::Low { crate::low::Low }\n",
    );
    write("ops/a.rs", "use super::b::B;\npub struct A(B);\n");
    write(
        "ops/b.rs",
        "pub struct B;\nfn f() -> super::A { todo!() }\n",
    );
    let read = read(&dir.join("lib.rs"));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(circles_in(&read.graph), vec![vec!["ops::a", "ops::b"]]);
    assert!(read.graph["ops"].contains_key("low"), "{:?}", read.graph);
    assert_eq!(read.through_root, ["ops/mod.rs: crate::Low"]);
}

/// What is read of one crate.
struct Read {
    graph: Graph,
    /// Paths that import a name through the crate root's re-exports (`crate::Error`), each
    /// with its file.
    through_root: Vec<String>,
}

/// A module of the crate: its path (`["operations", "cart"]`, empty for the root), its file,
/// and its child modules' names.
struct Module {
    path: Vec<String>,
    file: PathBuf,
    parsed: syn::File,
    children: BTreeSet<String>,
}

impl Module {
    fn name(&self) -> String {
        match self.path.is_empty() {
            true => ROOT.to_string(),
            false => self.path.join("::"),
        }
    }
}

/// The graph of the crate whose root file is `root`.
fn read(root: &Path) -> Read {
    let modules = modules_of(root);
    let by_path: BTreeMap<Vec<String>, &Module> =
        modules.iter().map(|m| (m.path.clone(), m)).collect();
    let reexports: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>> = modules
        .iter()
        .map(|m| (m.path.clone(), reexports_of(m)))
        .collect();
    let dir = root.parent().unwrap();
    let mut graph = Graph::new();
    let mut through_root = Vec::new();
    for module in &modules {
        if GENERATED.contains(&module.name().as_str()) {
            continue;
        }
        let mut refs = Refs::default();
        refs.visit_file(&module.parsed);
        let edges = graph.entry(module.name()).or_default();
        let file = module
            .file
            .strip_prefix(dir)
            .unwrap_or(&module.file)
            .display();
        for path in refs.found {
            let Some(absolute) = absolute(module, &path) else {
                continue;
            };
            let Some(target) = resolve(&by_path, &reexports, &absolute, 0) else {
                continue;
            };
            let root_reexport = !module.path.is_empty()
                && path.first().is_some_and(|s| s == "crate")
                && !absolute.is_empty()
                && reexports[&Vec::new()].contains_key(&absolute[0]);
            if root_reexport {
                through_root.push(format!("{file}: {}", path.join("::")));
            }
            let target = by_path[&target].name();
            if target != module.name() && !GENERATED.contains(&target.as_str()) {
                edges
                    .entry(target)
                    .or_insert_with(|| format!("{file}: {}", path.join("::")));
            }
        }
    }
    Read {
        graph,
        through_root,
    }
}

/// Every module of the crate, from its root file down, tests left out.
fn modules_of(root: &Path) -> Vec<Module> {
    let mut modules = Vec::new();
    let mut pending = vec![(Vec::new(), root.to_path_buf())];
    while let Some((path, file)) = pending.pop() {
        let parsed = syn::parse_file(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        // Where this file's child modules are: beside it for the root and a `mod.rs`, else in
        // the folder of its name.
        let is_dir_owner = path.is_empty() || file.file_name().is_some_and(|n| n == "mod.rs");
        let folder = match is_dir_owner {
            true => file.parent().unwrap().to_path_buf(),
            false => file.with_extension(""),
        };
        let mut children = BTreeSet::new();
        for item in &parsed.items {
            let syn::Item::Mod(m) = item else { continue };
            if is_test(&m.attrs) {
                continue;
            }
            let name = m.ident.to_string();
            let mut child = path.clone();
            child.push(name.clone());
            if m.content.is_none() {
                let single = folder.join(format!("{name}.rs"));
                let nested = folder.join(&name).join("mod.rs");
                let child_file = if single.exists() { single } else { nested };
                if child_file.file_name().is_some_and(|n| n != "tests.rs") && child_file.exists() {
                    pending.push((child, child_file));
                }
            }
            children.insert(name);
        }
        modules.push(Module {
            path,
            file,
            parsed,
            children,
        });
    }
    modules
}

/// The names a module re-exports (`pub use cart::CartRef`, `pub(crate) use ..`), each with
/// the absolute path it stands for.
fn reexports_of(module: &Module) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for item in &module.parsed.items {
        let syn::Item::Use(u) = item else { continue };
        if matches!(u.vis, syn::Visibility::Inherited) || is_test(&u.attrs) {
            continue;
        }
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for (name, path) in paths {
            if let Some(absolute) = absolute(module, &path) {
                out.insert(name, absolute);
            }
        }
    }
    out
}

/// A path as written in `module`'s file, made absolute from the crate root; `None` for one
/// that leaves the crate (`std::`, another crate) or names a local item.
fn absolute(module: &Module, path: &[String]) -> Option<Vec<String>> {
    let first = path.first()?;
    // The module whose children `super::` and `self::` name.
    let here = &module.path;
    let absolute = match first.as_str() {
        "crate" => path[1..].to_vec(),
        "super" => {
            let supers = path.iter().take_while(|s| *s == "super").count();
            let base = here.len().checked_sub(supers)?;
            [&here[..base], &path[supers..]].concat()
        }
        "self" => [&here[..], &path[1..]].concat(),
        child if module.children.contains(child) => [&here[..], path].concat(),
        _ => return None,
    };
    (!absolute.is_empty()).then_some(absolute)
}

/// The module an absolute path leads to: the longest prefix that is a module, followed through
/// that module's re-exports to the one that defines the name.
fn resolve(
    modules: &BTreeMap<Vec<String>, &Module>,
    reexports: &BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
    path: &[String],
    depth: usize,
) -> Option<Vec<String>> {
    let module = (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| modules.contains_key(prefix))?;
    let rest = &path[module.len()..];
    if depth < 8
        && let Some(first) = rest.first()
        && let Some(target) = reexports.get(&module).and_then(|r| r.get(first))
        && target.as_slice() != path
    {
        let followed = [&target[..], &rest[1..]].concat();
        return resolve(modules, reexports, &followed, depth + 1).or(Some(module));
    }
    Some(module)
}

/// Every path a file's code names, `use` trees included; a public `use` re-exports, and
/// imports nothing.
#[derive(Default)]
struct Refs {
    found: Vec<Vec<String>>,
}

impl Visit<'_> for Refs {
    fn visit_item_mod(&mut self, m: &syn::ItemMod) {
        // A child module's own file is its own node; an inline one belongs to this file.
        if !is_test(&m.attrs) && m.content.is_some() {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &syn::ItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_item_use(&mut self, u: &syn::ItemUse) {
        if !matches!(u.vis, syn::Visibility::Inherited) || is_test(&u.attrs) {
            return;
        }
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        self.found.extend(paths.into_iter().map(|(_, path)| path));
    }

    // Doc comments, `cfg`s and derives are not imports.
    fn visit_attribute(&mut self, _: &syn::Attribute) {}

    fn visit_path(&mut self, path: &syn::Path) {
        if path.segments.len() >= 2 && path.leading_colon.is_none() {
            self.found
                .push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        }
        syn::visit::visit_path(self, path);
    }
}

/// The paths of a `use` tree, each as the name it brings in and its segments.
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    let mut found = |name: String, last: String| {
        let mut path = prefix.clone();
        path.push(last);
        out.push((name, path));
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => {
            let name = prefix.last().cloned().unwrap_or_default();
            out.push((name, prefix.clone()));
        }
        syn::UseTree::Name(n) => found(n.ident.to_string(), n.ident.to_string()),
        syn::UseTree::Rename(r) => found(r.rename.to_string(), r.ident.to_string()),
        syn::UseTree::Glob(_) => out.push(("*".to_string(), prefix.clone())),
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
