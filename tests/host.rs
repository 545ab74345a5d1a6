//! The embedding API: a Rust host tracks and lends its own `Rc` values to Lua.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{Function, UserData, UserDataMethods};

mod common;

use common::lua_with_rcprobe;

/// A host type, unknown to rcprobe.
struct Document {
    title: String,
}

impl UserData for Document {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("title", |_, this, ()| Ok(this.title.clone()));
    }
}

#[test]
fn lua_sees_the_counts_of_a_tracked_host_rc() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let document = Rc::new(RefCell::new(Document { title: "draft".into() }));
    let id = rcprobe::track(&lua, &document, "document")?;
    lua.globals().set("id", id)?;

    let counts: (usize, usize) =
        lua.load("return rcprobe.strong_count(id), rcprobe.weak_count(id)").eval()?;
    assert_eq!((1, 0), counts, "rcprobe's own Weak is not counted");

    let clone = Rc::clone(&document);
    let weak = Rc::downgrade(&document);
    let counts: (usize, usize) =
        lua.load("return rcprobe.strong_count(id), rcprobe.weak_count(id)").eval()?;
    assert_eq!((2, 1), counts);
    assert_eq!(2, Rc::strong_count(&document), "asking changed nothing");
    assert_eq!(2, Rc::weak_count(&document), "the host's Weak and rcprobe's");

    let info: mlua::Table = lua.load("return rcprobe.info(id)").eval()?;
    assert_eq!("document", info.get::<String>("label")?);
    let live: Vec<u32> = lua.load("return rcprobe.live('document')").eval()?;
    assert_eq!(vec![id], live);

    drop((clone, document));
    assert!(weak.upgrade().is_none());
    let (strong, alive, dropped): (usize, bool, u64) = lua
        .load("return rcprobe.strong_count(id), rcprobe.is_alive(id), rcprobe.stats('document').dropped")
        .eval()?;
    assert_eq!((0, false, 1), (strong, alive, dropped));
    assert_eq!(Some(rcprobe::Counts { strong: 0, weak: 0 }), rcprobe::counts(&lua, id)?);
    Ok(())
}

#[test]
fn tracked_ids_share_the_sequence_of_probe_ids() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let first: u32 = lua.load("return rcprobe.new():id()").eval()?;
    let host = Rc::new(1);
    let tracked = rcprobe::track(&lua, &host, "number")?;
    let next: u32 = lua.load("return rcprobe.new():id()").eval()?;
    assert_eq!((first + 1, first + 2), (tracked, next));
    assert_eq!(None, rcprobe::counts(&lua, next + 1)?, "never issued");
    Ok(())
}

#[test]
fn a_lent_host_rc_never_raises_its_count() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let document = Rc::new(Document { title: "lent".into() });
    let id = rcprobe::track(&lua, &document, "document")?;
    lua.globals().set("id", id)?;
    let read: Function = lua
        .load(
            r#"
            return function(doc, suffix)
                kept = doc
                return doc:title() .. suffix, rcprobe.strong_count(id)
            end
            "#,
        )
        .eval()?;

    lua.gc_stop();
    let (title, strong_inside): (String, usize) = rcprobe::lend(&lua, &document, &read, "!")?;
    assert_eq!(("lent!".to_string(), 1), (title, strong_inside));
    assert_eq!(1, Rc::strong_count(&document), "nothing waits for the collector");

    let (kind, late): (String, String) =
        lua.load("local ok, err = pcall(function() return kept:title() end) return type(err), err").eval()?;
    assert_eq!("string", kind, "the loan ended with the call, and says so in a string");
    assert!(
        late.ends_with(&format!(
            "attempt to use a Document value (the loan of object #{id} \"document\" has ended)"
        )),
        "{late}"
    );
    Ok(())
}

#[test]
fn a_host_can_watch_an_object_lua_created() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let id: u32 = lua.load("probe = rcprobe.new('kept') return probe:id()").eval()?;
    let weak = rcprobe::downgrade(&lua, id)?.expect("alive");
    assert_eq!(1, weak.strong_count());
    lua.load("probe:close()").exec()?;
    assert_eq!(0, weak.strong_count());
    assert!(rcprobe::downgrade(&lua, id)?.is_none());
    assert_eq!(1, rcprobe::stats(&lua)?.dropped);
    Ok(())
}
