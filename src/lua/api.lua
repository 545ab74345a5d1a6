-- rcprobe's public Lua API, built once per Lua state around the raw Rust functions.
--
-- The raw functions never raise: they return their result, or nil and a misuse table
-- (src/lua/misuse.rs). These wrappers turn a misuse into a Lua error string worded like Lua's own
-- (`bad argument #1 to 'new' (... expected, got table)`), at the caller's position, so that
-- errors are strings on every Lua version.

local raw_module, raw_probe, raw_weak, raw_lent = ...

local error, format, rawget, type = error, string.format, rawget, type
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
}
