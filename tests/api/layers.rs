//! The layers import only downward: what each top-level module of `src/` may use of the
//! others. A new arrow (the domain reaching into storage, storage into HTTP) fails here.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

/// Each module and the modules it may import. `main.rs`, `lib.rs` and `startup`, which
/// assemble everything, are not listed.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("metrics", &[]),
    ("host", &[]),
    ("seed", &["domain"]),
    ("sheets", &["domain"]),
    ("opendata", &["domain"]),
    ("auth", &["domain", "host"]),
    ("logged", &["domain"]),
    ("db", &["domain", "logged", "metrics", "seed"]),
    ("config", &["auth", "db", "opendata"]),
    ("telemetry", &["config", "logged", "metrics"]),
    (
        "ops",
        &[
            "auth", "db", "domain", "logged", "metrics", "opendata", "seed", "sheets",
        ],
    ),
    ("error", &["db", "domain", "logged"]),
    (
        "routes",
        &[
            "auth",
            "db",
            "config",
            "domain",
            "error",
            "metrics",
            "opendata",
            "ops",
            "sheets",
            "telemetry",
        ],
    ),
    ("openapi", &["domain", "error", "routes"]),
    ("synth", &["auth", "db", "domain", "ops", "seed"]),
];

/// The top-level modules a file names as `crate::NAME` (comments and tests left out).
fn imports(source: &str, modules: &BTreeSet<&str>) -> BTreeSet<String> {
    let code: String = source
        .split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{…}}`: the names at the first level of the braces.
            Some(inner) => {
                let mut depth = 0;
                let mut names = Vec::new();
                let mut start = 0;
                for (i, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            names.push(&inner[start..i]);
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            names.push(&inner[start..i]);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                names
            }
            None => vec![rest],
        };
        for name in names {
            let name: String = name
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(name.as_str()) {
                found.insert(name);
            }
        }
    }
    found
}

fn rust_files(path: &Path, files: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), files);
        }
    } else if path.extension().is_some_and(|ext| ext == "rs") {
        files.push(path.to_owned());
    }
}

#[test]
fn layers_import_only_downward() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut modules: BTreeSet<&str> = allowed.keys().copied().collect();
    modules.insert("startup");
    let mut wrong = Vec::new();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let Some(may) = allowed.get(module.as_str()) else {
            continue;
        };
        for import in imports(&fs::read_to_string(&file).unwrap(), &modules) {
            if import != module && !may.contains(&import.as_str()) {
                wrong.push(format!("{} uses crate::{import}", relative.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layering: {wrong:#?}");
}

#[test]
fn the_layering_check_sees_braced_and_plain_imports() {
    let modules: BTreeSet<&str> = ["db", "domain", "error", "routes"].into();
    let source = "use crate::{\n    db::{self, X},\n    domain::Y,\n};\nfn f() { crate::error::AppError }\n// crate::routes in a comment\n";
    let found: Vec<String> = imports(source, &modules).into_iter().collect();
    assert_eq!(found, ["db", "domain", "error"]);
}
