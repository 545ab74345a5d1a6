//! `rcprobe.new([value [, opts]])`: a new object and the Probe that owns it.

use std::rc::Rc;

use mlua::{AnyUserData, Lua, Value as LuaValue};

use crate::ledger::Ledger;
use crate::ledger::stats::DEFAULT_LABEL;
use crate::ledger::value::{self, Value};
use crate::lua::misuse::{Misuse, Reply};
use crate::lua::probe;

/// The largest `opts.bytes`: 1 GiB.
pub(crate) const MAX_BYTES: i64 = 1 << 30;

struct Options {
    label: Option<Vec<u8>>,
    bytes: usize,
}

pub(crate) fn new(ledger: &Rc<Ledger>, lua: &Lua, (value, opts): (LuaValue, LuaValue)) -> Reply<AnyUserData> {
    let value = Value::copy(&value).ok_or(Misuse::type_error(1, value::ACCEPTED, value))?;
    let Options { label, bytes } = Options::read(opts)?;
    let object = ledger.create(value, label.as_deref().unwrap_or(DEFAULT_LABEL), bytes)?;
    Ok(probe::push(lua, object)?)
}

impl Options {
    /// Reads `opts` (argument #2), refusing unknown names: a typo must not pass silently.
    fn read(opts: LuaValue) -> Reply<Options> {
        let mut options = Options { label: None, bytes: 0 };
        let table = match opts {
            LuaValue::Nil => return Ok(options),
            LuaValue::Table(table) => table,
            got => {
                return Err(Misuse::type_error(2, "table", got));
            }
        };
        for pair in table.pairs::<LuaValue, LuaValue>() {
            let (key, value) = pair?;
            let name = match &key {
                LuaValue::String(name) => name.to_string_lossy(),
                _ => {
                    return Err(Misuse::argument(
                        2,
                        format!("option names are strings, got {}", type_name(&key)),
                    ));
                }
            };
            match (name.as_str(), value) {
                ("label", LuaValue::String(label)) => options.label = Some(label.as_bytes().to_vec()),
                ("label", other) => return Err(bad_option("label", "string", type_name(&other))),
                ("bytes", value) => {
                    options.bytes = read_bytes(&value).ok_or_else(|| {
                        let got = match value {
                            LuaValue::Integer(n) => n.to_string(),
                            LuaValue::Number(n) => n.to_string(),
                            other => type_name(&other).to_owned(),
                        };
                        bad_option("bytes", &format!("integer from 0 to {MAX_BYTES}"), &got)
                    })?
                }
                (name, _) => return Err(Misuse::argument(2, format!("unknown option '{name}'"))),
            }
        }
        Ok(options)
    }
}

fn read_bytes(value: &LuaValue) -> Option<usize> {
    let bytes = match *value {
        LuaValue::Integer(n) => n,
        LuaValue::Number(n) if n.fract() == 0.0 && n.abs() <= MAX_BYTES as f64 => n as i64,
        _ => return None,
    };
    (0..=MAX_BYTES).contains(&bytes).then_some(bytes as usize)
}

fn bad_option(name: &str, expected: &str, got: &str) -> Misuse {
    Misuse::argument(2, format!("option '{name}': {expected} expected, got {got}"))
}

/// Lua's name for the type of `value` (mlua says "integer" where Lua says "number").
pub(crate) fn type_name(value: &LuaValue) -> &'static str {
    match value {
        LuaValue::Integer(_) | LuaValue::Number(_) => "number",
        LuaValue::LightUserData(_) => "userdata",
        other => other.type_name(),
    }
}
