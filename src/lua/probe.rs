//! A Probe: a Lua userdata that owns one strong reference to an object, until it is collected
//! or closed. These are its raw methods; `api.lua` wraps them.

use std::rc::Rc;

use mlua::{
    AnyUserData, Either, Lua, Result as LuaResult, Table, UserDataRef, UserDataRefMut, Value as LuaValue,
};

use crate::ledger::object::{Id, Shared};
use crate::ledger::stats::LabelId;
use crate::ledger::value::{self, Value};
use crate::ledger::{Counts, Ledger};
use crate::lua::misuse::{self, Misuse, Reply, raw};
use crate::lua::weak_probe::WeakProbe;

pub(crate) enum Probe {
    Open(Shared),
    /// After `close()`: the probe still answers for its id, label and counts.
    Closed {
        id: Id,
        label: LabelId,
    },
}

/// `self` as the raw methods receive it: mlua borrows a real Probe straight from the stack
/// (fast), and anything else arrives as a plain value to report.
pub(crate) type This = Either<UserDataRef<Probe>, LuaValue>;
type ThisMut = Either<UserDataRefMut<Probe>, LuaValue>;

impl Probe {
    pub(crate) fn id(&self) -> Id {
        match self {
            Probe::Open(object) => object.borrow().id(),
            Probe::Closed { id, .. } => *id,
        }
    }

    pub(crate) fn label(&self) -> LabelId {
        match self {
            Probe::Open(object) => object.borrow().label(),
            Probe::Closed { label, .. } => *label,
        }
    }

    /// The object, for operations that need this probe's strong reference.
    pub(crate) fn open(&self, arg: u8) -> Reply<&Shared> {
        match self {
            Probe::Open(object) => Ok(object),
            Probe::Closed { id, .. } => Err(Misuse::argument(arg, format!("probe #{id} is closed"))),
        }
    }

    pub(crate) fn counts(&self, ledger: &Ledger) -> Counts {
        match self {
            Probe::Open(object) => Counts::of(object),
            Probe::Closed { id, .. } => ledger.counts(*id),
        }
    }

    /// Drops this probe's strong reference now (the object drops too if it was the last).
    fn close(&mut self) {
        if let Probe::Open(_) = self {
            let closed = Probe::Closed { id: self.id(), label: self.label() };
            drop(std::mem::replace(self, closed));
        }
    }

    pub(crate) fn describe(&self, ledger: &Ledger) -> String {
        let label = String::from_utf8_lossy(&ledger.label_name(self.label())).into_owned();
        let Counts { strong, weak } = self.counts(ledger);
        let closed = if matches!(self, Probe::Closed { .. }) { "closed, " } else { "" };
        format!("Probe #{} \"{label}\" ({closed}strong {strong}, weak {weak})", self.id())
    }
}

pub(crate) fn this<T>(this: Either<T, LuaValue>) -> Reply<T> {
    misuse::this(this, "Probe")
}

/// Creates the userdata for a new strong reference.
pub(crate) fn push(lua: &Lua, object: Shared) -> LuaResult<AnyUserData> {
    lua.create_any_userdata(Probe::Open(object))
}

/// The raw methods, by name. `api.lua` turns misuse into errors and builds `__index`.
pub(crate) fn raw_methods(lua: &Lua, ledger: &Rc<Ledger>) -> LuaResult<Table> {
    let methods = lua.create_table()?;
    methods.set("id", raw(lua, |_, p: This| Ok(this(p)?.id()))?)?;
    let l = Rc::clone(ledger);
    methods.set(
        "label",
        raw(lua, move |lua, p: This| Ok(lua.create_string(l.label_name(this(p)?.label()))?))?,
    )?;
    methods.set("get", raw(lua, get)?)?;
    methods.set("set", raw(lua, set)?)?;
    methods.set("clone", raw(lua, clone)?)?;
    methods.set("downgrade", raw(lua, downgrade)?)?;
    let l = Rc::clone(ledger);
    methods.set("strong_count", raw(lua, move |_, p: This| Ok(this(p)?.counts(&l).strong))?)?;
    let l = Rc::clone(ledger);
    methods.set("weak_count", raw(lua, move |_, p: This| Ok(this(p)?.counts(&l).weak))?)?;
    methods.set("close", raw(lua, close)?)?;
    methods.set("is_closed", raw(lua, |_, p: This| Ok(matches!(*this(p)?, Probe::Closed { .. })))?)?;
    let l = Rc::clone(ledger);
    methods.set("link", raw(lua, move |lua, args| link(&l, lua, args))?)?;
    let l = Rc::clone(ledger);
    methods
        .set("unlink", raw(lua, move |_, p: This| Ok(l.links.unlink(this(p)?.open(1)?.borrow().id())))?)?;
    methods.set("attach", raw(lua, attach)?)?;
    let l = Rc::clone(ledger);
    methods.set("tostring", raw(lua, move |_, p: This| Ok(this(p)?.describe(&l)))?)?;
    // `__eq` never raises: Lua 5.3+ calls it with any value on one side.
    methods.set(
        "eq",
        lua.create_function(|_, (a, b): (This, This)| {
            Ok(matches!((a, b), (Either::Left(a), Either::Left(b)) if a.id() == b.id()))
        })?,
    )?;
    Ok(methods)
}

// The userdata borrows end before anything allocates Lua memory: an allocation can run a
// finalizer, and a finalizer may use this very probe.

fn clone(lua: &Lua, p: This) -> Reply<AnyUserData> {
    let object = Rc::clone(this(p)?.open(1)?);
    Ok(push(lua, object)?)
}

fn downgrade(lua: &Lua, p: This) -> Reply<AnyUserData> {
    let weak = WeakProbe::new(this(p)?.open(1)?);
    Ok(lua.create_any_userdata(weak)?)
}

fn get(lua: &Lua, p: This) -> Reply<LuaValue> {
    // Copied out first: a finalizer run by making the string may call `set` on this object.
    let value = this(p)?.open(1)?.borrow().value.clone();
    Ok(value.to_lua(lua)?)
}

fn set(_: &Lua, (p, value): (This, LuaValue)) -> Reply<()> {
    store(this(p)?.open(1)?, value)
}

/// Stores a copy of `value` (argument #2) in the object.
pub(crate) fn store(object: &Shared, value: LuaValue) -> Reply<()> {
    let value = Value::copy(&value).ok_or(Misuse::type_error(2, value::ACCEPTED, value))?;
    object.borrow_mut().value = value;
    Ok(())
}

fn close(_: &Lua, p: ThisMut) -> Reply<()> {
    match p {
        Either::Left(mut p) => {
            p.close();
            Ok(())
        }
        // A Probe that mlua cannot borrow mutably is the one `lend` is lending out.
        Either::Right(LuaValue::UserData(ud)) if ud.is::<Probe>() => {
            let id = ud.borrow_scoped::<Probe, _>(Probe::id)?;
            Err(Misuse::argument(1, format!("probe #{id} is lent out: close it after the loan")))
        }
        Either::Right(got) => Err(Misuse::type_error(1, "Probe", got)),
    }
}

fn link(ledger: &Ledger, lua: &Lua, (p, value): (This, LuaValue)) -> Reply<()> {
    let id = this(p)?.open(1)?.borrow().id();
    if value.is_nil() {
        return Err(Misuse::argument(2, "value expected"));
    }
    Ok(ledger.links.link(lua, id, value)?)
}

/// Stores `value` as the probe's user value, which the collector traces.
fn attach(_: &Lua, (p, value): (LuaValue, LuaValue)) -> Reply<()> {
    let not_a_probe = |got| Misuse::type_error(1, "Probe", got);
    let LuaValue::UserData(ud) = &p else {
        return Err(not_a_probe(p));
    };
    match ud.borrow_scoped::<Probe, _>(|probe| probe.open(1).map(|_| ())) {
        Ok(open) => open?,
        Err(_) => return Err(not_a_probe(p)),
    }
    Ok(ud.set_user_value(value)?)
}
