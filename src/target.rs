//! What `strong_count`, `weak_count`, `is_alive` and `release` accept: a Probe, a WeakProbe or
//! the id of an object of this Lua state.

use mlua::{AnyUserData, Value as LuaValue};

use crate::ledger::{Counts, Ledger};
use crate::misuse::{Misuse, Reply};
use crate::object::Id;
use crate::probe::Probe;
use crate::weak_probe::WeakProbe;

const EXPECTED: &str = "Probe, WeakProbe or id";

/// The counts of the object `value` names.
pub(crate) fn counts(ledger: &Ledger, arg: u8, value: LuaValue) -> Reply<Counts> {
    match value {
        LuaValue::UserData(ud) => {
            with_handle(&ud, |p| p.counts(ledger), WeakProbe::counts).ok_or(Misuse::Type {
                arg,
                expected: EXPECTED,
                got: LuaValue::UserData(ud),
            })
        }
        value => Ok(ledger.counts(issued_id(ledger, arg, value)?)),
    }
}

/// The id of the object `value` names.
pub(crate) fn id(ledger: &Ledger, arg: u8, value: LuaValue) -> Reply<Id> {
    match value {
        LuaValue::UserData(ud) => with_handle(&ud, Probe::id, WeakProbe::id).ok_or(Misuse::Type {
            arg,
            expected: EXPECTED,
            got: LuaValue::UserData(ud),
        }),
        value => issued_id(ledger, arg, value),
    }
}

/// The id of a Probe or WeakProbe, or `None` for anything else.
pub(crate) fn id_of(value: &LuaValue) -> Option<Id> {
    match value {
        LuaValue::UserData(ud) => with_handle(ud, Probe::id, WeakProbe::id),
        _ => None,
    }
}

fn with_handle<R>(
    ud: &AnyUserData,
    probe: impl FnOnce(&Probe) -> R,
    weak: impl FnOnce(&WeakProbe) -> R,
) -> Option<R> {
    if ud.is::<Probe>() {
        ud.borrow_scoped(probe).ok()
    } else {
        ud.borrow_scoped(weak).ok()
    }
}

/// An id this Lua state issued, from a Lua number.
fn issued_id(ledger: &Ledger, arg: u8, value: LuaValue) -> Reply<Id> {
    let id = match value {
        LuaValue::Integer(id) => id,
        LuaValue::Number(n) if n.fract() == 0.0 && n.abs() < 2f64.powi(63) => n as i64,
        LuaValue::Number(_) => {
            return Err(Misuse::argument(
                arg,
                "number has no integer representation",
            ));
        }
        got => {
            return Err(Misuse::Type {
                arg,
                expected: EXPECTED,
                got,
            });
        }
    };
    if ledger.is_issued(id) {
        Ok(id as Id)
    } else {
        Err(Misuse::argument(
            arg,
            format!("no object #{id} in this Lua state"),
        ))
    }
}
