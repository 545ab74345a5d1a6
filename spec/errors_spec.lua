local rcprobe = require("rcprobe")
local helper = require("spec.helper")

-- Every way to misuse the public API, one case each. A case is
--   { "how it is called", function(f) <the call> end, "the message" }
-- and must raise a Lua *string* (luassert's has_error would accept a userdata error object
-- with __tostring), exactly "<this file>:<the line of the call>: <the message>", and change no
-- count, value or stat. `f` holds fresh objects for each case (see `fixtures`); `{p}`,
-- `{closed}`, `{never}`, ... in a message stand for their ids.
--
-- The call must be on the line where its function starts, and must not be a tail call
-- (`return f()`): a tail call leaves no caller to point at.

local FILE = _VERSION >= "Lua 5.3" and not jit and "FILE*" or "userdata" -- io.stdout's type name
local VALUES = "nil, boolean, number or string"
local TARGET = "Probe, WeakProbe or id"
local LABEL = "errors-spec"

-- Fresh objects for one case:
--   p       an open Probe with the value "kept", 8 bytes, a clone (q), a WeakProbe (w), a hold,
--           a link and an attached value
--   c       a closed Probe of p's object, which is still alive
--   closed  a closed Probe of an object that is gone; dead_w a WeakProbe of another one
--   ended   a LentProbe whose loan has ended
--   never   an id this Lua state never issued
-- and some garbage, so that a failed call that collected would show in the stats.
local function fixtures()
  local f = {}
  f.p = rcprobe.new("kept", { label = LABEL, bytes = 8 })
  f.q = f.p:clone()
  f.w = f.p:downgrade()
  rcprobe.hold(f.p)
  f.p:link({ "linked" })
  f.p:attach({ "attached" })
  f.c = f.p:clone()
  f.c:close()
  f.closed = rcprobe.new("closed", { label = LABEL })
  f.closed:close()
  local gone = rcprobe.new(nil, { label = LABEL })
  f.dead_w = gone:downgrade()
  gone:close()
  rcprobe.lend(f.p, function(h) f.ended = h end)
  f.never = helper.throwaway(nil, { label = LABEL }) + 1000
  f.ids = { p = f.p:id(), closed = f.closed:id(), dead = f.dead_w:id(), never = f.never }
  f.ids.ended = f.ids.p
  return f
end

-- Everything a failed call must leave as it was.
local function snapshot(f)
  local links = {}
  for id, value in pairs(rcprobe.links()) do links[id] = value end
  return {
    stats = rcprobe.stats(),
    label_stats = rcprobe.stats(LABEL),
    live = rcprobe.live(),
    links = links,
    p = rcprobe.info(f.p),
    closed = rcprobe.info(f.closed),
    dead = rcprobe.info(f.dead_w),
    value = f.p:get(),
    closed_flags = { f.p:is_closed(), f.q:is_closed(), f.c:is_closed(), f.closed:is_closed() },
    weak = { f.w:is_alive(), f.w:strong_count(), f.w:weak_count(), f.dead_w:is_alive() },
  }
end

-- Frees what `fixtures` made, so that cases do not pile up live objects.
local function free(f)
  rcprobe.release(f.p)
  f.p:unlink()
  f.p:close()
  f.q:close()
end

-- Runs `fn` with the collector stopped, after a full collection: LuaJIT still runs the
-- finalizers of a cycle it was in the middle of when stopped (at trace exits), so it must be
-- stopped between cycles for the stats to stay put.
local function between_collections(fn)
  collectgarbage()
  collectgarbage("stop")
  local ok, err = pcall(fn)
  collectgarbage("restart")
  if not ok then error(err, 0) end
end

local function check(case)
  local how, call, message = case[1], case[2], case[3]
  between_collections(function()
    local f = fixtures()
    local before = snapshot(f)
    local ok, err = pcall(call, f)
    local after = snapshot(f)
    free(f)
    assert(not ok, how .. " did not fail")
    assert(type(err) == "string", how .. " raised a " .. type(err) .. ", not a string: " .. tostring(err))
    local where = debug.getinfo(call, "S")
    local expected = ("%s:%d: %s"):format(where.short_src, where.linedefined,
      (message:gsub("{(%w+)}", function(name) return tostring(f.ids[name]) end)))
    assert.are.equal(expected, err)
    assert.are.same(before, after, how .. " changed something")
  end)
end

local function bad_arg(n, name, detail) return ("bad argument #%d to '%s' (%s)"):format(n, name, detail) end
local function bad_self(name, detail) return ("calling '%s' on bad self (%s)"):format(name, detail) end

-- Values of every other type, with the name an error gives them.
local FOREIGN = {
  { "nil", function() return nil end },
  { "boolean", function() return true end },
  { "string", function() return "1" end },
  { "table", function() return {} end },
  { "function", function() return print end },
  { "thread", function() return coroutine.create(function() end) end },
  { FILE, function() return io.stdout end },
}

local HANDLES = {
  Probe = function(f) return f.p end,
  WeakProbe = function(f) return f.w end,
  LentProbe = function(f) return f.ended end,
}

-- Numbers that name no object.
local BAD_IDS = {
  { "0", function() return 0 end, "no object #0 in this Lua state" },
  { "-1", function() return -1 end, "no object #-1 in this Lua state" },
  { "-0.0", function() return -0.0 end, "no object #0 in this Lua state" },
  { "an id never issued", function(f) return f.never end, "no object #{never} in this Lua state" },
  { "2^53", function() return 2 ^ 53 end, "no object #9007199254740992 in this Lua state" },
  { "1.5", function() return 1.5 end, "number has no integer representation" },
  { "-0.5", function() return -0.5 end, "number has no integer representation" },
  { "2^63", function() return 2 ^ 63 end, "number has no integer representation" },
  { "math.huge", function() return math.huge end, "number has no integer representation" },
  { "-math.huge", function() return -math.huge end, "number has no integer representation" },
  { "NaN", function() return 0 / 0 end, "number has no integer representation" },
}

local function foreign_name(name) return name == "nil" and "nil" or "a " .. name end

local groups = {}

local function group(name, cases)
  groups[#groups + 1] = { name = name, cases = cases }
  return cases
end

-- strong_count, weak_count, is_alive, release and info: a Probe, a WeakProbe or an id.
for _, name in ipairs({ "strong_count", "weak_count", "is_alive", "release", "info" }) do
  local cases = group("rcprobe." .. name .. "(x)", {})
  local fn = rcprobe[name]
  local function add(how, arg, message) cases[#cases + 1] = { how, function(f) fn(arg(f)) end, message } end
  add(name .. "() without an argument", function() end, bad_arg(1, name, TARGET .. " expected, got nil"))
  for _, foreign in ipairs(FOREIGN) do
    add(name .. "(" .. foreign_name(foreign[1]) .. ")", foreign[2],
      bad_arg(1, name, TARGET .. " expected, got " .. foreign[1]))
  end
  for _, id in ipairs(BAD_IDS) do add(name .. "(" .. id[1] .. ")", id[2], bad_arg(1, name, id[3])) end
  add(name .. "(a LentProbe after its loan)", HANDLES.LentProbe,
    bad_arg(1, name, "the loan of probe #{ended} has ended"))
end

-- hold, pass and lend: an open Probe.
local PROBE_FIRST = {
  { "a WeakProbe", HANDLES.WeakProbe, "Probe expected, got WeakProbe" },
  { "a LentProbe after its loan", HANDLES.LentProbe, "Probe expected, got LentProbe" },
  { "an id", function(f) return f.ids.p end, "Probe expected, got number" },
  { "a closed Probe", function(f) return f.c end, "probe #{p} is closed" },
  { "a closed Probe of a dropped object", function(f) return f.closed end, "probe #{closed} is closed" },
}
do
  local cases = group("rcprobe.hold(p)", {})
  local function add(how, arg, message)
    cases[#cases + 1] = { "hold(" .. how .. ")", function(f) rcprobe.hold(arg(f)) end, bad_arg(1, "hold", message) }
  end
  add("", function() end, "Probe expected, got nil")
  for _, foreign in ipairs(FOREIGN) do
    add(foreign_name(foreign[1]), foreign[2], "Probe expected, got " .. foreign[1])
  end
  for _, bad in ipairs(PROBE_FIRST) do add(bad[1], bad[2], bad[3]) end
end

for _, name in ipairs({ "pass", "lend" }) do
  local cases = group(("rcprobe.%s(p, fn, ...)"):format(name), {})
  local fn = rcprobe[name]
  local function add(how, p, callee, message)
    cases[#cases + 1] = { ("%s(%s)"):format(name, how), function(f) fn(p(f), callee(f), 1, 2) end, message }
  end
  local function noop() end
  local function none() end
  add("", none, none, bad_arg(1, name, "Probe expected, got nil"))
  for _, foreign in ipairs(FOREIGN) do
    add(foreign_name(foreign[1]) .. ", fn", foreign[2], function() return noop end,
      bad_arg(1, name, "Probe expected, got " .. foreign[1]))
  end
  for _, bad in ipairs(PROBE_FIRST) do
    add(bad[1] .. ", fn", bad[2], function() return noop end, bad_arg(1, name, bad[3]))
  end
  add("p", HANDLES.Probe, none, bad_arg(2, name, "function expected, got nil"))
  for _, foreign in ipairs(FOREIGN) do
    if foreign[1] ~= "function" and foreign[1] ~= "nil" then
      add("p, " .. foreign_name(foreign[1]), HANDLES.Probe, foreign[2],
        bad_arg(2, name, "function expected, got " .. foreign[1]))
    end
  end
  add("p, a number", HANDLES.Probe, function() return 42 end, bad_arg(2, name, "function expected, got number"))
  add("p, a table whose metatable has no __call", HANDLES.Probe,
    function() return setmetatable({}, {}) end, bad_arg(2, name, "function expected, got table"))
  add("p, a Probe", HANDLES.Probe, HANDLES.Probe, bad_arg(2, name, "function expected, got Probe"))
end

-- stats and live: a label, or nothing.
for _, name in ipairs({ "stats", "live" }) do
  local cases = group(("rcprobe.%s([label])"):format(name), {})
  local fn = rcprobe[name]
  for _, foreign in ipairs(FOREIGN) do
    if foreign[1] ~= "nil" and foreign[1] ~= "string" then
      cases[#cases + 1] = { ("%s(%s)"):format(name, foreign_name(foreign[1])),
        function(f) fn(foreign[2](f)) end, bad_arg(1, name, "string expected, got " .. foreign[1]) }
    end
  end
  cases[#cases + 1] = { name .. "(a number)", function() fn(1) end, bad_arg(1, name, "string expected, got number") }
  cases[#cases + 1] = { name .. "(a Probe)", function(f) fn(f.p) end, bad_arg(1, name, "string expected, got Probe") }
end

-- full_gc: a positive integer, or nothing. A failed call must not collect (the garbage that
-- `fixtures` leaves would show in the stats).
do
  local cases = group("rcprobe.full_gc([max])", {})
  local function add(how, max, detail)
    cases[#cases + 1] = { "full_gc(" .. how .. ")", function(f) rcprobe.full_gc(max(f)) end,
      bad_arg(1, "full_gc", detail) }
  end
  for _, foreign in ipairs(FOREIGN) do
    if foreign[1] ~= "nil" then add(foreign_name(foreign[1]), foreign[2], "number expected, got " .. foreign[1]) end
  end
  add("a Probe", HANDLES.Probe, "number expected, got Probe")
  add("0", function() return 0 end, "max must be a positive integer, got 0")
  add("-2", function() return -2 end, "max must be a positive integer, got -2")
  add("2^32", function() return 2 ^ 32 end, "max must be a positive integer, got 4294967296")
  add("2.5", function() return 2.5 end, "number has no integer representation")
  add("-0.5", function() return -0.5 end, "number has no integer representation")
  add("math.huge", function() return math.huge end, "number has no integer representation")
  add("NaN", function() return 0 / 0 end, "number has no integer representation")
end

-- leaks: something callable. A failed call must not collect either.
do
  local cases = group("rcprobe.leaks(fn, ...)", {})
  for _, foreign in ipairs(FOREIGN) do
    if foreign[1] ~= "function" then
      cases[#cases + 1] = { "leaks(" .. foreign_name(foreign[1]) .. ")", function(f) rcprobe.leaks(foreign[2](f)) end,
        bad_arg(1, "leaks", "function expected, got " .. foreign[1]) }
    end
  end
  cases[#cases + 1] = { "leaks(a Probe)", function(f) rcprobe.leaks(f.p) end,
    bad_arg(1, "leaks", "function expected, got Probe") }
end

-- new: a scalar value and an options table.
do
  local cases = group("rcprobe.new([value [, opts]])", {})
  local function add(how, value, opts, message)
    cases[#cases + 1] = { "new(" .. how .. ")", function(f) rcprobe.new(value(f), opts(f)) end, message }
  end
  local function none() end
  for _, foreign in ipairs(FOREIGN) do
    if foreign[1] ~= "nil" and foreign[1] ~= "boolean" and foreign[1] ~= "string" then
      add(foreign_name(foreign[1]), foreign[2], none, bad_arg(1, "new", VALUES .. " expected, got " .. foreign[1]))
    end
  end
  for _, kind in ipairs({ "Probe", "WeakProbe", "LentProbe" }) do
    add("a " .. kind, HANDLES[kind], none, bad_arg(1, "new", VALUES .. " expected, got " .. kind))
  end
  local function one() return 1 end
  for _, foreign in ipairs(FOREIGN) do
    if foreign[1] ~= "nil" and foreign[1] ~= "table" then
      add("1, " .. foreign_name(foreign[1]), one, foreign[2], bad_arg(2, "new", "table expected, got " .. foreign[1]))
    end
  end
  add("1, a number", one, function() return 5 end, bad_arg(2, "new", "table expected, got number"))
  local function opts(how, t, detail) add("1, " .. how, one, function() return t end, bad_arg(2, "new", detail)) end
  opts("{nope = 1}", { nope = 1 }, "unknown option 'nope'")
  opts("{label = 'x', Label = 'y'}", { label = "x", Label = "y" }, "unknown option 'Label'")
  opts("{'positional'}", { "positional" }, "option names are strings, got number")
  opts("{[true] = 1}", { [true] = 1 }, "option names are strings, got boolean")
  opts("{label = 5}", { label = 5 }, "option 'label': string expected, got number")
  opts("{label = {}}", { label = {} }, "option 'label': string expected, got table")
  opts("{label = false}", { label = false }, "option 'label': string expected, got boolean")
  local bytes = "option 'bytes': integer from 0 to 1073741824 expected, got "
  opts("{bytes = -1}", { bytes = -1 }, bytes .. "-1")
  opts("{bytes = 2^30 + 1}", { bytes = 2 ^ 30 + 1 }, bytes .. "1073741825")
  opts("{bytes = 2^31}", { bytes = 2 ^ 31 }, bytes .. "2147483648")
  opts("{bytes = 1.5}", { bytes = 1.5 }, bytes .. "1.5")
  opts("{bytes = NaN}", { bytes = 0 / 0 }, bytes .. "NaN")
  opts("{bytes = math.huge}", { bytes = math.huge }, bytes .. "inf")
  opts("{bytes = '8'}", { bytes = "8" }, bytes .. "string")
  opts("{bytes = true}", { bytes = true }, bytes .. "boolean")
end

-- Probe methods: self must be a Probe, and for most of them an open one.
local PROBE_METHODS = { "id", "label", "get", "set", "clone", "downgrade", "strong_count", "weak_count", "close",
  "is_closed", "link", "unlink", "attach" }
local NEEDS_OPEN = { get = true, set = true, clone = true, downgrade = true, link = true, unlink = true, attach = true }
local WEAK_METHODS = { "upgrade", "id", "strong_count", "weak_count", "is_alive" }
local LENT_METHODS = { "id", "label", "get", "set", "clone", "strong_count", "weak_count" }

-- Calls of `method` taken from `methods(f)` with a wrong self, as `method(self)`.
local function wrong_selves(cases, type_name, methods, method, others)
  local function add(how, self, detail)
    cases[#cases + 1] = { ("%s.%s(%s)"):format(type_name, method, how),
      function(f) methods(f)[method](self(f), true) end, bad_arg(1, method, detail) }
  end
  add("", function() end, type_name .. " expected, got nil")
  for _, foreign in ipairs(FOREIGN) do
    if foreign[1] ~= "nil" then
      add(foreign_name(foreign[1]), foreign[2], type_name .. " expected, got " .. foreign[1])
    end
  end
  add("a number", function() return 1 end, type_name .. " expected, got number")
  for _, other in ipairs(others) do
    add("a " .. other, HANDLES[other], type_name .. " expected, got " .. other)
  end
end

do
  local cases = group("Probe methods", {})
  local function methods(f) return f.p end
  for _, method in ipairs(PROBE_METHODS) do
    wrong_selves(cases, "Probe", methods, method, { "WeakProbe", "LentProbe" })
    if NEEDS_OPEN[method] then
      cases[#cases + 1] = { ("Probe.%s(a closed Probe)"):format(method),
        function(f) f.p[method](f.c, true) end, bad_arg(1, method, "probe #{p} is closed") }
      cases[#cases + 1] = { ("Probe.%s(a closed Probe of a dropped object)"):format(method),
        function(f) f.p[method](f.closed, true) end, bad_arg(1, method, "probe #{closed} is closed") }
    end
  end
  -- Called with `:` on the wrong object, the error is about self, as Lua's own are.
  local function on_table(method, f) return setmetatable({}, { __index = { [method] = f.p[method] } }) end
  local not_a_probe = "Probe expected, got table"
  local c = cases
  c[#c + 1] = { "t:id() on a table", function(f) on_table("id", f):id() end, bad_self("id", not_a_probe) }
  c[#c + 1] = { "t:label() on a table", function(f) on_table("label", f):label() end, bad_self("label", not_a_probe) }
  c[#c + 1] = { "t:get() on a table", function(f) on_table("get", f):get() end, bad_self("get", not_a_probe) }
  c[#c + 1] = { "t:set(1) on a table", function(f) on_table("set", f):set(1) end, bad_self("set", not_a_probe) }
  c[#c + 1] = { "t:clone() on a table", function(f) on_table("clone", f):clone() end, bad_self("clone", not_a_probe) }
  c[#c + 1] = { "t:downgrade() on a table", function(f) on_table("downgrade", f):downgrade() end,
    bad_self("downgrade", not_a_probe) }
  c[#c + 1] = { "t:strong_count() on a table", function(f) on_table("strong_count", f):strong_count() end,
    bad_self("strong_count", not_a_probe) }
  c[#c + 1] = { "t:weak_count() on a table", function(f) on_table("weak_count", f):weak_count() end,
    bad_self("weak_count", not_a_probe) }
  c[#c + 1] = { "t:close() on a table", function(f) on_table("close", f):close() end, bad_self("close", not_a_probe) }
  c[#c + 1] = { "t:is_closed() on a table", function(f) on_table("is_closed", f):is_closed() end,
    bad_self("is_closed", not_a_probe) }
  c[#c + 1] = { "t:link(1) on a table", function(f) on_table("link", f):link(1) end, bad_self("link", not_a_probe) }
  c[#c + 1] = { "t:unlink() on a table", function(f) on_table("unlink", f):unlink() end,
    bad_self("unlink", not_a_probe) }
  c[#c + 1] = { "t:attach(1) on a table", function(f) on_table("attach", f):attach(1) end,
    bad_self("attach", not_a_probe) }
  local closed = "probe #{p} is closed"
  c[#c + 1] = { "c:get() on a closed Probe", function(f) f.c:get() end, bad_self("get", closed) }
  c[#c + 1] = { "c:set(1) on a closed Probe", function(f) f.c:set(1) end, bad_self("set", closed) }
  c[#c + 1] = { "c:clone() on a closed Probe", function(f) f.c:clone() end, bad_self("clone", closed) }
  c[#c + 1] = { "c:downgrade() on a closed Probe", function(f) f.c:downgrade() end, bad_self("downgrade", closed) }
  c[#c + 1] = { "c:link({}) on a closed Probe", function(f) f.c:link({}) end, bad_self("link", closed) }
  c[#c + 1] = { "c:unlink() on a closed Probe", function(f) f.c:unlink() end, bad_self("unlink", closed) }
  c[#c + 1] = { "c:attach({}) on a closed Probe", function(f) f.c:attach({}) end, bad_self("attach", closed) }
  -- Their other arguments.
  for _, foreign in ipairs(FOREIGN) do
    if foreign[1] ~= "nil" and foreign[1] ~= "boolean" and foreign[1] ~= "string" then
      c[#c + 1] = { "p:set(" .. foreign_name(foreign[1]) .. ")", function(f) f.p:set(foreign[2](f)) end,
        bad_arg(1, "set", VALUES .. " expected, got " .. foreign[1]) }
    end
  end
  c[#c + 1] = { "p:set(a WeakProbe)", function(f) f.p:set(f.w) end,
    bad_arg(1, "set", VALUES .. " expected, got WeakProbe") }
  c[#c + 1] = { "Probe.set(p, {})", function(f) f.p.set(f.p, {}) end,
    bad_arg(2, "set", VALUES .. " expected, got table") }
  c[#c + 1] = { "p:link()", function(f) f.p:link() end, bad_arg(1, "link", "value expected") }
  c[#c + 1] = { "p:link(nil)", function(f) f.p:link(nil) end, bad_arg(1, "link", "value expected") }
  c[#c + 1] = { "Probe.link(p)", function(f) f.p.link(f.p) end, bad_arg(2, "link", "value expected") }
  -- While lent out, p cannot be closed, as a Rust borrow would not let it drop.
  local lent_out = "probe #{p} is lent out: close it after the loan"
  c[#c + 1] = { "p:close() during its loan", function(f) rcprobe.lend(f.p, function() f.p:close() end) end,
    bad_self("close", lent_out) }
  c[#c + 1] = { "Probe.close(p) during its loan", function(f) rcprobe.lend(f.p, function() f.p.close(f.p) end) end,
    bad_arg(1, "close", lent_out) }
  c[#c + 1] = { "p:close() during a loan inside a loan",
    function(f) rcprobe.lend(f.p, function() rcprobe.lend(f.p, function() f.p:close() end) end) end,
    bad_self("close", lent_out) }
end

do
  local cases = group("WeakProbe methods", {})
  local function methods(f) return f.w end
  for _, method in ipairs(WEAK_METHODS) do
    wrong_selves(cases, "WeakProbe", methods, method, { "Probe", "LentProbe" })
  end
  local function on_table(method, f) return setmetatable({}, { __index = { [method] = f.w[method] } }) end
  local not_weak = "WeakProbe expected, got table"
  local c = cases
  c[#c + 1] = { "t:upgrade() on a table", function(f) on_table("upgrade", f):upgrade() end,
    bad_self("upgrade", not_weak) }
  c[#c + 1] = { "t:id() on a table", function(f) on_table("id", f):id() end, bad_self("id", not_weak) }
  c[#c + 1] = { "t:strong_count() on a table", function(f) on_table("strong_count", f):strong_count() end,
    bad_self("strong_count", not_weak) }
  c[#c + 1] = { "t:weak_count() on a table", function(f) on_table("weak_count", f):weak_count() end,
    bad_self("weak_count", not_weak) }
  c[#c + 1] = { "t:is_alive() on a table", function(f) on_table("is_alive", f):is_alive() end,
    bad_self("is_alive", not_weak) }
  c[#c + 1] = { "WeakProbe.upgrade(a closed Probe)", function(f) f.w.upgrade(f.c) end,
    bad_arg(1, "upgrade", "WeakProbe expected, got Probe") }
end

do
  local cases = group("LentProbe methods", {})
  local function methods(f) return f.ended end
  for _, method in ipairs(LENT_METHODS) do
    wrong_selves(cases, "LentProbe", methods, method, { "Probe", "WeakProbe" })
    cases[#cases + 1] = { ("LentProbe.%s(h) after the loan"):format(method),
      function(f) f.ended[method](f.ended, true) end, bad_arg(1, method, "the loan of probe #{ended} has ended") }
  end
  local ended = "the loan of probe #{ended} has ended"
  local c = cases
  c[#c + 1] = { "h:id() after the loan", function(f) f.ended:id() end, bad_self("id", ended) }
  c[#c + 1] = { "h:label() after the loan", function(f) f.ended:label() end, bad_self("label", ended) }
  c[#c + 1] = { "h:get() after the loan", function(f) f.ended:get() end, bad_self("get", ended) }
  c[#c + 1] = { "h:set(1) after the loan", function(f) f.ended:set(1) end, bad_self("set", ended) }
  c[#c + 1] = { "h:clone() after the loan", function(f) f.ended:clone() end, bad_self("clone", ended) }
  c[#c + 1] = { "h:strong_count() after the loan", function(f) f.ended:strong_count() end,
    bad_self("strong_count", ended) }
  c[#c + 1] = { "h:weak_count() after the loan", function(f) f.ended:weak_count() end, bad_self("weak_count", ended) }
  local function on_table(method, f) return setmetatable({}, { __index = { [method] = f.ended[method] } }) end
  c[#c + 1] = { "t:get() on a table", function(f) on_table("get", f):get() end,
    bad_self("get", "LentProbe expected, got table") }
  c[#c + 1] = { "h:set({}) during the loan", function(f) rcprobe.lend(f.p, function(h) h:set({}) end) end,
    bad_arg(1, "set", VALUES .. " expected, got table") }
  c[#c + 1] = { "h:set(io.stdout) during the loan", function(f) rcprobe.lend(f.p, function(h) h:set(io.stdout) end) end,
    bad_arg(1, "set", VALUES .. " expected, got " .. FILE) }
  c[#c + 1] = { "LentProbe.get(another Probe) during a loan",
    function(f) rcprobe.lend(f.p, function(h) h.get(f.q) end) end, bad_arg(1, "get", "LentProbe expected, got Probe") }
end

-- Metamethods, as Lua calls them and as debug.getmetatable reaches them.
do
  local cases = group("metamethods", {})
  local function meta(handle) return debug.getmetatable(handle) end
  local c = cases
  c[#c + 1] = { "Probe __tostring(a WeakProbe)", function(f) meta(f.p).__tostring(f.w) end,
    bad_arg(1, "__tostring", "Probe expected, got WeakProbe") }
  c[#c + 1] = { "Probe __tostring(io.stdout)", function(f) meta(f.p).__tostring(io.stdout) end,
    bad_arg(1, "__tostring", "Probe expected, got " .. FILE) }
  c[#c + 1] = { "Probe __tostring()", function(f) meta(f.p).__tostring() end,
    bad_arg(1, "__tostring", "Probe expected, got nil") }
  c[#c + 1] = { "Probe __close(a WeakProbe)", function(f) meta(f.p).__close(f.w) end,
    bad_arg(1, "__close", "Probe expected, got WeakProbe") }
  c[#c + 1] = { "Probe __close(a LentProbe)", function(f) meta(f.p).__close(f.ended) end,
    bad_arg(1, "__close", "Probe expected, got LentProbe") }
  c[#c + 1] = { "Probe __close({})", function(f) meta(f.p).__close({}) end,
    bad_arg(1, "__close", "Probe expected, got table") }
  c[#c + 1] = { "Probe __close(p) during its loan",
    function(f) rcprobe.lend(f.p, function() meta(f.p).__close(f.p) end) end,
    bad_arg(1, "__close", "probe #{p} is lent out: close it after the loan") }
  c[#c + 1] = { "WeakProbe __tostring(a Probe)", function(f) meta(f.w).__tostring(f.p) end,
    bad_arg(1, "__tostring", "WeakProbe expected, got Probe") }
  c[#c + 1] = { "WeakProbe __tostring(1)", function(f) meta(f.w).__tostring(1) end,
    bad_arg(1, "__tostring", "WeakProbe expected, got number") }
  c[#c + 1] = { "LentProbe __tostring(a Probe)", function(f) meta(f.ended).__tostring(f.p) end,
    bad_arg(1, "__tostring", "LentProbe expected, got Probe") }
  c[#c + 1] = { "LentProbe __tostring(io.stdout)", function(f) meta(f.ended).__tostring(io.stdout) end,
    bad_arg(1, "__tostring", "LentProbe expected, got " .. FILE) }
end

describe("errors", function()
  for _, g in ipairs(groups) do
    describe(g.name, function()
      for _, case in ipairs(g.cases) do
        it(case[1] .. " raises a string error naming the function, at the caller, and changes nothing", function()
          check(case)
        end)
      end
    end)
  end

  if helper.has_close then
    it("a <close> variable of a lent Probe raises at the end of its scope, and changes nothing", function()
      local scope = assert(load([[
        local rcprobe, p = ...
        rcprobe.lend(p, function()
          local closing <close> = p
        end)
      ]], "=close_chunk"))
      between_collections(function()
        local f = fixtures()
        local before = snapshot(f)
        local ok, err = pcall(scope, rcprobe, f.p)
        local after = snapshot(f)
        free(f)
        assert.is_false(ok)
        assert.are.equal("string", type(err))
        assert.are.equal(("close_chunk:4: %s"):format(
          bad_arg(1, "__close", ("probe #%d is lent out: close it after the loan"):format(f.p:id()))), err)
        assert.are.same(before, after)
      end)
    end)
  end

  it("are never raised by id_of(), __eq, links(), or the methods a closed Probe still answers", function()
    between_collections(function()
      local f = fixtures()
      local before = snapshot(f)
      local values = { n = 10, nil, 1, "x", {}, print, io.stdout, f.p, f.w, f.ended, f.c }
      for k = 1, values.n do
        assert.has_no.errors(function() rcprobe.id_of(values[k]) end)
      end
      assert.is_nil(rcprobe.id_of())
      assert.is_nil(rcprobe.id_of(f.ended))
      assert.are.equal(f.p:id(), rcprobe.id_of(f.c))
      local eq = debug.getmetatable(f.p).__eq
      assert.is_false(eq(f.p, f.w))
      assert.is_false(eq(1, io.stdout))
      assert.is_true(eq(f.p, f.c))
      assert.are.equal("table", type(rcprobe.links(1, 2)))
      for _, method in ipairs({ "id", "label", "strong_count", "weak_count", "is_closed", "close" }) do
        assert.has_no.errors(function() f.c[method](f.c) end)
      end
      assert.has_no.errors(function() return tostring(f.c), tostring(f.dead_w), tostring(f.ended) end)
      assert.is_nil(f.dead_w:upgrade())
      assert.are.same(before, snapshot(f))
      free(f)
    end)
  end)

  -- Known bugs, listed in the report of the branch that added them: mlua installs a `__gc`
  -- in each handle's metatable, and debug.getmetatable reaches it. Lua's own `__gc`s check
  -- their argument (io.stdout's says "FILE* expected"); these do not. Change `pending` to `it`
  -- once fixed.
  pending("__gc called by Lua code with a value that is not a handle raises, and the interpreter does not crash",
    function()
      local script = os.tmpname()
      local file = assert(io.open(script, "w"))
      file:write(("package.path, package.cpath = %q, %q\n"):format(package.path, package.cpath), [[
        local rcprobe = require("rcprobe")
        local p = rcprobe.new()
        local ok, err = pcall(debug.getmetatable(p).__gc, {})
        io.write(tostring(ok), " ", type(err), "\n")
      ]])
      file:close()
      local output = assert(io.popen(("%s %s 2>&1; echo status=$?"):format(helper.interpreter(), script))):read("*a")
      os.remove(script)
      assert.are.equal("false string\nstatus=0\n", output)
    end)

  pending("__gc called by Lua code on a live Probe leaves it usable, or raises a string error", function()
    local p = rcprobe.new()
    local q = p:clone()
    pcall(debug.getmetatable(q).__gc, q)
    local ok, err = pcall(function() return q:strong_count() end)
    assert.is_true(ok or type(err) == "string", "q:strong_count() raised a " .. type(err))
    ok, err = pcall(tostring, q)
    assert.is_true(ok or type(err) == "string", "tostring(q) raised a " .. type(err))
  end)

  it("count arguments as Lua does: from the argument after self in a method call", function()
    local p = rcprobe.new()
    assert.has_error(function() p:set({}) end, bad_arg(1, "set", VALUES .. " expected, got table"))
    assert.has_error(function() p.set(p, {}) end, bad_arg(2, "set", VALUES .. " expected, got table"))
  end)

  it("carry the caller's position, also from a function called through a local", function()
    local p = rcprobe.new()
    local set = p.set
    local ok, err = pcall(function() set(p, {}) end)
    assert.is_false(ok)
    assert.matches("^spec[/\\]errors_spec%.lua:%d+: bad argument #2 to 'set'", err)
  end)

  it("from fn are raised again unchanged by pass(), lend() and leaks(), even tables", function()
    local p = rcprobe.new()
    local raised = setmetatable({}, { __tostring = function() return "a table error" end })
    for _, call in ipairs({
      function() rcprobe.pass(p, function() error(raised) end) end,
      function() rcprobe.lend(p, function() error(raised) end) end,
      function() rcprobe.leaks(function() error(raised) end) end,
    }) do
      local ok, err = pcall(call)
      assert.is_false(ok)
      assert.are.equal(raised, err)
    end
  end)
end)
