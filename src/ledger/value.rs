//! The value an object carries: a Lua scalar copied into Rust by `new(value)` and `set(value)`.

use mlua::{IntoLua, Lua, Result as LuaResult, Value as LuaValue};

#[derive(Clone)]
pub(crate) enum Value {
    Nil,
    Boolean(bool),
    /// Lua 5.3+ integers; on 5.1, 5.2 and LuaJIT mlua reads integral numbers as integers too,
    /// and they go back to Lua as the same number.
    Integer(i64),
    Number(f64),
    /// Boxed so that a `Value` stays two words: objects are small and there are millions.
    #[allow(clippy::box_collection)]
    String(Box<Vec<u8>>),
}

/// What `new` and `set` accept, for error messages.
pub(crate) const ACCEPTED: &str = "nil, boolean, number or string";

impl Value {
    /// Copies a Lua scalar; any other value is refused (the caller reports its type).
    pub(crate) fn copy(value: &LuaValue) -> Option<Value> {
        Some(match value {
            LuaValue::Nil => Value::Nil,
            LuaValue::Boolean(b) => Value::Boolean(*b),
            LuaValue::Integer(i) => Value::Integer(*i),
            LuaValue::Number(n) => Value::Number(*n),
            LuaValue::String(s) => Value::String(Box::new(s.as_bytes().to_vec())),
            _ => return None,
        })
    }

    pub(crate) fn to_lua(&self, lua: &Lua) -> LuaResult<LuaValue> {
        match self {
            Value::Nil => Ok(LuaValue::Nil),
            Value::Boolean(b) => Ok(LuaValue::Boolean(*b)),
            Value::Integer(i) => Ok(LuaValue::Integer(*i)),
            Value::Number(n) => Ok(LuaValue::Number(*n)),
            Value::String(bytes) => lua.create_string(bytes.as_slice())?.into_lua(lua),
        }
    }
}
