--- rcprobe.heap: the Lua heap as Lua code can walk it, breadth first from its roots. Internal
--- to the rock (rcprobe.paths and rcprobe.census walk with it): its names are not part of the API.
--
-- The roots, in the order that names the paths: the global table, package.loaded, the stacks of
-- the running thread and of the main thread, the registry, the metatables of the basic types.
-- Then, in a second phase, the Lua values that Rust holds through links (`p:link` and host
-- `rcprobe::Link`s): what only they reach is kept alive by Rust alone. Coroutines, functions and
-- userdata reached from there are walked in turn: locals, upvalues, metatables, user values.
--
-- Each object is visited once, so the walk ends on cyclic graphs and its time grows with the
-- size of the heap, not with the number of paths. Only the parent of each object is kept while
-- walking; the key that leads to it is found again (`step_to`) for the few objects on a
-- reported path only.
--
-- Without the debug library (a Rust host's `mlua::Lua::new()`), locals, upvalues and the
-- registry cannot be searched: the walk says so in `w.unsearched`, and still walks the rest.

local rcprobe = require("rcprobe")

-- LuaJIT: a trace compiled for the walk keeps the objects it saw as constants, alive until the
-- trace is flushed, so a walk would keep alive what it explains. Interpreted it keeps nothing
-- (and LuaJIT's interpreter still walks a million objects in about a second).
if jit then jit.off(true, true) end

local has_debug, debug = pcall(require, "debug")
if not (has_debug and type(debug) == "table" and debug.getinfo) then debug = nil end

local internal = rcprobe._internal
local find, format = string.find, string.format
local next, rawequal, rawget, type = next, rawequal, rawget, type
local getinfo = debug and debug.getinfo
local getlocal = debug and debug.getlocal
local getupvalue = debug and debug.getupvalue
local getmetatable = debug and debug.getmetatable or getmetatable
local getfenv = getfenv -- 5.1 and LuaJIT: getfenv(0) is the global table, getfenv(f) a function's
local debug_getfenv = debug and debug.getfenv -- 5.1 and LuaJIT: environments of threads and userdata
local getuservalue = debug and debug.getuservalue -- 5.2+
local handle_of, links_of, user_value_of = internal.handle, internal.links, internal.user_value
local id_of, info_of = rcprobe.id_of, rcprobe.info

local heap = {}

--- Whether the walk can search everything: locals, upvalues and the registry need `debug`.
heap.HAS_DEBUG = debug ~= nil

--- What a walk without the debug library leaves out, and how to get it.
heap.UNSEARCHED = "locals, upvalues and the registry were not searched: this Lua state has no debug "
  .. "library (in a Rust host, make the state with unsafe { mlua::Lua::unsafe_new() }, or add "
  .. "mlua::StdLib::DEBUG through mlua::Lua::unsafe_new_with)"

local MULTIPLE_USER_VALUES = _VERSION >= "Lua 5.4" -- debug.getuservalue(u, n)
local HAS_EPHEMERONS = _VERSION ~= "Lua 5.1" -- 5.1 and LuaJIT keep the values of weak-key tables

heap.COLLECTABLE = { table = true, ["function"] = true, userdata = true, thread = true }
local COLLECTABLE = heap.COLLECTABLE

-- Frames at the top of the running thread whose locals are not roots.
local INTERNAL_SOURCES = {
  "rcprobe[/\\]heap%.lua$",
  "rcprobe[/\\]paths%.lua$",
  "rcprobe[/\\]census%.lua$",
  "rcprobe[/\\]luassert%.lua$",
  "luassert[/\\][%w_]+%.lua$",
}

local function is_internal(source)
  for i = 1, #INTERNAL_SOURCES do
    if find(source, INTERNAL_SOURCES[i]) then return true end
  end
  return false
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

--- `function <file.lua:12>`, `main chunk <file.lua>` or `C function`.
function heap.describe_function(f)
  if getinfo then return frame_text(getinfo(f, "S")) end
  return frame_text(internal.function_info(f))
end

--- The `__name` of a value's metatable, if it has one.
function heap.type_name(v)
  local t = type(v)
  if t == "userdata" and not debug then return internal.type_name(v) end
  local mt = getmetatable(v)
  local name = type(mt) == "table" and rawget(mt, "__name")
  return type(name) == "string" and name or nil
end

--- A short name for a value used as a table key or met on the way, without calling its
--- __tostring (which may fail or allocate handles): `Probe #3`, `DataHandle #4`, `table`.
function heap.describe_value(v)
  local t = type(v)
  if t == "function" then return heap.describe_function(v) end
  if t == "userdata" then
    local id = id_of(v)
    if id then return format("%s #%d", heap.type_name(v) or "userdata", id) end
  end
  if t == "table" or t == "userdata" then
    local mt = getmetatable(v)
    if type(mt) == "table" and (rawget(mt, "__tostring") or rawget(mt, "__name")) then return t end
    if t == "userdata" then return heap.type_name(v) or t end
  end
  return tostring(v)
end

local floor, huge = math.floor, math.huge
local math_type = math.type

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
  return "[" .. heap.describe_value(k) .. "]"
end

-- The name of a stack slot: `local 'p'`, `vararg #2`, `temporary`, `C temporary`, ...
local function slot_text(name, index)
  if index < 0 then return format("vararg #%d", -index) end
  if name:sub(1, 1) == "(" then return (name:gsub("^%(%*?", ""):gsub("%)$", "")) end
  return format("local '%s'", name)
end

--- Steps ----------------------------------------------------------------------------------

-- One step of a path: how an object is reached from its parent. `kind` is "root", "field"
-- (a string key), "index" (another key), "key", "metatable", "upvalue", "environment",
-- "user value", "local", "running" or "link"; `text` says it in words; `key` is the table key
-- of field and index steps (and the owner's id of user value steps).
local function step(kind, text, key)
  return { kind = kind, text = text, key = key }
end
heap.step = step

--- How `child` is reached from `from` (a table, function or userdata), found again.
function heap.step_to(from, child)
  local t = type(from)
  if (t == "table" or t == "userdata") and rawequal(getmetatable(from), child) then
    return step("metatable", "metatable")
  end
  if t == "table" then
    for k, v in next, from do
      if rawequal(v, child) then return step(type(k) == "string" and "field" or "index", index_text(k), k) end
    end
    for k in next, from do
      if rawequal(k, child) then return step("key", "key " .. heap.describe_value(k)) end
    end
  elseif t == "function" then
    local i = 1
    while getupvalue do
      local name, v = getupvalue(from, i)
      if name == nil then break end
      if rawequal(v, child) then
        if name == "" then
          return step("upvalue", format("upvalue #%d of %s", i, heap.describe_function(from)))
        end
        return step("upvalue", format("upvalue '%s' of %s", name, heap.describe_function(from)))
      end
      i = i + 1
    end
    if getfenv and rawequal(getfenv(from), child) then
      return step("environment", "environment of " .. heap.describe_function(from))
    end
  elseif t == "userdata" then
    local owner = heap.describe_value(from)
    if not debug then
      if rawequal(user_value_of(from), child) then return step("user value", "user value of " .. owner, id_of(from)) end
    elseif MULTIPLE_USER_VALUES then
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

--- The walk -------------------------------------------------------------------------------

--- Walks the heap once. `opts`:
---   ids       {[id] = true}: every reference to a handle of one of these objects is a hit
---   values    {[value] = true}: every reference to one of these values is a hit
---   asked     {[handle or value] = true}: what the caller passed (it holds them, so their
---             temporaries in the caller's call are not news)
--- Returns the walk `w`: `TOP` (the parent of the roots), `parent` (object -> the object it was
--- first reached from), `labels` (object -> its step, for roots and stack slots, which cannot be
--- found again), `linked` (object -> true when only Rust's links reach it), `hits` (every
--- reference to a handle or value of interest: `{from, to, step or nil, linked}`), `kinds`
--- (userdata -> "strong", "weak", "none" or false), `handles` (every host handle met, for
--- `known_handles`) and `unsearched` (nil, or what could not be searched).
function heap.walk(opts)
  local ids, values, asked = opts.ids or {}, opts.values or {}, opts.asked or {}
  local TOP = {} -- the parent of the roots
  local parent, labels, linked = {}, {}, {}
  local queue, head, tail = {}, 1, 0
  local kinds = {} -- userdata -> its handle kind if it stands for an object of `ids`, or false
  local hits = {}
  local ephemerons = {}
  local phase_linked = false

  -- Without ids (a census) no userdata is a handle of interest: asking each is a Rust call.
  local any_ids = next(ids) ~= nil

  local function kind_of(u)
    if not any_ids then return false end
    local kind = kinds[u]
    if kind == nil then
      local id, handle_kind = handle_of(u)
      kind = id ~= nil and ids[id] ~= nil and handle_kind or false
      kinds[u] = kind
    end
    return kind
  end

  local function enqueue(from, v, label)
    parent[v] = from
    labels[v] = label
    if phase_linked then linked[v] = true end
    tail = tail + 1
    queue[tail] = v
  end

  -- The step of a table's field (or key, when `is_key`) `k`, for a hit: a table may hold the
  -- same value under several keys, and each is a reference of its own.
  local function table_step(k, is_key)
    if is_key then return step("key", "key " .. heap.describe_value(k)) end
    return step(type(k) == "string" and "field" or "index", index_text(k), k)
  end

  -- Records the edge from -> v (v collectable); `label` is its step when it cannot be found
  -- again from `from` (roots and stack slots); `key` is the table key it was found under.
  local function reach(from, v, label, key, is_key)
    if parent[v] == nil then enqueue(from, v, label) end
    if values[v] or type(v) == "userdata" and kind_of(v) then
      if label == nil and key ~= nil then label = table_step(is_key and v or key, is_key) end
      hits[#hits + 1] = { from, v, label, phase_linked }
    end
  end

  local function root(v, label)
    if v ~= nil and COLLECTABLE[type(v)] then reach(TOP, v, label) end
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
    if not debug then return end
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
          reach(node, v, step("local", slot_text(name, i) .. " of " .. where))
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

  -- Breadth first, until the queue is empty and the ephemerons give nothing more. Tables are
  -- the bulk of any heap, so their loop is written out here.
  local running_node
  local function drain()
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
          if type(mt) == "table" then
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
                    if phase_linked then linked[v] = true end
                    tail = tail + 1
                    queue[tail] = v
                  end
                  if values[v] then hits[#hits + 1] = { obj, v, table_step(k), phase_linked } end
                elseif tv == "userdata" then
                  reach(obj, v, nil, k)
                end
              end
              if not weak_keys then
                local tk = type(k)
                if tk == "table" or tk == "function" or tk == "thread" then
                  if parent[k] == nil then
                    parent[k] = obj
                    if phase_linked then linked[k] = true end
                    tail = tail + 1
                    queue[tail] = k
                  end
                  if values[k] then hits[#hits + 1] = { obj, k, table_step(k, true), phase_linked } end
                elseif tk == "userdata" then
                  reach(obj, k, nil, k, true)
                end
              end
            end
          end
        elseif kind == "function" then
          local i = 1
          while getupvalue do
            local name, v = getupvalue(obj, i)
            if name == nil then break end
            if v ~= nil and COLLECTABLE[type(v)] then reach(obj, v) end
            i = i + 1
          end
          if getfenv then
            local env = getfenv(obj)
            if env ~= nil then reach(obj, env) end
          end
        elseif kind == "userdata" then
          if debug then
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
            local v = user_value_of(obj)
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
            if parent[v] == nil or values[v] or type(v) == "userdata" and kinds[v] then reach(t, v, nil, k) end
          end
        end
      end
      if tail == before then break end
    end
  end

  -- Phase 1: what Lua's own roots reach.
  local registry = debug and debug.getregistry()
  local globals = getfenv and getfenv(0) or registry and rawget(registry, 2) or _G
  root(globals, step("root", "_G"))
  root(registry and rawget(registry, "_LOADED") or package and package.loaded, step("root", "package.loaded"))
  local running, is_main = coroutine.running()
  if running == nil then is_main = true end -- 5.1 and LuaJIT in the main thread
  running_node = running or {} -- a stand-in: 5.1 gives no handle to its main thread
  reach(TOP, running_node, step("root", is_main and "main thread" or "running coroutine"))
  if not is_main and registry then root(rawget(registry, 1), step("root", "main thread")) end -- 5.2+
  root(registry, step("root", "registry"))
  if debug then
    for _, basic in next, { { "", "strings" }, { 0, "numbers" }, { true, "booleans" },
      { print, "functions" }, { running_node, "threads" } } do
      if type(basic[1]) ~= "table" then root(getmetatable(basic[1]), step("root", "metatable of " .. basic[2])) end
    end
    root(getmetatable(nil), step("root", "metatable of nil"))
  end
  drain()

  -- Phase 2: what only Rust's links reach.
  phase_linked = true
  local link_roots = {}
  for _, link in next, links_of() do
    local text = link.label
    if text == nil then
      local label = info_of(link.owner).label
      text = format("link of probe #%d%s", link.owner, label and format(" %q", label) or "")
    end
    link.text = "Rust: " .. text
    link_roots[#link_roots + 1] = link
    root(link.value, step("link", link.text, link.owner))
  end
  drain()

  for handle in next, asked do
    if type(handle) == "userdata" then kind_of(handle) end
  end
  return {
    TOP = TOP, parent = parent, labels = labels, linked = linked, hits = hits, kinds = kinds,
    asked = asked, links = link_roots, running_node = running_node,
    unsearched = not debug and heap.UNSEARCHED or nil,
  }
end

-- A path longer than this many steps shows its first and last KEPT_STEPS only: nobody reads
-- the middle of a linked list, and looking every step up again would take long.
local MAX_STEPS, KEPT_STEPS = 60, 20

--- Root-first steps from the root to `obj`, at most `max_steps` (default 60) of them: a longer
--- path keeps both ends, with one "elided" step between them.
function heap.steps_to(w, obj, max_steps)
  max_steps = max_steps or MAX_STEPS
  local kept = max_steps < MAX_STEPS and math.floor(max_steps / 2) or KEPT_STEPS
  local chain = {}
  while obj ~= w.TOP do
    chain[#chain + 1] = obj
    obj = w.parent[obj]
  end
  local n = #chain
  local steps = {}
  for i = n, 1, -1 do
    local depth = n - i + 1
    if n <= max_steps or depth <= kept or depth > n - kept then
      local node = chain[i]
      local s = w.labels[node] or heap.step_to(chain[i + 1], node)
      s.object = node
      steps[#steps + 1] = s
    elseif depth == kept + 1 then
      steps[#steps + 1] = step("elided", format("... %d steps ...", n - 2 * kept))
    end
  end
  return steps
end

return heap
