//! The host's own objects in rcprobe's sight: tracked `Rc`s and their userdata, Tallies,
//! watched Lua values and Links, on a vendored Lua.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{Function, Table, UserData, UserDataMethods, Value};

mod common;

use common::{eval, lua_with_rcprobe};

struct Data {
    visits: u32,
}

impl UserData for Data {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method_mut("visit", |_, this, ()| {
            this.visits += 1;
            Ok(this.visits)
        });
    }
}

/// The article's handle: a newtype around the host's `Rc`.
struct DataHandle(Rc<RefCell<Data>>);

impl UserData for DataHandle {}

#[test]
fn tracking_the_same_rc_twice_gives_one_id_and_counts_it_once() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let data = Rc::new(RefCell::new(Data { visits: 0 }));
    let id = rcprobe::track(&lua, &data, "data")?;
    assert_eq!(id, rcprobe::track(&lua, &data, "another label")?);
    let stats = rcprobe::stats_of(&lua, "data")?;
    assert_eq!((1, 1), (stats.created, stats.alive()));
    assert_eq!(0, rcprobe::stats_of(&lua, "another label")?.created, "the first label stands");
    Ok(())
}

#[test]
fn a_tracked_rc_that_drops_leaves_stats_live_and_leaks_without_a_collection() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    lua.gc_stop();
    let data = Rc::new(RefCell::new(Data { visits: 0 }));
    let id = rcprobe::track(&lua, &data, "data")?;
    assert_eq!(vec![id], rcprobe::live(&lua, Some("data"))?);
    drop(data);
    assert!(rcprobe::live(&lua, Some("data"))?.is_empty());
    assert_eq!(1, rcprobe::stats_of(&lua, "data")?.dropped);
    assert!(!rcprobe::is_alive(&lua, id)?);
    Ok(())
}

#[test]
fn many_tracked_rcs_that_come_and_go_are_each_counted_once() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let kept: Vec<Rc<u32>> = (0..3000).map(Rc::new).collect();
    for rc in &kept {
        rcprobe::track(&lua, rc, "kept")?;
    }
    for n in 0..20_000 {
        let passing = Rc::new(n);
        rcprobe::track(&lua, &passing, "passing")?;
    }
    let (kept_stats, passing) = (rcprobe::stats_of(&lua, "kept")?, rcprobe::stats_of(&lua, "passing")?);
    assert_eq!((3000, 3000), (kept_stats.created, kept_stats.alive()));
    assert_eq!((20_000, 20_000, 0), (passing.created, passing.dropped, passing.alive()));
    assert_eq!(3000, rcprobe::live(&lua, None)?.len());
    Ok(())
}

#[test]
fn a_userdata_that_stores_a_tracked_rc_is_its_handle_without_a_declaration() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let data = Rc::new(RefCell::new(Data { visits: 0 }));
    let id = rcprobe::track(&lua, &data, "data")?;
    lua.globals().set("handle", lua.create_userdata(Rc::clone(&data))?)?;
    let (id_of, strong, visits): (u32, usize, u32) =
        eval(&lua, "return rcprobe.id_of(handle), rcprobe.strong_count(handle), handle:visit()")?;
    assert_eq!((id, 2, 1), (id_of, strong, visits));
    Ok(())
}

#[test]
fn a_newtype_handle_is_recognised_once_its_type_is_declared() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let data = Rc::new(RefCell::new(Data { visits: 0 }));
    let id = rcprobe::track(&lua, &data, "data")?;
    lua.globals().set("handle", DataHandle(Rc::clone(&data)))?;
    assert_eq!(None, eval::<Option<u32>>(&lua, "return rcprobe.id_of(handle)")?, "not declared yet");
    rcprobe::handles::<DataHandle, _>(&lua, |handle| &handle.0)?;
    assert_eq!(Some(id), eval::<Option<u32>>(&lua, "return rcprobe.id_of(handle)")?);
    let info: Table = eval(&lua, "return rcprobe.info(handle)")?;
    assert_eq!("rc", info.get::<String>("kind")?);
    assert_eq!(2, info.get::<usize>("strong")?);
    Ok(())
}

#[test]
fn a_handle_of_an_untracked_rc_is_not_a_handle() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    rcprobe::handles::<DataHandle, _>(&lua, |handle| &handle.0)?;
    lua.globals().set("handle", DataHandle(Rc::new(RefCell::new(Data { visits: 0 }))))?;
    assert_eq!(None, eval::<Option<u32>>(&lua, "return rcprobe.id_of(handle)")?);
    let err = lua.load("return rcprobe.strong_count(handle)").exec().unwrap_err().to_string();
    // Without the debug library, mlua's metatable is out of Lua's reach, and the type name too.
    assert!(err.contains("Probe, WeakProbe or id expected, got "), "{err}");
    Ok(())
}

struct Entity {
    _tally: rcprobe::Tally,
}

impl UserData for Entity {}

#[test]
fn a_tally_counts_each_instance_exactly_from_creation_to_drop() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let first = Entity { _tally: rcprobe::Tally::new(&lua, "Entity")? };
    let second = Entity { _tally: first._tally.clone() };
    assert_ne!(first._tally.id(), second._tally.id(), "a clone is a new instance");
    let stats = rcprobe::stats_of(&lua, "Entity")?;
    assert_eq!((2, 2, 2), (stats.created, stats.alive(), stats.peak));
    drop(first);
    let stats = rcprobe::stats_of(&lua, "Entity")?;
    assert_eq!((1, 1), (stats.dropped, stats.alive()));
    assert_eq!(vec![second._tally.id()], rcprobe::live(&lua, Some("Entity"))?);
    Ok(())
}

#[test]
fn a_tally_in_a_userdata_goes_when_lua_collects_it_and_has_no_reference_count() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    rcprobe::handles::<Entity, _>(&lua, |entity| &entity._tally)?;
    let entity = lua.create_userdata(Entity { _tally: rcprobe::Tally::new(&lua, "Entity")? })?;
    let id = entity.borrow::<Entity>()?._tally.id();
    lua.globals().set("entity", entity)?;
    let (id_of, alive, kind): (u32, bool, String) =
        eval(&lua, "return rcprobe.id_of(entity), rcprobe.is_alive(entity), rcprobe.info(entity).kind")?;
    assert_eq!((id, true, "tally".to_string()), (id_of, alive, kind));
    let err = lua.load(format!("return rcprobe.strong_count({id})")).exec().unwrap_err().to_string();
    assert!(
        err.contains(&format!("object #{id} \"Entity\" is counted by a Tally: it has no reference count")),
        "{err}"
    );
    lua.load("entity = nil").exec()?;
    rcprobe::full_gc(&lua)?;
    assert!(!rcprobe::is_alive(&lua, id)?);
    assert_eq!(1, rcprobe::stats_of(&lua, "Entity")?.dropped);
    Ok(())
}

#[test]
fn a_watched_value_is_alive_until_a_collection_finds_it_unreachable() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    lua.gc_stop();
    let table = lua.create_table()?;
    let id = rcprobe::watch(&lua, &table, "entry")?;
    assert_eq!(id, rcprobe::watch(&lua, &table, "entry")?, "the same value, the same id");
    lua.gc_collect()?;
    assert!(rcprobe::is_alive(&lua, id)?, "Rust holds it");
    drop(table);
    assert!(rcprobe::is_alive(&lua, id)?, "no collection has run");
    assert_eq!(vec![id], rcprobe::live(&lua, Some("entry"))?);
    lua.gc_collect()?;
    assert!(!rcprobe::is_alive(&lua, id)?);
    assert!(rcprobe::live(&lua, Some("entry"))?.is_empty());
    let stats = rcprobe::stats_of(&lua, "entry")?;
    assert_eq!((1, 1), (stats.created, stats.dropped));
    Ok(())
}

#[test]
fn watch_refuses_values_the_collector_does_not_free() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let before = rcprobe::stats(&lua)?;
    for value in [Value::Nil, Value::Integer(1), Value::Boolean(true), Value::String(lua.create_string("s")?)]
    {
        let err = rcprobe::watch(&lua, value, "x").unwrap_err().to_string();
        assert!(err.contains("watch: table, function, thread or userdata expected, got "), "{err}");
    }
    assert_eq!(before, rcprobe::stats(&lua)?, "a refused call changes nothing");
    Ok(())
}

#[test]
fn a_link_is_recorded_while_rust_holds_it_and_names_its_owner() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let owner = rcprobe::Tally::new(&lua, "Button")?;
    let on_click: Function = eval(&lua, "return function() return 'clicked' end")?;
    let link = rcprobe::Link::with_owner(&lua, owner.id(), "Button.on_click", on_click)?;
    assert_eq!("clicked", link.call::<String>(())?);
    let links: Table = eval(&lua, "return rcprobe._internal.links()")?;
    let first: Table = links.get(1)?;
    assert_eq!("Button.on_click", first.get::<String>("label")?);
    assert_eq!(owner.id(), first.get::<u32>("owner")?);
    assert!(first.get::<Function>("value")? == *link);
    let linked: bool = eval(&lua, &format!("return rcprobe.info({}).linked", owner.id()))?;
    assert!(linked);

    drop(link);
    let links: Table = eval(&lua, "return rcprobe._internal.links()")?;
    assert_eq!(0, links.raw_len());
    let linked: bool = eval(&lua, &format!("return rcprobe.info({}).linked", owner.id()))?;
    assert!(!linked);
    Ok(())
}

#[test]
fn the_record_of_a_link_keeps_nothing_alive() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let table = lua.create_table()?;
    let id = rcprobe::watch(&lua, &table, "linked table")?;
    let link = rcprobe::Link::new(&lua, "Host.table", table)?;
    rcprobe::full_gc(&lua)?;
    assert!(rcprobe::is_alive(&lua, id)?, "the Link holds it");
    drop(link);
    rcprobe::full_gc(&lua)?;
    assert!(!rcprobe::is_alive(&lua, id)?, "the record did not");
    Ok(())
}

#[test]
fn link_with_owner_refuses_an_id_the_state_never_issued() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let err = rcprobe::Link::with_owner(&lua, 99, "x", 1).unwrap_err().to_string();
    assert!(err.contains("Link::with_owner: no object #99 in this Lua state"), "{err}");
    Ok(())
}

#[test]
fn the_tables_that_knew_many_watched_values_are_given_back_once_all_are_gone() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    rcprobe::watch(&lua, lua.create_table()?, "warm-up")?; // the tables exist from here
    rcprobe::full_gc(&lua)?;
    let before = lua.used_memory();
    for _ in 0..100_000 {
        rcprobe::watch(&lua, lua.create_table()?, "passing")?;
    }
    rcprobe::full_gc(&lua)?;
    assert_eq!(0, rcprobe::stats_of(&lua, "passing")?.alive(), "the sweep sees them all gone");
    rcprobe::full_gc(&lua)?;
    let after = lua.used_memory();
    assert!(after < before + 256 * 1024, "{before} bytes before, {after} after");
    let id = rcprobe::watch(&lua, lua.globals(), "globals")?;
    assert!(rcprobe::is_alive(&lua, id)?, "watching goes on");
    Ok(())
}
