-- rcprobe's public Lua API, built once per Lua state around the raw Rust functions.
--
-- The raw functions never raise: they return their result, or nil and a misuse table
-- (src/lua/misuse.rs). These wrappers turn a misuse into a Lua error string worded like Lua's own
-- (`bad argument #1 to 'new' (... expected, got table)`), at the caller's position, so that
-- errors are strings on every Lua version.

local raw_module, raw_probe, raw_weak, raw_lent, raw_handle = ...

local error, format, ipairs, pairs, rawequal, rawget, setmetatable, tostring, type = error,
  string.format, ipairs, pairs, rawequal, rawget, setmetatable, tostring, type
local getinfo = debug and debug.getinfo
local getmetatable = debug and debug.getmetatable or getmetatable

-- Lua's name for a value's type: `__name` when its metatable has one (as luaL_typeerror does).
local function typename(value)
  local mt = getmetatable(value)
  local name = type(mt) == "table" and rawget(mt, "__name")
  return type(name) == "string" and name or type(value)
end

-- Raises the error a misuse describes. `level` is the caller's level as seen from here;
-- level - 1 is the wrapper the caller called.
local function raise(level, name, misuse)
  if misuse.raised then
    error(misuse.value, 0)
  end
  -- Lua 5.1 leaves a pseudo-frame where a tail call was: the caller is above it.
  while getinfo do
    local frame = getinfo(level, "S")
    if not (frame and frame.what == "tail") then break end
    level = level + 1
  end
  if misuse.refused then
    error(format("%s: %s", name, misuse.refused), level)
  end
  local arg, detail = misuse.arg, misuse.detail
  if not detail then
    detail = format("%s expected, got %s", misuse.expected, typename(misuse.got))
  end
  -- As luaL_argerror does: `p:m(x)` counts from the argument after self.
  local call = getinfo and getinfo(level - 1, "n")
  if call and call.namewhat == "method" then
    arg = arg - 1
    if arg == 0 then
      error(format("calling '%s' on bad self (%s)", name, detail), level)
    end
  end
  error(format("bad argument #%d to '%s' (%s)", arg, name, detail), level)
end

-- Wraps a raw function of up to two arguments and one result.
local function one(name, raw)
  return function(a, b)
    local result, misuse = raw(a, b)
    if misuse then raise(3, name, misuse) end
    return result
  end
end

-- Wraps a raw function of any arguments and results (it returns `ok, ...`).
local function many(name, raw)
  local function finish(ok, ...)
    if not ok then raise(3, name, (...)) end
    return ...
  end
  return function(...)
    return finish(raw(...))
  end
end

local function wrap_all(raw, names)
  local wrapped = {}
  for _, name in ipairs(names) do
    wrapped[name] = one(name, raw[name])
  end
  return wrapped
end

local module = wrap_all(raw_module, {
  "new", "strong_count", "weak_count", "is_alive", "hold", "release", "stats", "live", "full_gc",
  "info", "links",
})
-- A value watched without a label is labelled by its type name (`__name` included).
local raw_watch = raw_module.watch
module.watch = one("watch", function(v, label)
  if label == nil then label = typename(v) end
  return raw_watch(v, label)
end)
-- rcprobe.census and rcprobe.growth walk the heap in Lua: they live in the companion
-- rcprobe.census. Not tail calls, so that its errors can name the caller's line.
module.census = function(opts)
  local counts = require("rcprobe.census").census(opts)
  return counts
end
module.growth = function(fn, opts)
  local result = require("rcprobe.census").growth(fn, opts)
  return result
end
module.pass = many("pass", raw_module.pass)
module.lend = many("lend", raw_module.lend)
module.leaks = many("leaks", raw_module.leaks)
module.id_of = raw_module.id_of -- never raises
module._internal = raw_module._internal -- for rcprobe.paths and rcprobe.target

local probe_index = wrap_all(raw_probe, {
  "id", "label", "get", "set", "clone", "downgrade", "strong_count", "weak_count", "close",
  "is_closed", "link", "unlink", "attach",
})

local weak_index = wrap_all(raw_weak, {
  "upgrade", "id", "strong_count", "weak_count", "is_alive",
})

local lent_index = wrap_all(raw_lent, {
  "id", "label", "get", "set", "clone", "strong_count", "weak_count",
})

-- A LentHandle (src/lua/lent_handle.rs) stands for a host object that `rcprobe::lend` lends:
-- while the loan lasts, every use goes to the scoped userdata that borrows the object; after
-- it, every use raises a string error naming the loan.
local lent_of, metamethod_of = raw_handle.lent, raw_handle.metamethod

-- The scoped userdata a LentHandle lends, or `value` itself when it is anything else. Once the
-- loan has ended, raises at `level` as the caller of `lent` counts it.
local function lent(value, level)
  local object, ended = lent_of(value)
  if ended then error(ended, level + 1) end
  return object
end

-- For a metamethod that C code calls (tostring, print): `level`, or the first level above it
-- that is not a C function, as the caller of this function counts levels. Without
-- debug.getinfo, the caller of `tostring` (LuaJIT's `tostring` has no frame of its own).
local function above_c_functions(level)
  if not getinfo then return jit and level or level + 1 end
  while true do
    local frame = getinfo(level + 1, "S")
    if not (frame and frame.what == "C") then return level end
    level = level + 1
  end
end

-- A lent object's type name: read by Rust, since mlua hides its metatable from getmetatable.
local function lent_typename(object)
  local name = metamethod_of(object, "__name")
  return type(name) == "string" and name or typename(object)
end

-- Functions read through a handle, wrapped so that the handle works as their self. One wrapper
-- per function and loan: the scoped userdata of a loan is the key, and a weak one (a wrapper
-- does not refer to it, so even 5.1 frees the entry once the userdata is collected).
local wrappers = setmetatable({}, { __mode = "k" })

local function wrapper(object, method)
  local of_loan = wrappers[object]
  if not of_loan then
    of_loan = {}
    wrappers[object] = of_loan
  end
  local wrapped = of_loan[method]
  if not wrapped then
    wrapped = function(self, ...) return method(lent(self, 2), ...) end
    of_loan[method] = wrapped
  end
  return wrapped
end

-- Operations for which Lua calls the first operand's metamethod, else the second's: it never
-- does them itself on a userdata, and one operand is the handle. The handle's metamethod calls
-- the lent object's, or raises Lua's own error at the caller's line.
local OPERATIONS = {
  __add = "perform arithmetic on", __sub = "perform arithmetic on", __mul = "perform arithmetic on",
  __div = "perform arithmetic on", __mod = "perform arithmetic on", __pow = "perform arithmetic on",
  __unm = "perform arithmetic on", __concat = "concatenate", __len = "get length of",
}
if _VERSION >= "Lua 5.3" then
  OPERATIONS.__idiv = "perform arithmetic on"
  for _, name in ipairs({ "__band", "__bor", "__bxor", "__shl", "__shr", "__bnot" }) do
    OPERATIONS[name] = "perform bitwise operation on"
  end
end

local handle = {
  __index = function(h, key)
    local object = lent(h, 2)
    local value = object[key]
    if type(value) == "function" then return wrapper(object, value) end
    return value
  end,
  __newindex = function(h, key, value) lent(h, 2)[key] = value end,
  __call = function(h, ...)
    local object = lent(h, 2)
    local call = metamethod_of(object, "__call")
    if not call then error(format("attempt to call a %s value", lent_typename(object)), 2) end
    return call(object, ...)
  end,
  __tostring = function(h) return tostring(lent(h, above_c_functions(2))) end,
  -- Comparisons have rules of their own (raw equality first; 5.1-5.3 try `not (b < a)` for
  -- `a <= b`): Lua applies them to the lent objects.
  __eq = function(a, b) return lent(a, 2) == lent(b, 2) end,
  __lt = function(a, b) return lent(a, 2) < lent(b, 2) end,
  __le = function(a, b) return lent(a, 2) <= lent(b, 2) end,
}
for name, operation in pairs(OPERATIONS) do
  handle[name] = function(a, b)
    local x, y = lent(a, 2), lent(b, 2)
    local apply = metamethod_of(x, name) or metamethod_of(y, name)
    if not apply then
      local object = rawequal(x, a) and y or x -- the lent one
      error(format("attempt to %s a %s value", operation, lent_typename(object)), 2)
    end
    return apply(x, y)
  end
end
if _VERSION >= "Lua 5.2" then
  handle.__pairs = function(h) return pairs(lent(h, 2)) end
end
if _VERSION >= "Lua 5.4" then
  handle.__close = function(h, err)
    local object = lent(h, 2)
    local close = metamethod_of(object, "__close")
    if close then return close(object, err) end
  end
end

return {
  module = module,
  probe = {
    __index = probe_index,
    __tostring = one("__tostring", raw_probe.tostring),
    __eq = raw_probe.eq,
    __close = one("__close", raw_probe.close),
  },
  weak = {
    __index = weak_index,
    __tostring = one("__tostring", raw_weak.tostring),
  },
  lent = {
    __index = lent_index,
    __tostring = one("__tostring", raw_lent.tostring),
  },
  handle = handle,
}
