//! The examples print what the README shows, on every Lua: each Rust example runs as the binary
//! `cargo test` builds, examples/growth.lua in a vendored Lua, and what they print is compared
//! with the output committed next to them (examples/<name>.out). The README's pictures are
//! checked too: docs/<name>.dot is what the example draws now, and docs/<name>.svg what Graphviz
//! makes of it. `make docs` (tools/docs.sh) writes all of these again from real runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use mlua::{Lua, Table, Variadic};

/// The example binary `name` of this build: `cargo test` builds the examples next to the test
/// binaries, in target/<profile>/examples/.
fn example_binary(name: &str) -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    let profile = test_binary.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    let binary = profile.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: `cargo test` builds the examples, `cargo test --test examples` alone does not \
         (run `cargo build --examples` with the same features and target directory first)",
        binary.display()
    );
    binary
}

/// What the example `name` prints, given `args`.
fn run_example(name: &str, args: &[&str]) -> String {
    let output = Command::new(example_binary(name)).args(args).output().expect("the example runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    assert!(
        output.status.success(),
        "examples/{name}.rs failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The committed output of the example `name`: examples/<name>.out, or on Lua 5.1 and LuaJIT
/// examples/<name>.lua51.out where there is one. Those two count one more table per userdata in
/// a census: mlua gives each userdata a table of its own there (the userdata's environment,
/// where it keeps the user value), and the census counts it as a new table.
fn committed(name: &str) -> String {
    let lua51 = format!("examples/{name}.lua51.out");
    let path = if (rcprobe::LUA == "Lua 5.1" || rcprobe::LUA == "LuaJIT") && Path::new(&lua51).exists() {
        lua51
    } else {
        format!("examples/{name}.out")
    };
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Compares line by line, so that a failure shows the first line that differs.
fn assert_prints(name: &str, expected: &str, actual: &str) {
    for (number, (expected_line, actual_line)) in expected.lines().zip(actual.lines()).enumerate() {
        assert_eq!(
            expected_line,
            actual_line,
            "examples/{name}: line {} differs from examples/{name}.out (make docs writes it again)",
            number + 1
        );
    }
    assert_eq!(expected, actual, "examples/{name}: the output and examples/{name}.out differ in length");
}

macro_rules! rust_examples {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let name = stringify!($name);
            assert_prints(name, &committed(name), &run_example(name, &[]));
        }
    )*};
}

rust_examples!(article, button, event_bus, entities, testing);

/// Where Debian keeps luassert and say (pure Lua, the same files for every version).
const SYSTEM_LUA_PATH: &str = "/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua";

/// Runs examples/growth.lua as `lua5.4 examples/growth.lua` would (a state with the debug
/// library, rcprobe and its companions built in), and returns what it printed.
#[allow(unsafe_code)]
fn run_growth_lua() -> mlua::Result<String> {
    // SAFETY: the example uses the debug library only through rcprobe's reports, to read.
    let lua = unsafe { Lua::unsafe_new() };
    rcprobe::open(&lua)?;
    lua.globals().get::<Table>("package")?.set("path", SYSTEM_LUA_PATH)?;
    let printed = lua.create_table()?;
    let sink = printed.clone();
    lua.globals().set(
        "print",
        lua.create_function(move |_, values: Variadic<String>| sink.raw_push(values.join("\t")))?,
    )?;
    let code = std::fs::read_to_string("examples/growth.lua")?;
    lua.load(code).set_name("@examples/growth.lua").exec()?;
    let lines: Vec<String> = printed.sequence_values().collect::<mlua::Result<_>>()?;
    Ok(lines.iter().map(|line| format!("{line}\n")).collect())
}

#[test]
fn growth_lua() -> mlua::Result<()> {
    assert_prints("growth.lua", &committed("growth"), &run_growth_lua()?);
    Ok(())
}

#[test]
fn every_example_is_run_here() {
    let listed = include_str!("examples.rs");
    let rust = listed.lines().find(|line| line.starts_with("rust_examples!(")).expect("the list");
    for entry in std::fs::read_dir("examples").unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        let name = file.split('.').next().unwrap_or_default().to_string();
        match name.as_str() {
            _ if file.ends_with(".out") => {}
            "host" | "seed" => {} // tools/check.sh and spec/example_spec.lua run them
            "growth" => {}        // growth_lua
            _ => assert!(
                rust.contains(&format!("{name},")) || rust.contains(&format!("{name})")),
                "tests/examples.rs does not run examples/{file}"
            ),
        }
    }
}

/// The Graphviz flags of tools/docs.sh (paths.dot sets the fonts itself).
const DOT_FLAGS: [&str; 1] = ["-Tsvg"];

/// docs/<name>.dot is what `examples/<name> --dot` prints now, and docs/<name>.svg is what
/// Graphviz draws of it (Debian's graphviz, which tools/deps.sh installs).
fn assert_picture_is_fresh(name: &str) {
    let dot = run_example(name, &["--dot"]);
    let committed_dot = std::fs::read_to_string(format!("docs/{name}.dot")).expect("the committed DOT");
    assert_prints(&format!("{name} --dot"), &committed_dot, &dot);
    let rendered = Command::new("dot")
        .args(DOT_FLAGS)
        .arg(format!("docs/{name}.dot"))
        .output()
        .expect("Graphviz's dot, which `make docs` and `make test` install (Debian's graphviz)");
    assert!(rendered.status.success(), "dot failed: {}", String::from_utf8_lossy(&rendered.stderr));
    let committed_svg = std::fs::read_to_string(format!("docs/{name}.svg")).expect("the committed SVG");
    assert!(
        committed_svg == String::from_utf8_lossy(&rendered.stdout),
        "docs/{name}.svg is not what Graphviz draws of docs/{name}.dot: run make docs"
    );
}

#[test]
fn docs_article_picture_is_fresh() {
    assert_picture_is_fresh("article");
}

#[test]
fn docs_button_picture_is_fresh() {
    assert_picture_is_fresh("button");
}
