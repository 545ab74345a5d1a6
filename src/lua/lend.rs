//! `rcprobe.lend(p, fn, ...)`: lend Lua a handle that owns no reference, the fix for the
//! article's scenario. The counts never rise, so nothing waits for the collector.
//!
//! Why not `Lua::scope`: a scoped userdata is destructed when the scope ends, and any later
//! use (even looking up a method) raises mlua's own userdata error, which is not a string
//! and cannot name the probe. So a LentProbe keeps only the object's id and a flag that
//! the loan is still on; it reaches the object through the ledger's own `Weak`. While the
//! loan lasts, `lend` keeps `p` borrowed, which keeps the object alive (as a Rust borrow
//! would) and makes `p:close()` refuse until the loan ends.

use std::cell::Cell;
use std::rc::Rc;

use mlua::{Either, Lua, MultiValue, Result as LuaResult, Table, UserDataRef, Value as LuaValue};

use crate::ledger::object::{Id, Shared};
use crate::ledger::{Counts, Ledger};
use crate::lua::misuse::{self, Misuse, Reply, raw};
use crate::lua::pass::{Caller, callable};
use crate::lua::probe::{self, This as ProbeArg};

pub(crate) struct LentProbe {
    id: Id,
    /// Shared with `lend`, which turns it off when the call returns or raises.
    on_loan: Rc<Cell<bool>>,
}

type This = Either<UserDataRef<LentProbe>, LuaValue>;

impl LentProbe {
    /// The id while the loan lasts.
    pub(crate) fn live_id(&self) -> Option<Id> {
        self.on_loan.get().then_some(self.id)
    }

    /// The id, or the error that says the loan is over (argument `arg`).
    pub(crate) fn id(&self, arg: u8) -> Reply<Id> {
        self.live_id()
            .ok_or_else(|| Misuse::argument(arg, format!("the loan of probe #{} has ended", self.id)))
    }

    pub(crate) fn counts(&self, ledger: &Ledger, arg: u8) -> Reply<Counts> {
        Ok(ledger.counts(self.id(arg)?))
    }

    /// A temporary strong reference, for one operation: the loan keeps the object alive.
    fn object(&self, ledger: &Ledger) -> Reply<Shared> {
        let id = self.id(1)?;
        ledger.upgrade(id).ok_or_else(|| Misuse::argument(1, format!("probe #{id} is gone")))
    }
}

fn this(this: This) -> Reply<UserDataRef<LentProbe>> {
    misuse::this(this, "LentProbe")
}

pub(crate) fn lend(
    caller: &Caller,
    lua: &Lua,
    (p, function, mut args): (ProbeArg, LuaValue, MultiValue),
) -> Reply<MultiValue> {
    let p = probe::this(p)?; // held until the loan ends: `p` cannot be closed meanwhile
    let id = p.open(1)?.borrow().id();
    let function = callable(2, function)?;
    let loan = Loan(Rc::new(Cell::new(true)));
    let handle = lua.create_any_userdata(LentProbe { id, on_loan: Rc::clone(&loan.0) })?;
    args.push_front(LuaValue::UserData(handle));
    caller.call(function, args)
    // `loan`, then `p`, drop here: even when a panic unwinds through the call.
}

/// Ends the loan when dropped.
struct Loan(Rc<Cell<bool>>);

impl Drop for Loan {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// The raw methods, by name. `api.lua` turns misuse into errors and builds `__index`.
pub(crate) fn raw_methods(lua: &Lua, ledger: &Rc<Ledger>) -> LuaResult<Table> {
    let methods = lua.create_table()?;
    methods.set("id", raw(lua, |_, h: This| this(h)?.id(1))?)?;
    let l = Rc::clone(ledger);
    methods.set(
        "label",
        raw(lua, move |lua, h: This| {
            let label = this(h)?.object(&l)?.borrow().label();
            Ok(lua.create_string(l.label_name(label))?)
        })?,
    )?;
    let l = Rc::clone(ledger);
    methods.set(
        "get",
        raw(lua, move |lua, h: This| {
            let value = this(h)?.object(&l)?.borrow().value.clone();
            Ok(value.to_lua(lua)?)
        })?,
    )?;
    let l = Rc::clone(ledger);
    methods.set(
        "set",
        raw(lua, move |_, (h, value): (This, LuaValue)| {
            let object = this(h)?.object(&l)?;
            probe::store(&object, value)
        })?,
    )?;
    let l = Rc::clone(ledger);
    methods.set("clone", raw(lua, move |lua, h: This| Ok(probe::push(lua, this(h)?.object(&l)?)?))?)?;
    let l = Rc::clone(ledger);
    methods.set("strong_count", raw(lua, move |_, h: This| Ok(this(h)?.counts(&l, 1)?.strong))?)?;
    let l = Rc::clone(ledger);
    methods.set("weak_count", raw(lua, move |_, h: This| Ok(this(h)?.counts(&l, 1)?.weak))?)?;
    let l = Rc::clone(ledger);
    methods.set(
        "tostring",
        raw(lua, move |_, h: This| {
            let h = this(h)?;
            Ok(match h.live_id() {
                Some(id) => {
                    let Counts { strong, weak } = l.counts(id);
                    format!("LentProbe #{id} (strong {strong}, weak {weak})")
                }
                None => format!("LentProbe #{} (loan ended)", h.id),
            })
        })?,
    )?;
    Ok(methods)
}
