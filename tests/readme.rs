//! The README's host sections show what the examples really print and do: "Why is my host object
//! still alive?", "Testing a Rust host" and "See it". Their output blocks are compared with the
//! examples' pinned output (examples/<name>.out, which tests/examples.rs compares with real
//! runs), and their code with the examples' source. A line `...` in an output block stands for
//! lines left out. tools/host-crate.sh checks the rest of "Testing a Rust host" in a crate of its
//! own: its Cargo.toml lines, and cargo test's output.

use std::fs;

fn read(path: &str) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The text of the README's section `## title`, up to the next section.
fn section(title: &str) -> String {
    let readme = read("README.md");
    let start =
        readme.find(&format!("\n## {title}\n")).unwrap_or_else(|| panic!("README has no section {title}"));
    let body = &readme[start + 1..];
    let end = body[3..].find("\n## ").map_or(body.len(), |end| end + 4);
    body[..end].to_string()
}

/// The fenced code blocks of a section: (language, text without the fences).
fn blocks(section: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in section.lines() {
        match (line.strip_prefix("```"), open.take()) {
            (Some(_), Some(block)) => found.push(block),
            (Some(language), None) => open = Some((language.to_string(), String::new())),
            (None, Some((language, mut text))) => {
                text.push_str(line);
                text.push('\n');
                open = Some((language, text));
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "an unclosed code block");
    found
}

/// Asserts that `shown` (an output block, without its `$ command` line) is what `printed`
/// holds: its runs of lines between `...` lines appear in `printed`, whole and in order.
fn assert_shows(what: &str, printed: &str, shown: &str) {
    let printed: Vec<&str> = printed.lines().collect();
    let mut from = 0;
    let runs: Vec<Vec<&str>> =
        shown.split("\n...\n").map(|run| run.lines().filter(|line| *line != "...").collect()).collect();
    for run in runs.iter().filter(|run| !run.is_empty()) {
        let at = (from..=printed.len().saturating_sub(run.len()))
            .find(|&i| printed[i..i + run.len()] == run[..])
            .unwrap_or_else(|| {
                panic!(
                    "README: {what} shows lines that it does not print from line {}:\n{}",
                    from + 1,
                    run.join("\n")
                )
            });
        from = at + run.len();
    }
}

/// The code of a line: without a trailing `// comment`, trimmed.
fn code(line: &str) -> &str {
    line.split(" // ").next().unwrap_or_default().trim()
}

/// Asserts that every line of code in `shown` is a line of one of `sources`.
fn assert_excerpt(shown: &str, sources: &[&str]) {
    let texts: Vec<String> = sources.iter().map(|path| read(path)).collect();
    for line in shown.lines().map(code).filter(|line| !line.is_empty() && !line.starts_with("//")) {
        let found = texts.iter().any(|text| text.lines().any(|source| code(source) == line));
        assert!(found, "README: the line `{line}` is in none of {sources:?}");
    }
}

/// Checks an output block that starts with `$ command`: the command that prints examples/<name>.out.
fn assert_output_block(text: &str) {
    let (command, shown) = text.split_once('\n').expect("a command line and output");
    let name = if let Some(rest) = command.strip_prefix("$ cargo run --example ") {
        let (name, flags) = rest.split_once(' ').expect("cargo run --example NAME --features ...");
        assert_eq!("--features lua54,vendored", flags, "README: {command}");
        name.to_string()
    } else if command == "$ lua5.4 examples/growth.lua" {
        "growth".to_string()
    } else {
        panic!("README: an output block that no example prints: {command}");
    };
    assert_shows(&format!("examples/{name}"), &read(&format!("examples/{name}.out")), shown);
}

#[test]
fn why_is_my_host_object_still_alive_shows_the_examples_real_output_and_code() {
    let blocks = blocks(&section("Why is my host object still alive?"));
    let outputs: Vec<&String> =
        blocks.iter().filter(|(language, _)| language == "text").map(|(_, t)| t).collect();
    let names: Vec<&str> = outputs.iter().map(|text| text.split(' ').nth(4).unwrap_or_default()).collect();
    assert_eq!(vec!["article", "button", "event_bus", "entities"], names, "the four situations, in order");
    for text in outputs {
        assert_output_block(text);
    }
    let sources =
        ["examples/article.rs", "examples/button.rs", "examples/event_bus.rs", "examples/entities.rs"];
    for (_, text) in blocks.iter().filter(|(language, _)| language == "rust") {
        assert_excerpt(text, &sources);
    }
}

/// The lines of `path` between `// README: name` and `// README: end`.
fn region(path: &str, name: &str) -> String {
    let text = read(path);
    let start = format!("// README: {name}\n");
    let start = text.find(&start).unwrap_or_else(|| panic!("{path} has no region {name}")) + start.len();
    let end = text[start..].find("// README: end\n").expect("the region's end") + start;
    text[start..end].to_string()
}

/// The block of a section whose first line is `first`.
fn block_starting<'a>(blocks: &'a [(String, String)], first: &str, nth: usize) -> &'a str {
    let mut found = blocks.iter().filter(|(_, text)| text.lines().next() == Some(first));
    found
        .nth(nth)
        .map(|(_, text)| text.as_str())
        .unwrap_or_else(|| panic!("README: no block #{nth} starting {first}"))
}

#[test]
fn testing_a_rust_host_shows_the_test_the_bug_the_failure_and_the_fix_as_they_are() {
    let blocks = blocks(&section("Testing a Rust host"));

    let test = block_starting(&blocks, "// tests/sessions.rs", 0);
    assert_eq!(
        format!("// tests/sessions.rs\n{}", region("tests/host_testing.rs", "tests/sessions.rs")),
        test
    );
    let bug = region("examples/testing/app.rs", "logout as first written")
        .replace("logout_as_first_written", "logout");
    assert_eq!(format!("// src/lib.rs\n{bug}"), block_starting(&blocks, "// src/lib.rs", 0));
    let fix = region("examples/testing/app.rs", "logout fixed");
    assert_eq!(format!("// src/lib.rs\n{fix}"), block_starting(&blocks, "// src/lib.rs", 1));

    // examples/testing/main.rs runs the same test body, against both versions of the host.
    let body: Vec<&str> = test
        .lines()
        .skip_while(|line| !line.contains("let lua"))
        .take_while(|line| !line.contains("Ok(())"))
        .collect();
    let main = read("examples/testing/main.rs");
    let body = body.join("\n").replace("app::install(&lua)", "install(&lua)");
    assert!(main.contains(&body), "examples/testing/main.rs does not run the README's test body:\n{body}");

    // The failure: the message is what examples/testing.out shows, at the line of the assertion.
    let failure = block_starting(&blocks, "$ cargo test --test sessions", 0);
    let message: Vec<&str> = failure
        .lines()
        .skip_while(|line| !line.starts_with("thread '"))
        .skip(1)
        .take_while(|line| !line.starts_with("note: "))
        .collect();
    let printed = read("examples/testing.out");
    let expected: Vec<&str> = printed.lines().skip(1).take_while(|line| !line.is_empty()).collect();
    assert_eq!(expected, message);
    let (number, line) =
        test.lines().enumerate().find(|(_, line)| line.contains("rcprobe::assert_no_leaks!")).unwrap();
    let location =
        format!("panicked at tests/sessions.rs:{}:{}:", number + 1, line.find("rcprobe").unwrap() + 1);
    assert!(failure.contains(&location), "README: the failure is not at {location}");
    assert!(
        block_starting(&blocks, "$ cargo test --test sessions", 1)
            .contains("logout_leaves_no_session_alive ... ok")
    );

    // The Cargo.toml lines ask for the mlua this crate is built with.
    let toml = block_starting(&blocks, "[dependencies]", 0);
    let mlua = read("Cargo.toml").lines().find(|line| line.starts_with("mlua = ")).unwrap().to_string();
    let version = mlua.split('"').nth(1).unwrap();
    assert!(toml.contains(&format!("mlua = {{ version = \"{version}\"")), "README's mlua is not {version}");
}

#[test]
fn see_it_shows_the_committed_pictures_and_the_growth_examples_real_output() {
    let section = section("See it");
    for picture in ["docs/article.svg", "docs/button.svg", "docs/article.dot", "docs/button.dot"] {
        assert!(section.contains(&format!("({picture})")), "README does not link {picture}");
        assert!(fs::metadata(picture).is_ok(), "{picture} is missing: run make docs");
    }
    let blocks = blocks(&section);
    for (language, text) in &blocks {
        match language.as_str() {
            "text" => assert_output_block(text),
            "lua" => assert_excerpt(text, &["examples/growth.lua"]),
            "rust" => assert_excerpt(text, &["examples/article.rs", "examples/button.rs"]),
            other => panic!("README: a {other} block in See it"),
        }
    }
}
