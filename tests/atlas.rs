//! The atlas (docs/atlas.md) on Lua 5.5, which has no stock interpreter here: the same
//! scenario files the busted specs run (spec/atlas/scenarios/), on a vendored Lua 5.5 with
//! rcprobe installed through `rcprobe::open`. Every case must measure what its Lua 5.5 cells
//! say. With `RCPROBE_ATLAS_CELLS=<file>`, the measured cells are also written to that file
//! for `make atlas` (tools/atlas.sh).
#![cfg(feature = "lua55")]

use mlua::{Lua, Table};

/// One measured cell, as `atlas.measure_all` returns it.
struct Cell {
    row: String,
    column: String,
    measured: String,
    expected: String,
}

/// A vendored Lua where `require("rcprobe")` is this crate and `require("spec.atlas...")`
/// finds the scenario files of this repository.
fn lab() -> mlua::Result<Lua> {
    let lua = Lua::new();
    let package: Table = lua.globals().get("package")?;
    package.set("path", concat!(env!("CARGO_MANIFEST_DIR"), "/?.lua"))?;
    package.get::<Table>("loaded")?.set("rcprobe", rcprobe::open(&lua)?)?;
    Ok(lua)
}

fn measure_all(lua: &Lua) -> mlua::Result<Vec<Cell>> {
    let results: Table = lua
        .load(r#"return require("spec.atlas.atlas").measure_all(require("spec.atlas.lab"))"#)
        .set_name("=atlas")
        .eval()?;
    results
        .sequence_values::<Table>()
        .map(|result| {
            let result = result?;
            Ok(Cell {
                row: result.get("row")?,
                column: result.get("column")?,
                measured: result.get("measured")?,
                expected: result.get("expected")?,
            })
        })
        .collect()
}

#[test]
fn every_atlas_case_measures_its_lua_5_5_cells() -> mlua::Result<()> {
    let lua = lab()?;
    let cells = measure_all(&lua)?;
    assert!(!cells.is_empty(), "the atlas has no cases");
    assert!(
        cells.iter().all(|cell| cell.column.starts_with("5.5")),
        "a vendored Lua 5.5 measures the 5.5 columns only"
    );

    if let Ok(path) = std::env::var("RCPROBE_ATLAS_CELLS") {
        let tsv: String =
            cells.iter().map(|cell| format!("{}\t{}\t{}\n", cell.row, cell.column, cell.measured)).collect();
        std::fs::write(&path, tsv).map_err(mlua::Error::external)?;
    }

    let wrong: Vec<String> = cells
        .iter()
        .filter(|cell| cell.measured != cell.expected)
        .map(|cell| {
            format!(
                "{} on {}:\n  measured: {}\n  expected: {}",
                cell.row, cell.column, cell.measured, cell.expected
            )
        })
        .collect();
    assert!(wrong.is_empty(), "cases that differ from their cells:\n{}", wrong.join("\n"));
    Ok(())
}
