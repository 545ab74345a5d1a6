--- rcprobe.paths: why is an object still alive?
--
-- `paths.to(x)` walks the Lua heap breadth first from its roots and lists, for each reference
-- to an open Probe of x's object, the shortest path from a root to the thing that holds that
-- Probe, plus the strong references Rust keeps (`rcprobe.hold`). The roots are: the global
-- table, package.loaded, the stacks of the running thread and of the main thread, the
-- registry, the metatables of the basic types, and the values Rust links with `p:link`
-- (`rcprobe.links()`: Lua code cannot see them any other way). Coroutines, functions and
-- userdata reached from there are walked in turn: locals, upvalues, metatables, user values.
--
-- Each object is visited once, so the walk ends on cyclic graphs and its time grows with the
-- size of the heap, not with the number of paths. Only the parent of each object is kept
-- while walking; the key that leads to it is found again, for the few objects on a reported
-- path only.
--
-- The frames of this module, of rcprobe.luassert and of luassert at the top of the running
-- thread are not roots: they hold the very handle being explained.

local rcprobe = require("rcprobe")
local target = require("rcprobe.target")

-- LuaJIT: a trace compiled for the walk keeps the objects it saw as constants, alive until the
-- trace is flushed, so a walk would keep alive what it explains. Interpreted it keeps nothing
-- (and LuaJIT's interpreter still walks a million objects in about a second).
if jit then jit.off(true, true) end

local debug = require("debug")
local find, format = string.find, string.format
local concat, sort = table.concat, table.sort
local next, rawequal, rawget, select, tostring, type = next, rawequal, rawget, select, tostring, type
local floor, huge = math.floor, math.huge
local math_type = math.type
local getinfo, getlocal, getmetatable, getupvalue = debug.getinfo, debug.getlocal, debug.getmetatable,
  debug.getupvalue
local debug_getfenv = debug.getfenv -- 5.1 and LuaJIT: environments of functions, threads and userdata
local getfenv = getfenv -- 5.1 and LuaJIT: getfenv(0) is the global table
local getuservalue = debug.getuservalue -- 5.2+
local id_of, info_of = rcprobe.id_of, rcprobe.info

local MULTIPLE_USER_VALUES = _VERSION >= "Lua 5.4" -- debug.getuservalue(u, n)
local HAS_EPHEMERONS = _VERSION ~= "Lua 5.1" -- 5.1 and LuaJIT keep the values of weak-key tables

local COLLECTABLE = { table = true, ["function"] = true, userdata = true, thread = true }

local HANDLE_NAMES = { Probe = true, WeakProbe = true, LentProbe = true }

-- Frames at the top of the running thread whose locals are not roots.
local INTERNAL_SOURCES = {
  "rcprobe[/\\]paths%.lua$",
  "rcprobe[/\\]luassert%.lua$",
  "luassert[/\\][%w_]+%.lua$",
}

local paths = {}

local function is_internal(source)
  for i = 1, #INTERNAL_SOURCES do
    if find(source, INTERNAL_SOURCES[i]) then return true end
  end
  return false
end

-- The handle kind of a Probe, WeakProbe or LentProbe `u` (nil for other userdata): "strong"
-- for an open Probe (it keeps the object alive), "weak" for a WeakProbe, false otherwise.
local function handle_kind(u)
  local mt = getmetatable(u)
  local name = type(mt) == "table" and rawget(mt, "__name")
  if not HANDLE_NAMES[name] then return nil end
  if name == "Probe" then return not u:is_closed() and "strong" end
  return name == "WeakProbe" and "weak"
end

--- Descriptions ---------------------------------------------------------------------------

local KEYWORDS = {}
for word in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do
  KEYWORDS[word] = true
end

-- A function as a frame running it or as a value (without a name: "S" gives none).
local function frame_text(info)
  if info.what == "C" then
    return info.name and format("C function '%s'", info.name) or "C function"
  end
  if info.what == "main" then return format("main chunk <%s>", info.short_src) end
  return format("function <%s:%d>", info.short_src, info.linedefined)
end

local function describe_function(f)
  return frame_text(getinfo(f, "S"))
end

-- A short name for a value used as a table key or met on the way, without calling its
-- __tostring (which may fail or allocate handles).
local function describe_value(v)
  local t = type(v)
  if t == "function" then return describe_function(v) end
  if t == "userdata" then
    local id = id_of(v)
    if id then return format("%s #%d", rawget(getmetatable(v), "__name"), id) end
  end
  local mt = getmetatable(v)
  if t == "table" or t == "userdata" then
    if mt and (rawget(mt, "__tostring") or rawget(mt, "__name")) then return t end
  end
  return tostring(v)
end

local function format_number(n)
  if math_type then
    if math_type(n) == "integer" then return format("%d", n) end
  elseif n == floor(n) and n > -2 ^ 53 and n < 2 ^ 53 then
    return format("%d", n)
  end
  if n ~= n then return "0/0" end
  if n == huge then return "math.huge" end
  if n == -huge then return "-math.huge" end
  return format("%.17g", n)
end

-- A key as Lua source would index with it: `.name`, `["a b"]`, `[3]`, `[true]`, `[table]`.
local function index_text(k)
  local t = type(k)
  if t == "string" then
    if find(k, "^[%a_][%w_]*$") and not KEYWORDS[k] then return "." .. k end
    local shown = #k > 40 and k:sub(1, 40) or k
    shown = format("%q", shown):gsub("\\\n", "\\n")
    return "[" .. shown .. (#k > 40 and "..." or "") .. "]"
  elseif t == "number" then
    return "[" .. format_number(k) .. "]"
  elseif t == "boolean" then
    return "[" .. tostring(k) .. "]"
  end
  return "[" .. describe_value(k) .. "]"
end

-- The name of a stack slot: `local 'p'`, `vararg #2`, `temporary`, `C temporary`, ...
local function slot_text(name, index)
  if index < 0 then return format("vararg #%d", -index) end
  if name:sub(1, 1) == "(" then return (name:gsub("^%(%*?", ""):gsub("%)$", "")) end
  return format("local '%s'", name)
end

--- The walk -------------------------------------------------------------------------------

-- One step of a path: how `child` is reached from its parent. `kind` is "root", "index",
-- "key", "metatable", "upvalue", "environment", "user value", "stack" or "running".
local function step(kind, text, key)
  return { kind = kind, text = text, key = key }
end

-- Walks the heap once, looking for handles (Probes, WeakProbes) of the objects whose ids are
-- keys of `targets`. Returns the walk: `parent` (object -> the object it was first reached
-- from), `labels` (object -> its step, for roots and stack slots, which cannot be looked up
-- again later), `hits` (every reference to a handle: {from, handle, step or nil}) and `kinds`
-- (handle -> "strong" or "weak", or false). `asked` holds the handles the caller passed: the
-- caller holds them, so they count as reached, and its call's temporaries holding them are
-- not listed.
local function walk(targets, asked)
  local TOP = {} -- the parent of the roots
  local parent, labels = {}, {}
  local queue, head, tail = {}, 1, 0
  local kinds = {} -- userdata -> its handle kind among the targets, or false
  local hits = {}
  local ephemerons = {}

  local function kind_of(u)
    local kind = kinds[u]
    if kind == nil then
      local id = id_of(u)
      kind = id ~= nil and targets[id] ~= nil and handle_kind(u) or false
      kinds[u] = kind
    end
    return kind
  end

  -- Records the edge from -> v (v collectable); `label` is its step when it cannot be found
  -- again from `from` (roots and stack slots).
  local function reach(from, v, label)
    if parent[v] == nil then
      parent[v] = from
      labels[v] = label
      tail = tail + 1
      queue[tail] = v
    end
    if type(v) == "userdata" and kind_of(v) then
      hits[#hits + 1] = { from, v, label }
    end
  end

  local function root(v, text)
    if v ~= nil and COLLECTABLE[type(v)] then reach(TOP, v, step("root", text)) end
  end

  -- One frame's slots: locals and temporaries (1, 2, ...), then varargs (-1, -2, ...).
  -- `level` counts from scan_stack's caller's point of view, as getinfo's does.
  local function slots(co, level, visit)
    for direction = 1, -1, -2 do
      local i = direction
      while true do
        local name, v
        if co then name, v = getlocal(co, level, i) else name, v = getlocal(level + 1, i) end
        if name == nil then break end
        visit(name, i, v)
        i = i + direction
      end
    end
  end

  -- The locals and running functions of a thread's frames. `co` is nil for the running
  -- thread, whose internal frames at the top are skipped; `node` is the thread's node in the
  -- walk (the thread, or a stand-in for 5.1's main thread, which Lua code cannot get).
  local function scan_stack(co, node)
    local level = co and 0 or 2 -- 1 is scan_stack itself
    local skipping, call_site = co == nil, false
    while true do
      local info
      if co then info = getinfo(co, level, "Snf") else info = getinfo(level, "Snf") end
      if not info then break end
      if skipping and info.what ~= "tail" and not is_internal(info.source) then
        skipping, call_site = false, true
      end
      if not skipping and info.what ~= "tail" then -- 5.1 marks a frame a tail call replaced
        local where = frame_text(info)
        if info.func then reach(node, info.func, step("running", where .. " (running)")) end
        slots(co, level, function(name, i, v)
          if v == nil or not COLLECTABLE[type(v)] then return end
          -- The arguments of the call that asks (`paths.to(p)`, `assert.alive(p)`) are not
          -- news; anything else in a temporary is, even a stale one: the collector sees it.
          if call_site and asked[v] and find(name, "^%(%*?temporary%)$") then return end
          reach(node, v, step("stack", slot_text(name, i) .. " of " .. where))
        end)
        call_site = false
      end
      level = level + 1
    end
    if co and debug_getfenv then
      local env = debug_getfenv(co)
      if env ~= nil then reach(node, env, step("environment", "environment")) end
    end
  end

  -- The roots, in the order that names the paths: the first root that reaches an object at
  -- the smallest depth is the one its paths start from.
  local registry = debug.getregistry()
  local globals = getfenv and getfenv(0) or rawget(registry, 2)
  root(globals, "_G")
  root(rawget(registry, "_LOADED") or package.loaded, "package.loaded")
  local running, is_main = coroutine.running()
  if running == nil then is_main = true end -- 5.1 and LuaJIT in the main thread
  local running_node = running or {} -- a stand-in: 5.1 gives no handle to its main thread
  reach(TOP, running_node, step("root", is_main and "main thread" or "running coroutine"))
  if not is_main then root(rawget(registry, 1), "main thread") end -- 5.2+ only
  root(registry, "registry")
  for _, basic in next, { { "", "strings" }, { 0, "numbers" }, { true, "booleans" },
    { print, "functions" }, { running_node, "threads" } } do
    if type(basic[1]) ~= "table" then root(getmetatable(basic[1]), "metatable of " .. basic[2]) end
  end
  root(getmetatable(nil), "metatable of nil")
  local links = rcprobe.links()
  local linking = {}
  for id in next, links do linking[#linking + 1] = id end
  sort(linking)
  for _, id in next, linking do
    local label = info_of(id).label
    root(links[id], format("link of probe #%d%s", id, label and format(" %q", label) or ""))
  end

  -- Breadth first. Tables are the bulk of any heap, so their loop is written out here.
  while true do
    while head <= tail do
      local obj = queue[head]
      head = head + 1
      local kind = type(obj)
      if obj == running_node then
        scan_stack(nil, obj)
      elseif kind == "table" then
        local weak_keys, weak_values = false, false
        local mt = getmetatable(obj)
        if mt ~= nil then
          reach(obj, mt)
          local mode = rawget(mt, "__mode")
          if type(mode) == "string" then
            weak_keys = find(mode, "k", 1, true) ~= nil
            weak_values = find(mode, "v", 1, true) ~= nil
          end
        end
        if weak_keys and HAS_EPHEMERONS then
          if not weak_values then ephemerons[#ephemerons + 1] = obj end
        else
          for k, v in next, obj do
            if not weak_values then
              local tv = type(v)
              if tv == "table" or tv == "function" or tv == "thread" then
                if parent[v] == nil then
                  parent[v] = obj
                  tail = tail + 1
                  queue[tail] = v
                end
              elseif tv == "userdata" then
                reach(obj, v)
              end
            end
            if not weak_keys then
              local tk = type(k)
              if tk == "table" or tk == "function" or tk == "thread" then
                if parent[k] == nil then
                  parent[k] = obj
                  tail = tail + 1
                  queue[tail] = k
                end
              elseif tk == "userdata" then
                reach(obj, k)
              end
            end
          end
        end
      elseif kind == "function" then
        local i = 1
        while true do
          local name, v = getupvalue(obj, i)
          if name == nil then break end
          if v ~= nil and COLLECTABLE[type(v)] then reach(obj, v) end
          i = i + 1
        end
        if debug_getfenv then
          local env = debug_getfenv(obj)
          if env ~= nil then reach(obj, env) end
        end
      elseif kind == "userdata" then
        local mt = getmetatable(obj)
        if mt ~= nil then reach(obj, mt) end
        if MULTIPLE_USER_VALUES then
          local n = 1
          while true do
            local v, ok = getuservalue(obj, n)
            if not ok then break end
            if v ~= nil and COLLECTABLE[type(v)] then reach(obj, v) end
            n = n + 1
          end
        else
          local v = (getuservalue or debug_getfenv)(obj)
          if v ~= nil and COLLECTABLE[type(v)] then reach(obj, v) end
        end
      else
        scan_stack(obj, obj)
      end
    end
    -- Ephemerons (weak keys, strong values): a value is reachable once its key is. Values
    -- whose keys are not objects are always reachable.
    local before = tail
    for i = 1, #ephemerons do
      local t = ephemerons[i]
      for k, v in next, t do
        if (not COLLECTABLE[type(k)] or parent[k] ~= nil) and COLLECTABLE[type(v)] then
          if parent[v] == nil or (type(v) == "userdata" and kinds[v]) then reach(t, v) end
        end
      end
    end
    if tail == before then break end
  end

  for handle in next, asked do kind_of(handle) end
  return { TOP = TOP, parent = parent, labels = labels, hits = hits, kinds = kinds, asked = asked }
end

--- Paths ----------------------------------------------------------------------------------

-- How `child` is reached from `from` (a table, function or userdata), found again.
local function find_step(from, child)
  local t = type(from)
  if getmetatable(from) == child and (t == "table" or t == "userdata") then
    return step("metatable", "metatable")
  end
  if t == "table" then
    for k, v in next, from do
      if rawequal(v, child) then return step("index", index_text(k), k) end
    end
    for k in next, from do
      if rawequal(k, child) then return step("key", "key " .. describe_value(k)) end
    end
  elseif t == "function" then
    local i = 1
    while true do
      local name, v = getupvalue(from, i)
      if name == nil then break end
      if rawequal(v, child) then
        if name == "" then
          return step("upvalue", format("upvalue #%d of %s", i, describe_function(from)))
        end
        return step("upvalue", format("upvalue '%s' of %s", name, describe_function(from)))
      end
      i = i + 1
    end
    if debug_getfenv and rawequal(debug_getfenv(from), child) then
      return step("environment", "environment of " .. describe_function(from))
    end
  elseif t == "userdata" then
    local owner = id_of(from) and describe_value(from) or "userdata"
    if MULTIPLE_USER_VALUES then
      local n = 1
      while true do
        local v, ok = getuservalue(from, n)
        if not ok then break end
        if rawequal(v, child) then
          local which = n == 1 and "user value" or format("user value #%d", n)
          return step("user value", which .. " of " .. owner, id_of(from))
        end
        n = n + 1
      end
    elseif rawequal((getuservalue or debug_getfenv)(from), child) then
      return step("user value", "user value of " .. owner, id_of(from))
    end
  end
  return step("edge", "(reference)") -- not reached: the walk only follows edges listed here
end

-- A path longer than this many steps shows its first and last KEPT_STEPS only: nobody reads
-- the middle of a linked list, and looking every step up again would take long.
local MAX_STEPS, KEPT_STEPS = 60, 20

-- Root-first steps from the root to `obj`.
local function steps_to(w, obj)
  local chain = {}
  while obj ~= w.TOP do
    chain[#chain + 1] = obj
    obj = w.parent[obj]
  end
  local n = #chain
  local steps = {}
  for i = n, 1, -1 do
    local depth = n - i + 1
    if n <= MAX_STEPS or depth <= KEPT_STEPS or depth > n - KEPT_STEPS then
      local node = chain[i]
      steps[#steps + 1] = w.labels[node] or find_step(chain[i + 1], node)
    elseif depth == KEPT_STEPS + 1 then
      steps[#steps + 1] = step("elided", format("... %d steps ...", n - 2 * KEPT_STEPS))
    end
  end
  return steps
end

-- Steps after which an index reads as Lua: `_G.cache[3]`, `... -> metatable.__index`.
local GLUE = { index = true, metatable = true }
local EXPRESSION_ROOTS = { _G = true, ["package.loaded"] = true, registry = true }

-- Joins root-first steps into one line: index steps are glued to what Lua syntax can index,
-- other steps are joined with " -> ".
local function render(steps)
  local parts, previous = {}, nil
  for i = 1, #steps do
    local s = steps[i]
    local text = s.text
    if previous and s.kind == "index" and previous.kind == "user value" and previous.key and s.key == 1 then
      text = nil -- mlua keeps a Probe's user value at [1] of a table: "user value of Probe #5"
    elseif previous and s.kind == "upvalue" and previous.kind == "running" then
      parts[#parts] = nil -- the upvalue step names the running function already
      text = text .. " (running)"
    end
    if text then
      if #parts == 0 then
        parts[1] = text
      elseif s.kind == "index" and (GLUE[previous.kind]
        or (previous.kind == "root" and EXPRESSION_ROOTS[previous.text])) then
        parts[#parts + 1] = text
      else
        parts[#parts + 1] = " -> " .. text
      end
    end
    previous = s
  end
  return concat(parts)
end

-- The paths of one object's handles of `kind` ("strong" or "weak"), sorted, and how many
-- distinct handles they reach.
local function paths_of(w, id, kind)
  local list, seen, handles, n = {}, {}, {}, 0
  for _, hit in next, w.hits do
    local from, handle, label = hit[1], hit[2], hit[3]
    if w.kinds[handle] == kind and id_of(handle) == id then
      local steps = from == w.TOP and {} or steps_to(w, from)
      steps[#steps + 1] = label or find_step(from, handle)
      local line = render(steps)
      if not seen[line] then
        seen[line] = true
        list[#list + 1] = line
      end
      if not handles[handle] then
        handles[handle] = true
        n = n + 1
      end
    end
  end
  sort(list) -- paths from the same root side by side, and the same order on every run
  for handle in next, w.asked do
    if w.kinds[handle] == kind and id_of(handle) == id and not handles[handle] then
      handles[handle] = true
      n = n + 1
    end
  end
  return list, n
end

local function plural(n, word)
  return format("%d %s%s", n, word, n == 1 and "" or "s")
end

-- The line for handles that the walk did not find.
local UNREACHED = "%s that no root reaches (garbage not yet collected, or a stale stack slot)"

-- Explains the objects of `infos`: for each, {info, strong = paths, weak = paths}. One walk
-- serves them all. `asked`: the handles the caller passed (a set).
local function explain(infos, asked)
  local targets, any = {}, false
  for _, info in next, infos do
    if info.alive then
      targets[info.id] = true
      any = true
    end
  end
  local w = any and walk(targets, asked)
  local explained = {}
  for i, info in next, infos do
    local strong, weak = {}, {}
    if info.alive then
      -- The walk allocates, so a collection may have run meanwhile: count again.
      local label = info.label
      info = info_of(info.id)
      info.label = info.label or label
    end
    if info.alive then
      if info.held > 0 then
        strong[1] = format("rcprobe.hold: Rust keeps %s (rcprobe.release drops %s)",
          plural(info.held, "strong reference"), info.held == 1 and "it" or "them")
      end
      local found, reached = paths_of(w, info.id, "strong")
      local own_link = format("link of probe #%d", info.id)
      for _, line in next, found do
        if line:sub(1, #own_link) == own_link and not line:sub(#own_link + 1):find("^%d") then
          line = line .. " (its own link: a cycle through Rust that no collection frees; p:unlink() breaks it)"
        end
        strong[#strong + 1] = line
      end
      local unreached = info.strong - info.held - reached
      if unreached > 0 then
        -- Garbage whose finalizer has not run yet, or a stale register below the top of a Lua
        -- stack: the collector marks it, debug.getlocal cannot show it (LuaJIT keeps many).
        strong[#strong + 1] = format(UNREACHED, plural(unreached, "Probe"))
      end
      local weak_found, weak_reached = paths_of(w, info.id, "weak")
      for _, line in next, weak_found do weak[#weak + 1] = line end
      if info.weak - weak_reached > 0 then
        weak[#weak + 1] = format(UNREACHED, plural(info.weak - weak_reached, "WeakProbe"))
      end
    end
    explained[i] = { info = info, strong = strong, weak = weak }
  end
  return explained
end

--- Public API -----------------------------------------------------------------------------

--- Paths from the roots to everything that keeps x's object alive (x: a Probe, WeakProbe,
--- LentProbe or id): one string per reference to one of its open Probes, one for Rust's holds
--- (it says `rcprobe.hold`), one for Probes that no root reaches (garbage the collector has
--- not freed yet, or stale stack slots that Lua's debug library cannot show). `{}` once the
--- object is dropped.
function paths.to(x)
  return explain({ target.info(x, 1, "to", 2) }, { [x] = type(x) == "userdata" or nil })[1].strong
end

local MAX_SHOWN = 10

local function append_list(lines, title, list)
  if #list == 0 then return end
  lines[#lines + 1] = "  " .. title
  for i = 1, math.min(#list, MAX_SHOWN) do
    lines[#lines + 1] = "    " .. list[i]
  end
  if #list > MAX_SHOWN then
    lines[#lines + 1] = format("    ... and %d more", #list - MAX_SHOWN)
  end
end

--- A readable account of each argument's object (Probe, WeakProbe, LentProbe or id): its
--- name, counts, Rust's holds and link, then the paths that keep it alive and the paths to its
--- WeakProbes. rcprobe.luassert prints it when an assertion fails. One walk serves all.
function paths.report(...)
  local infos, asked = {}, {}
  for i = 1, select("#", ...) do
    local x = select(i, ...)
    infos[i] = target.info(x, i, "report", 2)
    if type(x) == "userdata" then asked[x] = true end
  end
  local lines = {}
  for _, e in next, explain(infos, asked) do
    local info = e.info
    if info.alive then
      lines[#lines + 1] = format("%s: strong %d, weak %d, Rust holds %d, %s", target.name(info),
        info.strong, info.weak, info.held, info.linked and "links a Lua value (p:link)" or "no link")
      append_list(lines, "kept alive by:", e.strong)
      append_list(lines, "weak references from:", e.weak)
    else
      lines[#lines + 1] = format("%s: dropped", target.name(info))
    end
  end
  return concat(lines, "\n")
end

return paths
