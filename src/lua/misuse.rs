//! Misuse of the Lua API and how it reaches Lua as an error *string*.
//!
//! mlua raises the errors that Rust callbacks return as userdata, which stock Lua 5.1 prints as
//! "(error object is not a string)" and which `assert.has_error(fn, "message")` cannot match.
//! So the raw Rust functions never fail through mlua: they return `nil, misuse` (mlua's
//! `Result` convention), and the Lua wrappers in `api.lua` turn the misuse into `error(...)`
//! with Lua's own wording and the caller's position.

use crate::ledger::IdsExhausted;
use mlua::{
    Either, FromLuaMulti, Function, IntoLua, IntoLuaMulti, Lua, MultiValue, Result as LuaResult, Value,
};

/// Boxed, so that a raw function's `Result` stays as small as its success value.
pub(crate) struct Misuse(Box<Kind>);

pub(crate) enum Kind {
    /// `bad argument #n to 'f' (<expected> expected, got <type of the argument>)`.
    /// The type name is found on the Lua side, which can read any value's `__name`.
    Type { arg: u8, expected: &'static str, got: Value },
    /// `bad argument #n to 'f' (<detail>)`.
    Argument { arg: u8, detail: String },
    /// `f: <detail>`, for a call that is well formed but cannot be done.
    Refused(String),
    /// An error raised by Lua code that rcprobe called: raised again unchanged.
    Raised(Value),
}

/// What a raw function returns: its result, or the misuse to report.
pub(crate) type Reply<T> = Result<T, Misuse>;

impl Misuse {
    pub(crate) fn type_error(arg: u8, expected: &'static str, got: Value) -> Self {
        Misuse(Box::new(Kind::Type { arg, expected, got }))
    }

    pub(crate) fn argument(arg: u8, detail: impl Into<String>) -> Self {
        Misuse(Box::new(Kind::Argument { arg, detail: detail.into() }))
    }

    pub(crate) fn refused(detail: String) -> Self {
        Misuse(Box::new(Kind::Refused(detail)))
    }

    pub(crate) fn raised(value: Value) -> Self {
        Misuse(Box::new(Kind::Raised(value)))
    }

    /// Turns an error from mlua itself (out of memory, a failed finalizer) into one to raise.
    pub(crate) fn from_lua_error(error: mlua::Error) -> Self {
        Misuse::raised(Value::Error(Box::new(error)))
    }

    pub(crate) fn kind(self) -> Kind {
        *self.0
    }
}

/// Argument `arg` read as an integer, as Lua's `luaL_checkinteger` does (a float with an
/// integer value is one); anything but a number is a type error naming `expected`.
pub(crate) fn integer(arg: u8, value: Value, expected: &'static str) -> Reply<i64> {
    match value {
        Value::Integer(n) => Ok(n),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 2f64.powi(63) => Ok(n as i64),
        Value::Number(_) => Err(Misuse::argument(arg, "number has no integer representation")),
        got => Err(Misuse::type_error(arg, expected, got)),
    }
}

/// `self` of a raw method: the userdata mlua borrowed from the stack, or else a type error
/// naming the type the method belongs to.
pub(crate) fn this<T>(this: Either<T, Value>, expected: &'static str) -> Reply<T> {
    this.either(Ok, |got| Err(Misuse::type_error(1, expected, got)))
}

/// Makes a raw function: every failure, misuse or mlua's own, reaches Lua as `nil, misuse`.
pub(crate) fn raw<A, R, F>(lua: &Lua, function: F) -> LuaResult<Function>
where
    A: FromLuaMulti,
    Reply<R>: IntoLuaMulti,
    F: Fn(&Lua, A) -> Reply<R> + 'static,
{
    lua.create_function(move |lua, args: A| Ok(function(lua, args)))
}

/// Makes a raw function with any number of results: it returns `true, results...` or
/// `false, misuse`.
pub(crate) fn raw_variadic<A, F>(lua: &Lua, function: F) -> LuaResult<Function>
where
    A: FromLuaMulti,
    F: Fn(&Lua, A) -> Reply<MultiValue> + 'static,
{
    lua.create_function(move |lua, args: A| {
        Ok(match function(lua, args) {
            Ok(mut results) => {
                results.push_front(Value::Boolean(true));
                results
            }
            Err(misuse) => MultiValue::from_iter([Value::Boolean(false), misuse.into_lua(lua)?]),
        })
    })
}

impl From<IdsExhausted> for Misuse {
    fn from(exhausted: IdsExhausted) -> Self {
        Misuse::refused(exhausted.to_string())
    }
}

impl From<mlua::Error> for Misuse {
    fn from(error: mlua::Error) -> Self {
        Misuse::from_lua_error(error)
    }
}

/// The table the Lua side reads: `{arg = n, expected = ..., got = ...}`,
/// `{arg = n, detail = ...}`, `{refused = ...}` or `{raised = true, value = ...}`.
impl IntoLua for Misuse {
    fn into_lua(self, lua: &Lua) -> LuaResult<Value> {
        let table = lua.create_table()?;
        match self.kind() {
            Kind::Type { arg, expected, got } => {
                table.raw_set("arg", arg)?;
                table.raw_set("expected", expected)?;
                table.raw_set("got", got)?;
            }
            Kind::Argument { arg, detail } => {
                table.raw_set("arg", arg)?;
                table.raw_set("detail", detail)?;
            }
            Kind::Refused(detail) => table.raw_set("refused", detail)?,
            Kind::Raised(Value::Error(error)) => {
                table.raw_set("raised", true)?;
                table.raw_set("value", error.to_string())?;
            }
            Kind::Raised(value) => {
                table.raw_set("raised", true)?;
                table.raw_set("value", value)?;
            }
        }
        Ok(Value::Table(table))
    }
}
