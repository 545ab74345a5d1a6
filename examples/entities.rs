//! Why is my host object still alive? 4. Plain userdata: `lua.create_userdata(Entity { .. })`,
//! with an `rcprobe::Tally` field that counts every Entity from its creation to its `Drop`.
//!
//!     cargo run --example entities --features lua54,vendored
//!
//! A game script spawns and despawns entities every frame, and forgets one index. It prints
//! the per-type stats, what `rcprobe::leaks` and `rcprobe::growth` find, then the fix
//! confirmed. tests/examples.rs compares the output with examples/entities.out.

use mlua::{Function, Lua, UserData, UserDataMethods};

struct Entity {
    name: String,
    /// Counts every Entity: `rcprobe::stats_of(&lua, "Entity")`, `live`, `leaks`, `growth`.
    tally: rcprobe::Tally,
}

impl UserData for Entity {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("name", |_, this, ()| Ok(this.name.clone()));
    }
}

/// A Lua state with the debug library (rcprobe needs it to search locals and upvalues), and
/// the host's `Entity(name)`.
#[allow(unsafe_code)]
fn new_lua() -> mlua::Result<Lua> {
    // SAFETY: only rcprobe's reports use the debug library, and only to read.
    let lua = unsafe { Lua::unsafe_new() };
    // Once declared, an Entity userdata is to rcprobe the handle of its Tally.
    rcprobe::handles::<Entity, _>(&lua, |entity| &entity.tally)?;
    let new_entity = lua.create_function(|lua, name: String| {
        lua.create_userdata(Entity { name, tally: rcprobe::Tally::new(lua, "Entity")? })
    })?;
    lua.globals().set("Entity", new_entity)?;
    Ok(lua)
}

/// The game script: each frame spawns a crate, a barrel and a goblin, then despawns them.
const GAME: &str = r#"world = {}   -- the entities in play
by_name = {} -- an index, for lookups by name

function spawn(name)
  local entity = Entity(name)
  world[entity] = true
  by_name[name] = entity
  return entity
end

function despawn(entity)
  world[entity] = nil -- the bug: by_name keeps it
end

function frame(n)
  for _, kind in ipairs({ "crate", "barrel", "goblin" }) do
    despawn(spawn(kind .. " " .. n))
  end
end"#;

/// The fix: despawn takes the entity out of the index too.
const FIX: &str = r#"function despawn(entity)
  world[entity] = nil
  by_name[entity:name()] = nil
end"#;

fn print_stats(lua: &Lua, when: &str) -> mlua::Result<()> {
    let stats = rcprobe::stats_of(lua, "Entity")?;
    println!(
        "{when}: Entity created {}, dropped {}, alive {}, peak {}",
        stats.created,
        stats.dropped,
        stats.alive(),
        stats.peak
    );
    Ok(())
}

/// Runs frames `first..=last` and a full collection.
fn frames(lua: &Lua, frame: &Function, first: u32, last: u32) -> mlua::Result<()> {
    for n in first..=last {
        frame.call::<()>(n)?;
    }
    rcprobe::full_gc(lua)?;
    Ok(())
}

fn main() -> mlua::Result<()> {
    let lua = new_lua()?;
    lua.load(GAME).set_name("=game.lua").exec()?;
    let frame: Function = lua.globals().get("frame")?;
    println!("The bug: despawn() forgets the by_name index");
    frames(&lua, &frame, 1, 2)?;
    print_stats(&lua, "after 2 frames and rcprobe::full_gc()")?;

    let mut n = 2;
    let leaks = rcprobe::leaks(&lua, || {
        n += 1;
        frame.call::<()>(n)
    })?;
    println!("rcprobe::leaks(&lua, || frame.call(3)): {} left alive", leaks.len());
    let ids: Vec<rcprobe::Id> = leaks.iter().map(|leak| leak.id).collect();
    println!("{}", rcprobe::report(&lua, &ids)?);

    let growth = rcprobe::growth(
        &lua,
        || {
            n += 1;
            frame.call::<()>(n)
        },
        rcprobe::GrowthOptions::default(),
    )?;
    println!("rcprobe::growth(&lua, || frame.call(n), GrowthOptions::default()): grown {:?}", growth.grown);
    for key in &growth.grown {
        let changes: Vec<String> = growth.changes[key].iter().map(|change| format!("{change:+}")).collect();
        println!("  {key}: {} in the 5 counted runs", changes.join(" "));
        for path in growth.paths.get(key).into_iter().flatten() {
            println!("    new in the last run: {path}");
        }
    }
    print_stats(&lua, &format!("after {n} frames"))?;

    println!();
    println!("The fix: despawn() takes the entity out of the index too");
    lua.load(FIX).set_name("=fix.lua").exec()?;
    lua.load("by_name = {}").exec()?;
    rcprobe::full_gc(&lua)?;
    print_stats(&lua, "once by_name is emptied")?;
    let leaks = rcprobe::leaks(&lua, || {
        n += 1;
        frame.call::<()>(n)
    })?;
    println!("rcprobe::leaks: {} left alive", leaks.len());
    let growth = rcprobe::growth(
        &lua,
        || {
            n += 1;
            frame.call::<()>(n)
        },
        rcprobe::GrowthOptions::default(),
    )?;
    println!("rcprobe::growth: grown {:?}", growth.grown);
    print_stats(&lua, &format!("after {n} frames"))?;
    Ok(())
}
