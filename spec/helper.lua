-- Loaded by .busted before the specs, and required by them for shared helpers.
--
-- It checks that the module under test is the rock luarocks installed for this very
-- interpreter: a build for another Lua fails to load, and a stray ./rcprobe.so must not
-- shadow the rock.

local rcprobe = require("rcprobe")
require("rcprobe.luassert") -- assert.strong_count, assert.no_leaks, ... for every spec
-- The atlas's lab needs nothing but rcprobe; the helpers both need live there.
local lab = require("spec.atlas.lab")

local expected_lua = jit and "LuaJIT" or _VERSION
assert(rcprobe.LUA == expected_lua,
  ("rcprobe was built for %s but runs under %s"):format(rcprobe.LUA, expected_lua))
local loaded_from = package.searchpath and package.searchpath("rcprobe", package.cpath)
assert(not loaded_from or loaded_from:find("/.rocks/", 1, true),
  "rcprobe must be loaded from the luarocks tree in .rocks/, not from " .. tostring(loaded_from))

local helper = {}

--- Runs `fn` with the collector stopped, so that no automatic step collects anything while
--- it checks counts that only hold before a collection. Restarts it even if `fn` fails.
--- It collects first: LuaJIT still runs the finalizers of a cycle already under way after
--- `collectgarbage("stop")`.
function helper.gc_stopped(fn, ...)
  collectgarbage()
  collectgarbage("stop")
  local ok, err = pcall(fn, ...)
  collectgarbage("restart")
  if not ok then error(err, 0) end
end

--- Creates a probe that nothing references once this function returns, and returns its id:
--- a live local of the running frame would keep it alive.
helper.throwaway = lab.throwaway

--- Runs `park(p)` on a new probe labelled `label` (default "parked") and returns its id. It
--- runs in a coroutine, so that neither a live local nor a stale register of the caller's
--- stack keeps the probe: rcprobe.paths would list them, as the collector sees them.
function helper.parked(park, label)
  return coroutine.wrap(function()
    local p = rcprobe.new(nil, { label = label or "parked" })
    park(p)
    return p:id()
  end)()
end

--- Two full collections: enough for anything that is plain garbage (finalizers run in the
--- first, their objects go in the second).
function helper.collect()
  collectgarbage()
  collectgarbage()
end

--- Resident memory of this process in bytes (Linux).
helper.resident_bytes = lab.resident_bytes

--- The whole text of the file at `path`.
function helper.read_file(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

--- Calls `fn`, a function written on one line that must fail, and returns that line and the
--- line its error names: a misuse error names the caller's line, as Lua's own errors do.
function helper.lines_of_error(fn)
  local ok, err = pcall(fn)
  assert(not ok, "the call did not fail")
  return debug.getinfo(fn, "S").linedefined, tonumber(tostring(err):match("^[^\n]-:(%d+): "))
end

--- Whether `list` holds `item`.
function helper.contains(list, item)
  for _, v in ipairs(list) do
    if v == item then return true end
  end
  return false
end

--- The interpreter running the specs, e.g. "lua5.4" or "luajit".
function helper.interpreter()
  local i = 0
  while arg and arg[i - 1] do i = i - 1 end
  return arg and arg[i] or "lua"
end

--- Whether this Lua distinguishes integers from floats (5.3+).
helper.has_integers = math.type ~= nil

--- Whether `<close>` variables and `__close` exist (5.4+).
helper.has_close = _VERSION >= "Lua 5.4" and not jit

return helper
