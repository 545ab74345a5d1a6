//! A WeakProbe: a Lua userdata that owns one `Weak` to an object, made by `p:downgrade()`.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use mlua::{Either, Lua, Result as LuaResult, Table, UserDataRef, Value as LuaValue};

use crate::ledger::Counts;
use crate::ledger::object::{Id, Object, Shared};
use crate::lua::misuse::{self, Reply, raw};
use crate::lua::probe;

pub(crate) struct WeakProbe {
    object: Weak<RefCell<Object>>,
    /// Kept here because a `Weak` cannot tell it once the object is gone.
    id: Id,
}

type This = Either<UserDataRef<WeakProbe>, LuaValue>;

impl WeakProbe {
    pub(crate) fn new(object: &Shared) -> Self {
        WeakProbe { object: Rc::downgrade(object), id: object.borrow().id() }
    }

    pub(crate) fn id(&self) -> Id {
        self.id
    }

    pub(crate) fn counts(&self) -> Counts {
        Counts::of_weak(&self.object)
    }

    fn describe(&self) -> String {
        let Counts { strong, weak } = self.counts();
        format!("WeakProbe #{} (strong {strong}, weak {weak})", self.id)
    }
}

fn this(this: This) -> Reply<UserDataRef<WeakProbe>> {
    misuse::this(this, "WeakProbe")
}

/// The raw methods, by name. `api.lua` turns misuse into errors and builds `__index`.
pub(crate) fn raw_methods(lua: &Lua) -> LuaResult<Table> {
    let methods = lua.create_table()?;
    methods.set(
        "upgrade",
        raw(lua, |lua, w: This| {
            let object = this(w)?.object.upgrade();
            Ok(match object {
                Some(object) => Some(probe::push(lua, object)?),
                None => None,
            })
        })?,
    )?;
    methods.set("id", raw(lua, |_, w: This| Ok(this(w)?.id))?)?;
    methods.set("strong_count", raw(lua, |_, w: This| Ok(this(w)?.counts().strong))?)?;
    methods.set("weak_count", raw(lua, |_, w: This| Ok(this(w)?.counts().weak))?)?;
    methods.set("is_alive", raw(lua, |_, w: This| Ok(this(w)?.counts().strong > 0))?)?;
    methods.set("tostring", raw(lua, |_, w: This| Ok(this(w)?.describe()))?)?;
    Ok(methods)
}
