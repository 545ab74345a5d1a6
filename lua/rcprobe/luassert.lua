--- rcprobe.luassert: luassert assertions about rcprobe objects, for busted specs.
--
-- `require("rcprobe.luassert")` (in a spec or in the `.busted` helper) registers:
--
--   assert.strong_count(n, x)   Rust's strong count of x's object is n
--   assert.weak_count(n, x)     its weak count is n
--   assert.alive(x)             it is alive now (no collection runs)
--   assert.dropped(x)           it is dropped now (no collection runs)
--   assert.collectable(x)       rcprobe.full_gc() drops it; x is an id or a WeakProbe
--   assert.no_leaks(fn, ...)    rcprobe.leaks(fn, ...) is empty
--   assert.no_growth(fn, opts)  rcprobe.growth(fn, opts) finds nothing that grew in every run
--
-- x is a Probe, a WeakProbe, a LentProbe, a host handle, an object id or a watched Lua value
-- (the count assertions refuse tallies and Lua values: they have no reference count). Each works with luassert's
-- modifiers (`assert.is_not.alive(x)`, `assert.are_not.strong_count(1, x)`), and all but
-- no_leaks take a failure message as their last argument. A failure names the object, its
-- counts, Rust's holds and link, and the reference paths that keep it alive (rcprobe.paths).
-- Misuse (a bad argument) raises an error worded like Lua's own.

local assert = require("luassert")
local say = require("say")
local rcprobe = require("rcprobe")
local paths = require("rcprobe.paths")
local target = require("rcprobe.target")

local error, format, select, tostring, type = error, string.format, select, tostring, type
local unpack = table.unpack or unpack -- luacheck: ignore 143 (unpack is 5.1's)
local getmetatable = debug and debug.getmetatable or getmetatable

-- How many leaked objects a no_leaks failure explains one by one.
local MAX_EXPLAINED = 20

local function set_failure_message(state, message)
  if message ~= nil then state.failure_message = message end
end

-- Raises a misuse at the spec's line: luassert gives the level of the assertion's caller as
-- seen from the function that calls the assertion, one frame above this one.
local function bad_argument(level, arg, name, detail)
  error(format("bad argument #%d to '%s' (%s)", arg, name, detail), level + 2)
end

local function is_open_probe(x)
  local mt = type(x) == "userdata" and getmetatable(x)
  return type(mt) == "table" and mt.__name == "Probe" and rcprobe.id_of(x) ~= nil and not x:is_closed()
end

-- Puts the message arguments in place, unformatted: luassert would decorate them.
local function set_arguments(arguments, ...)
  local n = select("#", ...)
  arguments.n = n
  arguments.nofmt = {}
  for i = 1, n do
    arguments[i] = (select(i, ...))
    arguments.nofmt[i] = true
  end
end

-- Whether luassert will report a failure for result `ok`: the assertion holds, or not, and
-- `state.mod` is false under `is_not`. Only failures pay for a heap walk.
local function fails(state, ok)
  return ok ~= state.mod
end

--- assert.strong_count(n, x [, message]) and assert.weak_count(n, x [, message]) ----------

local function count_assertion(which)
  local name = which .. "_count"
  return function(state, arguments, level)
    local expected, x = arguments[1], arguments[2]
    if type(expected) ~= "number" then
      bad_argument(level, 1, name, "number expected, got " .. type(expected))
    end
    local info = target.info(x, 2, name, level + 1)
    if info.strong == nil then
      bad_argument(level, 2, name, format("%s is %s: it has no reference count", target.name(info),
        info.kind == "tally" and "counted by a Tally" or "a watched Lua value"))
    end
    set_failure_message(state, arguments[3])
    local actual = info[which]
    local ok = actual == expected
    if fails(state, ok) then
      set_arguments(arguments, target.name(info), tostring(expected), tostring(actual), paths.report(x))
    end
    return ok
  end
end

say:set("assertion.strong_count.positive", "Expected the strong count of %s to be %s, but it is %s.\n%s")
say:set("assertion.strong_count.negative", "Expected the strong count of %s not to be %s, but it is %s.\n%s")
assert:register("assertion", "strong_count", count_assertion("strong"),
  "assertion.strong_count.positive", "assertion.strong_count.negative")

say:set("assertion.weak_count.positive", "Expected the weak count of %s to be %s, but it is %s.\n%s")
say:set("assertion.weak_count.negative", "Expected the weak count of %s not to be %s, but it is %s.\n%s")
assert:register("assertion", "weak_count", count_assertion("weak"),
  "assertion.weak_count.positive", "assertion.weak_count.negative")

--- assert.alive(x [, message]) and assert.dropped(x [, message]) --------------------------

local function state_assertion(name, want_alive)
  return function(state, arguments, level)
    local x = arguments[1]
    local info = target.info(x, 1, name, level + 1)
    set_failure_message(state, arguments[2])
    local ok = info.alive == want_alive
    if fails(state, ok) then
      set_arguments(arguments, target.name(info), info.alive and paths.report(x) or "")
    end
    return ok
  end
end

say:set("assertion.alive.positive", "Expected %s to be alive, but it was dropped.%s")
say:set("assertion.alive.negative", "Expected %s not to be alive, but it is.\n%s")
assert:register("assertion", "alive", state_assertion("alive", true),
  "assertion.alive.positive", "assertion.alive.negative")

say:set("assertion.dropped.positive", "Expected %s to be dropped, but it is alive.\n%s")
say:set("assertion.dropped.negative", "Expected %s not to be dropped, but it was.%s")
assert:register("assertion", "dropped", state_assertion("dropped", false),
  "assertion.dropped.positive", "assertion.dropped.negative")

--- assert.collectable(x [, message]) ------------------------------------------------------

local PROBE_ADVICE = "it is an open Probe, and a Probe keeps its own object alive, so it can never be "
  .. "collected: pass its id (p:id()) or a WeakProbe (p:downgrade()), and let the Probe go."
local VALUE_ADVICE = "it is the watched value itself, which this call keeps alive, so it can never be "
  .. "collected: pass its id (what rcprobe.watch returned), and let the value go."

local function collectable(state, arguments, level)
  local x = arguments[1]
  local info = target.info(x, 1, "collectable", level + 1)
  set_failure_message(state, arguments[2])
  if is_open_probe(x) or info.kind == "lua value" and type(x) ~= "number" then
    set_arguments(arguments, target.name(info), is_open_probe(x) and PROBE_ADVICE or VALUE_ADVICE)
    return not state.mod -- a failure under both forms
  end
  rcprobe.full_gc()
  info.alive = rcprobe.is_alive(info.id)
  local ok = not info.alive
  if fails(state, ok) then
    if info.alive then
      set_arguments(arguments, target.name(info), "it survived rcprobe.full_gc().\n" .. paths.report(x))
    else
      set_arguments(arguments, target.name(info), "rcprobe.full_gc() dropped it.")
    end
  end
  return ok
end

say:set("assertion.collectable.positive", "Expected %s to be collectable, but %s")
say:set("assertion.collectable.negative", "Expected %s not to be collectable, but %s")
assert:register("assertion", "collectable", collectable,
  "assertion.collectable.positive", "assertion.collectable.negative")

--- assert.no_leaks(fn, ...) ---------------------------------------------------------------

local function no_leaks(state, arguments, level)
  local fn = arguments[1]
  local mt = getmetatable(fn)
  if type(fn) ~= "function" and not (type(mt) == "table" and mt.__call) then
    bad_argument(level, 1, "no_leaks", "function expected, got " .. type(fn))
  end
  local created = rcprobe.stats().created
  local leaks = rcprobe.leaks(fn, unpack(arguments, 2, arguments.n))
  created = rcprobe.stats().created - created
  local ok = #leaks == 0
  if fails(state, ok) then
    if ok then
      set_arguments(arguments, created == 1 and "the 1 object" or format("the %d objects", created))
    else
      local ids = {}
      for i = 1, math.min(#leaks, MAX_EXPLAINED) do ids[i] = leaks[i].id end
      local report = paths.report(unpack(ids))
      if #leaks > MAX_EXPLAINED then
        report = report .. format("\n... and %d more", #leaks - MAX_EXPLAINED)
      end
      local count = #leaks == 1 and "1 object" or format("%d objects", #leaks)
      set_arguments(arguments, format("%s of the %d it created", count, created), report)
    end
  end
  return ok
end

say:set("assertion.no_leaks.positive",
  "Expected the function to leave nothing alive, but %s outlived it and rcprobe.full_gc():\n%s")
say:set("assertion.no_leaks.negative",
  "Expected the function to leave something alive, but rcprobe.full_gc() dropped %s it created.")
assert:register("assertion", "no_leaks", no_leaks,
  "assertion.no_leaks.positive", "assertion.no_leaks.negative")

--- assert.no_growth(fn [, opts]) -----------------------------------------------------------

local census = require("rcprobe.census")

local function no_growth(state, arguments, level)
  -- census.growth raises misuse at the spec's line: luassert's caller is two frames up.
  local result = census.growth(arguments[1], arguments[2], "no_growth", level + 2)
  local ok = not result.grows
  if fails(state, ok) then
    local runs = format("%d runs (after %d warm-up run%s)", result.runs, result.warmup,
      result.warmup == 1 and "" or "s")
    if ok then
      set_arguments(arguments, runs)
    else
      local lines = {}
      for _, key in next, result.grown do
        local changes = {}
        for i, change in next, result.changes[key] do changes[i] = format("%+d", change) end
        lines[#lines + 1] = format("  %s: %s", key, table.concat(changes, " "))
        for _, path in next, result.paths[key] or {} do lines[#lines + 1] = "    " .. path end
      end
      set_arguments(arguments, runs, table.concat(lines, "\n"))
    end
  end
  return ok
end

say:set("assertion.no_growth.positive",
  "Expected the function to grow nothing over %s, but these grew in every run (with the paths of new objects):\n%s")
say:set("assertion.no_growth.negative",
  "Expected the function to grow something in every one of %s, but nothing did.")
assert:register("assertion", "no_growth", no_growth,
  "assertion.no_growth.positive", "assertion.no_growth.negative")

return assert
