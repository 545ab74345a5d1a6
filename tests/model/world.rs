//! The real side of the host-side model test: one vendored Lua state with rcprobe, the host's
//! types (a `Thing` in a tracked `Rc<RefCell<...>>`, its `Handle`, an `Entity` counted by a
//! `Tally`), and what Rust keeps of them.
//!
//! The test finds Lua values by the model's numbers through two weak-valued tables that Rust
//! holds (no walk sees them, and they keep nothing alive). Rust holds a Lua value only for the
//! length of one operation, or in a `Link`, as a host does.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{AnyUserData, Function, Lua, Table, UserData, UserDataMethods, Value as LuaValue};

use crate::model::{Cid, Hid, Lid, Shape};

/// A host's object, shared as `Rc<RefCell<Thing>>`: its struct can hold Lua values.
#[derive(Default)]
pub struct Thing {
    pub touched: u32,
    pub links: Vec<(Lid, HostLink)>,
}

impl UserData for Thing {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method_mut("touch", |_, this, ()| {
            this.touched += 1;
            Ok(this.touched)
        });
    }
}

/// The host's userdata for a `Thing`: a clone of its `Rc`, declared with `rcprobe::handles`.
pub struct Handle(pub Rc<RefCell<Thing>>);

impl UserData for Handle {}

/// A host value counted by a Tally field, in Rust's own list or in a userdata.
pub struct Entity {
    pub tally: rcprobe::Tally,
    pub links: Vec<(Lid, HostLink)>,
}

impl UserData for Entity {}

/// A host struct's field holding a Lua value.
#[allow(dead_code)] // held for what it keeps alive, never read
pub enum HostLink {
    Table(rcprobe::Link<Table>),
    Function(rcprobe::Link<Function>),
}

/// What the operations do in Lua: a function that a host calls with a handle, and functions
/// lent a handle.
const HELPERS: &str = r#"
local rcprobe = rcprobe
local helpers = {}
-- The host passes h: Lua asks for its count (rcprobe meets it), and keeps it or not.
function helpers.pass(h, keep)
  local strong = rcprobe.strong_count(h)
  if keep then roots[#roots + 1] = h end
  return strong, rcprobe.id_of(h)
end
-- rcprobe::lend: counts and id during the loan; the handle is kept past it.
function helpers.lend_host(h)
  stale_loan = h
  local touched = h:touch()
  return rcprobe.strong_count(h), rcprobe.id_of(h), touched
end
function helpers.use_stale_loan()
  local ok, err = pcall(function() return stale_loan:touch() end)
  stale_loan = nil
  return ok, tostring(err)
end
function helpers.lend_probe(p)
  return rcprobe.lend(p, function(h) return h:strong_count(), h:weak_count(), rcprobe.id_of(h) end)
end
return helpers
"#;

pub struct World {
    pub lua: Lua,
    pub rcprobe: Table,
    pub roots: Table,
    /// hid -> handle, weak values.
    handles: Table,
    /// cid -> container (a table, or a closure), weak values.
    containers: Table,
    /// `function(t) return function() return t end end`.
    make_closure: Function,
    /// `paths.why`.
    pub why: Function,
    /// Lua functions the operations call (see `HELPERS`).
    pub helpers: Table,
    /// Rust's own clones of tracked `Rc`s, in the model's order.
    pub things: Vec<Rc<RefCell<Thing>>>,
    /// Entities Rust keeps itself, in the model's order.
    pub entities: Vec<Entity>,
    /// Host links with no owner, in the model's order.
    pub free_links: Vec<(Lid, HostLink)>,
}

fn weak_values(lua: &Lua) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.set_metatable(Some(lua.create_table_from([("__mode", "v")])?))?;
    Ok(table)
}

impl World {
    pub fn new() -> mlua::Result<World> {
        let lua = crate::common::interpreter_like_lua();
        let rcprobe = rcprobe::open(&lua)?;
        lua.globals().set("rcprobe", &rcprobe)?;
        rcprobe::handles::<Handle, _>(&lua, |handle| &handle.0)?;
        rcprobe::handles::<Entity, _>(&lua, |entity| &entity.tally)?;
        // LuaJIT: a compiled trace keeps the values it was compiled with alive (atlas 2d, the
        // entities example): the model counts what Lua code holds, so nothing is compiled.
        lua.load("roots = {} if jit then jit.off() end").exec()?;
        let roots = lua.globals().get("roots")?;
        let make_closure = lua.load("return function(t) return function() return t end end").eval()?;
        let why = lua.load("return require('rcprobe.paths').why").eval()?;
        let helpers = lua.load(HELPERS).set_name("=helpers").eval()?;
        lua.gc_stop();
        Ok(World {
            handles: weak_values(&lua)?,
            containers: weak_values(&lua)?,
            lua,
            rcprobe,
            roots,
            make_closure,
            why,
            helpers,
            things: Vec::new(),
            entities: Vec::new(),
            free_links: Vec::new(),
        })
    }

    pub fn function(&self, name: &str) -> mlua::Result<Function> {
        self.rcprobe.get(name)
    }

    pub fn register_handle(&self, hid: Hid, ud: &AnyUserData) -> mlua::Result<()> {
        self.handles.raw_set(hid, ud)
    }

    pub fn handle(&self, hid: Hid) -> mlua::Result<AnyUserData> {
        self.handles.raw_get(hid)
    }

    pub fn container(&self, cid: Cid) -> mlua::Result<LuaValue> {
        let value: LuaValue = self.containers.raw_get(cid)?;
        if value.is_nil() {
            return Err(mlua::Error::runtime(format!("container {cid} is gone")));
        }
        Ok(value)
    }

    /// The table of a container's values (a closure's upvalue).
    pub fn contents(&self, cid: Cid) -> mlua::Result<Table> {
        match self.container(cid)? {
            LuaValue::Table(table) => Ok(table),
            LuaValue::Function(closure) => closure.call(()),
            other => Err(mlua::Error::runtime(format!("container {cid} is a {}", other.type_name()))),
        }
    }

    /// A new container of these values, in this order.
    pub fn new_container(&self, cid: Cid, shape: Shape, values: Vec<LuaValue>) -> mlua::Result<LuaValue> {
        let table = self.lua.create_sequence_from(values)?;
        let value = match shape {
            Shape::Table => LuaValue::Table(table),
            Shape::Closure => LuaValue::Function(self.make_closure.call(table)?),
        };
        self.containers.raw_set(cid, &value)?;
        Ok(value)
    }
}
