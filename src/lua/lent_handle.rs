//! A LentHandle: what Lua code gets when a Rust host lends it one of its objects
//! (`rcprobe::lend`).
//!
//! The object is lent as mlua's scoped userdata (`Lua::scope`), which borrows it and owns no
//! reference, so the counts never rise. But a scoped userdata used after its scope raises
//! mlua's own error, a userdata rather than a string, which names nothing. So Lua code gets a
//! LentHandle instead, a userdata of rcprobe's that forwards every use (methods, fields,
//! metamethods: `api.lua`) to the scoped one while the loan lasts and, after it, raises a string
//! error naming the loan, as a LentProbe does.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{AnyUserData, Lua, Result as LuaResult, Table, Value as LuaValue};

use crate::ledger::object::Id;
use crate::ledger::{Counts, Ledger};
use crate::lua::misuse::{Misuse, Reply};

/// One loan of a host object, shared by its LentHandle and by `lend`, which ends it.
pub(crate) struct Loan {
    /// The scoped userdata that borrows the object; `None` once the loan has ended.
    lent: RefCell<Option<AnyUserData>>,
    /// The object's id, when the host tracks it.
    id: Option<Id>,
    /// How messages name the object: `object #3 "session"`, or `this Document`.
    name: String,
    /// The lent type's name, as Lua knows it (`__name`).
    type_name: String,
}

impl Loan {
    /// Starts the loan of `lent`, a scoped userdata that borrows the `Rc` allocated at `address`.
    pub(crate) fn start(ledger: &Ledger, address: usize, lent: AnyUserData) -> LuaResult<Rc<Loan>> {
        let type_name = lent.type_name()?.to_string_lossy();
        let id = ledger.tracked_id(address);
        let name = match id {
            Some(id) => match ledger.info(id).label {
                Some(label) => format!("object #{id} \"{}\"", String::from_utf8_lossy(&label)),
                None => format!("object #{id}"),
            },
            None => format!("this {type_name}"),
        };
        Ok(Rc::new(Loan { lent: RefCell::new(Some(lent)), id, name, type_name }))
    }

    /// Ends the loan: from now on, every use of its handle raises.
    pub(crate) fn end(&self) {
        let lent = self.lent.borrow_mut().take();
        drop(lent); // the borrow of `lent` is over before the handle is dropped
    }

    fn is_on(&self) -> bool {
        self.lent.borrow().is_some()
    }

    fn ended(&self) -> String {
        format!("the loan of {} has ended", self.name)
    }
}

pub(crate) struct LentHandle(Rc<Loan>);

impl LentHandle {
    pub(crate) fn new(loan: Rc<Loan>) -> LentHandle {
        LentHandle(loan)
    }

    /// The object's id while the loan lasts, if the host tracks it.
    pub(crate) fn live_id(&self) -> Option<Id> {
        if self.0.is_on() { self.0.id } else { None }
    }

    /// The object's id, or why there is none (argument `arg`).
    pub(crate) fn id(&self, arg: u8) -> Reply<Id> {
        match (self.0.is_on(), self.0.id) {
            (true, Some(id)) => Ok(id),
            (true, None) => {
                Err(Misuse::argument(arg, format!("the lent {} is not tracked", self.0.type_name)))
            }
            (false, _) => Err(Misuse::argument(arg, self.0.ended())),
        }
    }

    pub(crate) fn counts(&self, ledger: &Ledger, arg: u8) -> Reply<Counts> {
        Ok(ledger.counts(self.id(arg)?))
    }

    /// The scoped userdata while the loan lasts, or the message of the error to raise.
    fn lent(&self) -> Result<AnyUserData, String> {
        let lent = self.0.lent.borrow().clone();
        lent.ok_or_else(|| format!("attempt to use a {} value ({})", self.0.type_name, self.0.ended()))
    }
}

/// The raw functions `api.lua` builds a LentHandle's metatable with.
pub(crate) fn raw_functions(lua: &Lua) -> LuaResult<Table> {
    let functions = lua.create_table()?;
    // `lent(value)`: for a LentHandle, the scoped userdata it stands for, or `nil, message` once
    // the loan has ended; any other value is returned as it is.
    functions.set(
        "lent",
        lua.create_function(|_, value: LuaValue| {
            let LuaValue::UserData(ud) = &value else { return Ok((value, None)) };
            if !ud.is::<LentHandle>() {
                return Ok((value, None));
            }
            let lent = ud.borrow_scoped::<LentHandle, _>(LentHandle::lent)?;
            Ok(match lent {
                Ok(lent) => (LuaValue::UserData(lent), None),
                Err(message) => (LuaValue::Nil, Some(message)),
            })
        })?,
    )?;
    // `metamethod(value, name)`: the metamethod of a userdata or table, read past the
    // `__metatable` field that hides mlua's metatables from `getmetatable`; nil if none.
    functions.set(
        "metamethod",
        lua.create_function(|_, (value, name): (LuaValue, String)| {
            Ok(match value {
                LuaValue::UserData(ud) => match ud.metatable() {
                    Ok(metatable) => metatable.get::<LuaValue>(name.as_str()).unwrap_or(LuaValue::Nil),
                    Err(_) => LuaValue::Nil, // not one of mlua's userdata, or destructed
                },
                LuaValue::Table(table) => match table.metatable() {
                    Some(metatable) => metatable.raw_get(name)?,
                    None => LuaValue::Nil,
                },
                _ => LuaValue::Nil,
            })
        })?,
    )?;
    Ok(functions)
}
