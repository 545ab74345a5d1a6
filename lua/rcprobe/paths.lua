--- rcprobe.paths: why is an object still alive?
--
-- `paths.to(x)` lists, for each reference that keeps x's object alive, the shortest path from a
-- root to it (rcprobe.heap walks the heap once, breadth first); `paths.why(x)` accounts for
-- every strong reference, cause by cause; `paths.report(x, ...)` says both in words;
-- `paths.graph(x, ...)` gives the same as nodes and edges, and `paths.dot(x, ...)` draws them
-- for Graphviz. One walk serves all the objects of one call.
--
-- An object is reached through its handles: the userdata that hold a strong (or weak)
-- reference to it (Probes, WeakProbes, a host's declared handle types). A watched Lua value is
-- reached itself. What no root reaches is never called garbage outright: a Rust value that
-- rcprobe was not told of, or a stale stack slot, can hold it where Lua cannot look.

local rcprobe = require("rcprobe")
local heap = require("rcprobe.heap")
local target = require("rcprobe.target")

local concat, sort = table.concat, table.sort
local format, select, type = string.format, select, type
local next, pairs = next, pairs
local unpack = table.unpack or unpack
local info_of = rcprobe.info
local internal = rcprobe._internal
local handle_of, value_of, links_of = internal.handle, internal.value_of, internal.links

local paths = {}

-- LuaJIT: traces compiled for this code would keep the handles a walk met alive, until they
-- are flushed (heap.lua turns the JIT off for itself for the same reason).
if jit then jit.off(true, true) end


local function plural(n, word, words)
  return format("%d %s", n, n == 1 and word or (words or word .. "s"))
end

--- Rendering paths ------------------------------------------------------------------------

-- Steps after which an index reads as Lua: `_G.cache[3]`, `... -> metatable.__index`.
local INDEX = { field = true, index = true }
local GLUE = { field = true, index = true, metatable = true }
local EXPRESSION_ROOTS = { _G = true, ["package.loaded"] = true, registry = true }

-- Joins root-first steps into one line: index steps are glued to what Lua syntax can index,
-- other steps are joined with " -> ".
local function render(steps)
  local parts, previous = {}, nil
  for i = 1, #steps do
    local s = steps[i]
    local text = s.text
    if previous and INDEX[s.kind] and previous.kind == "user value" and previous.key and s.key == 1 then
      text = nil -- mlua keeps a Probe's user value at [1] of a table: "user value of Probe #5"
    elseif previous and s.kind == "upvalue" and previous.kind == "running" then
      parts[#parts] = nil -- the upvalue step names the running function already
      text = text .. " (running)"
    end
    if text then
      if #parts == 0 then
        parts[1] = text
      elseif INDEX[s.kind] and (GLUE[previous.kind]
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

--- Explaining -----------------------------------------------------------------------------

local CYCLE_ADVICE = {
  probe = "p:unlink() breaks it",
  host = "keep the value in the object's user value (AnyUserData::set_user_value), or let the "
    .. "closure reach the object through a weak-valued table, instead of a Rust field",
}

-- What keeps each object of `infos` alive, from one walk. `asked`: the handles and values the
-- caller passed (a set). `max_steps`: the longest path drawn in full. Returns one explanation
-- per info: `{info, refs, ...}`, each ref `{handle or value, kind, linked, steps, line}`.
local function explain(infos, asked, max_steps)
  local ids, values, any = {}, {}, false
  for _, info in next, infos do
    if info.alive then
      if info.kind == "lua value" then
        -- A watched value by its id; a plain value (`info.value`, for rcprobe.census) by itself.
        local v = info.value or value_of(info.id)
        if v ~= nil then values[v] = info.id or info end
      else
        ids[info.id] = true
      end
      any = true
    end
  end
  -- The owners of links are looked for too: a link whose owner only links reach is part of a
  -- cycle through Rust.
  for _, link in next, links_of() do
    if link.owner and not ids[link.owner] then ids[link.owner] = "owner" end
  end
  local w = any and heap.walk({ ids = ids, values = values, asked = asked })

  -- Every reference found, by the id of what it reaches.
  local refs_of = {}
  local link_of = {} -- a link's value -> the link
  for _, link in next, (w and w.links or {}) do link_of[link.value] = link end
  -- How the handles of each object (targets and link owners) were reached: `by_lua[id]` when
  -- Lua's own roots reach one, `by_links[id][owner]` when the link of `owner` reaches one, and
  -- `by_values[id][v]` when the path from a link to one passes through the watched value `v`
  -- asked about (which is then part of what the link keeps, as the handle is).
  local function add(id, ref)
    local list = refs_of[id]
    if not list then
      list = {}
      refs_of[id] = list
    end
    list[#list + 1] = ref
  end
  local by_lua, by_links, by_values = {}, {}, {}
  local function root_link(from, to)
    local obj = from == w.TOP and to or from
    while w.parent[obj] ~= w.TOP do obj = w.parent[obj] end
    return link_of[obj]
  end
  local function reached_through_link(id, from, to)
    local kept = by_values[id] or {}
    by_values[id] = kept
    -- `to`, then up from `from` (not from `to`: the reference may lead back to an ancestor,
    -- `t.me = t`, and climbing from there would come round to it again).
    if values[to] ~= nil then kept[values[to]] = true end
    local obj = from
    while obj ~= w.TOP do
      if values[obj] ~= nil then kept[values[obj]] = true end
      obj = w.parent[obj]
    end
    local link = root_link(from, to)
    if link and link.owner then
      by_links[id] = by_links[id] or {}
      by_links[id][link.owner] = true
    end
  end
  -- One reference to the object `id` (a handle of `kind`, or a "value" asked about).
  local function found(id, kind, from, to, label, linked)
    if kind == "strong" or kind == "value" then
      if linked then reached_through_link(id, from, to) else by_lua[id] = true end
    end
    if ids[id] ~= "owner" then
      add(id, { target = to, from = from, label = label, kind = kind, linked = linked })
    end
  end
  if w then
    for _, hit in next, w.hits do
      local from, to, label, linked = hit[1], hit[2], hit[3], hit[4]
      -- A watched value asked about, and (even when it is one) a handle of an object.
      if values[to] ~= nil then found(values[to], "value", from, to, label, linked) end
      if type(to) == "userdata" then
        local id, kind = handle_of(to)
        if id ~= nil and ids[id] ~= nil then found(id, kind, from, to, label, linked) end
      end
    end
  end
  -- Whether the link of `owner` is kept alive by `object` itself: following, from `owner`, the
  -- links that keep it leads back to `object` (and Lua's roots do not keep it).
  local function leads_back(owner, object, seen)
    if owner == object then return true end
    if by_lua[owner] or seen[owner] then return false end
    seen[owner] = true
    if by_values[owner] and by_values[owner][object] then return true end
    for next_owner in next, by_links[owner] or {} do
      if leads_back(next_owner, object, seen) then return true end
    end
    return false
  end

  local explained = {}
  for i, info in next, infos do
    local e = { info = info, refs = {}, unsearched = w and w.unsearched or nil }
    if info.alive and info.id then
      -- The walk allocates, so a collection may have run meanwhile: look again.
      local label = info.label
      e.info = info_of(info.id)
      e.info.label = e.info.label or label
      info = e.info
    end
    if info.alive then
      for _, ref in next, refs_of[info.id or info] or {} do
        local steps = ref.from == w.TOP and {} or heap.steps_to(w, ref.from, max_steps)
        steps[#steps + 1] = ref.label or heap.step_to(ref.from, ref.target)
        ref.steps = steps
        ref.line = render(steps)
        -- A link root: whose link, and whether it closes a cycle through Rust (only what keeps
        -- the object does: a weak handle keeps nothing).
        local keeps = ref.kind == "strong" or ref.kind == "value"
        local link = ref.linked and keeps and root_link(ref.from, ref.target)
        if link and link.owner and leads_back(link.owner, info.id or info, {}) then
          ref.cycle = link.label and "host" or "probe"
          ref.own = link.owner == info.id
          ref.owner = link.owner
        end
        e.refs[#e.refs + 1] = ref
      end
    end
    explained[i] = e
  end
  return explained, w
end

-- The causes of an explanation: every strong reference accounted for.
local function attribute(e)
  local info = e.info
  local counted = info.strong ~= nil
  local causes = {
    reachable = 0, unreached = 0, held = info.held or 0, linked = 0,
    outside = counted and 0 or nil,
    paths = { reachable = {}, linked = {}, weak = {} },
  }
  if not info.alive then return causes end
  -- Handles (or, for a Lua value, references): reachable when one of their references is on
  -- a path from Lua's own roots; linked when only Rust's links reach them.
  local by_handle, order = {}, {}
  -- A reference the walk met twice (an ephemeron table is read again on each pass) is listed
  -- once; two references that read the same (two links with one label) are listed twice.
  local listed = {} -- from -> target -> line -> true
  for _, ref in next, e.refs do
    local list = ref.kind == "weak" and causes.paths.weak or ref.linked and causes.paths.linked
      or causes.paths.reachable
    local line = ref.line
    if ref.cycle then
      causes.cycle = causes.cycle or ref.cycle
      if ref.own and ref.cycle == "probe" then
        line = line .. " (its own link: a cycle through Rust that no collection frees; p:unlink() breaks it)"
      else
        line = line .. " (a cycle through Rust that Lua's collector cannot free: "
          .. CYCLE_ADVICE[ref.cycle] .. ")"
      end
    end
    if ref.kind == "strong" or ref.kind == "value" or ref.kind == "weak" then
      local targets = listed[ref.from] or {}
      listed[ref.from] = targets
      local lines = targets[ref.target] or {}
      targets[ref.target] = lines
      if not lines[line] then
        lines[line] = true
        list[#list + 1] = line
      end
    end
    if ref.kind == "strong" then
      local handle = ref.target
      if by_handle[handle] == nil then order[#order + 1] = handle end
      by_handle[handle] = (by_handle[handle] or ref.linked) and ref.linked
    elseif ref.kind == "value" then
      if ref.linked then causes.linked = causes.linked + 1 else causes.reachable = causes.reachable + 1 end
    end
  end
  for _, handle in next, order do
    if by_handle[handle] then causes.linked = causes.linked + 1 else causes.reachable = causes.reachable + 1 end
  end
  -- Handles the caller passed: the caller holds them.
  for x in next, e.asked or {} do
    if type(x) == "userdata" and by_handle[x] == nil then
      local id, kind = handle_of(x)
      if id == info.id and kind == "strong" then causes.reachable = causes.reachable + 1 end
    end
  end
  for _, list in next, causes.paths do sort(list) end
  if info.kind == "probe" then
    -- Every strong reference to an object of rcprobe's own is a Probe or a hold.
    causes.unreached = info.strong - causes.held - causes.reachable - causes.linked
    if causes.unreached < 0 then causes.unreached = 0 end
  elseif info.kind ~= "lua value" then
    -- A host handle rcprobe has met, which no root reaches now, but which is not collected.
    for handle, id in next, internal.met_handles() or {} do
      if id == info.id and by_handle[handle] == nil and not (e.asked and e.asked[handle]) then
        local _, kind = handle_of(handle)
        if kind == "strong" then causes.unreached = causes.unreached + 1 end
      end
    end
    if counted then
      causes.outside = info.strong - causes.held - causes.reachable - causes.linked - causes.unreached
      if causes.outside < 0 then causes.outside = 0 end
    end
  end
  return causes
end

-- Who can hold the strong references that no walk finds.
local OUTSIDE = "your own Rc clones, or userdata mlua made that rcprobe never met: make them with rcprobe::handle"

-- What the handles of an object are called, for the words.
local HANDLE_WORD = { probe = "Probe", rc = "handle", tally = "handle", ["lua value"] = "reference" }

-- The attribution as one line: "strong 2 = 1 outside Lua (...) + 1 unreached handle (...)".
local function summary(info, causes, unsearched)
  if not info.alive then return "dropped" end
  local handle = HANDLE_WORD[info.kind]
  local parts = {}
  if causes.reachable > 0 then
    -- One path says where at once: "1 handle reachable from Lua (_G.cache.current)".
    local only = causes.reachable == 1 and #causes.paths.reachable == 1 and causes.paths.reachable[1]
    parts[#parts + 1] = plural(causes.reachable, info.kind == "lua value" and "reference" or handle)
      .. " reachable from Lua" .. (only and " (" .. only .. ")" or "")
  end
  if causes.linked > 0 then
    parts[#parts + 1] = plural(causes.linked, handle) .. " reached only through Rust's links"
      .. (causes.cycle and " (a cycle through Rust)" or "")
  end
  if causes.held > 0 then
    parts[#parts + 1] = format("%d held by Rust (rcprobe.hold)", causes.held)
  end
  if causes.unreached > 0 then
    parts[#parts + 1] = format("%s (%s)", plural(causes.unreached, "unreached " .. handle),
      unsearched and "not searched everywhere: see below"
        or "the next full collection frees " .. (causes.unreached == 1 and "it" or "them")
        .. ", unless Rust holds " .. (causes.unreached == 1 and "it" or "them")
        .. " where Lua cannot look or a stale stack slot does")
  end
  if causes.outside and causes.outside > 0 then
    parts[#parts + 1] = format("%d outside Lua (%s)", causes.outside, OUTSIDE)
  end
  if info.strong ~= nil then
    if #parts == 0 then return format("strong %d", info.strong) end
    return format("strong %d = %s", info.strong, concat(parts, " + "))
  end
  if #parts == 0 and info.kind == "tally" then
    if unsearched then return "no handle found from the roots that were searched: see below" end
    return "no handle that a root reaches: it lives in Rust, outside Lua (or its handle is held by Rust "
      .. "where Lua cannot look)"
  end
  if #parts == 0 then
    return "no root that rcprobe can see reaches it: " .. (unsearched and "not searched everywhere: see below"
      or "the next full collection frees it, unless Rust holds it (an mlua value rcprobe was not "
      .. "told of) or a stale stack slot does")
  end
  return concat(parts, " + ")
end

-- The verdict: the one cause that decides, in a word.
local function verdict(info, causes, unsearched)
  if not info.alive then return "dropped" end
  if causes.reachable > 0 then return "reachable" end
  if causes.cycle then return "cycle through Rust" end
  if causes.held > 0 then return "held" end
  if causes.linked > 0 then return "linked" end
  if causes.outside and causes.outside > 0 then return "outside" end
  -- A value in Rust, when every root was searched.
  if info.kind == "tally" and causes.unreached == 0 and not unsearched then return "outside" end
  if unsearched then return "unknown" end
  return "unreached"
end

--- Public API -----------------------------------------------------------------------------

-- The arguments of a call as infos, and the set of what the caller passed.
local function read_targets(name, first_arg, ...)
  local infos, asked = {}, {}
  for i = 1, select("#", ...) do
    local x = select(i, ...)
    infos[i] = target.info(x, first_arg + i - 1, name, 3)
    if type(x) ~= "number" then asked[x] = true end
  end
  return infos, asked
end

-- The lines of `to` for one explanation.
local function to_lines(e, causes)
  local info, lines = e.info, {}
  if not info.alive then return lines end
  if causes.held > 0 then
    lines[1] = format("rcprobe.hold: Rust keeps %s (rcprobe.release drops %s)",
      plural(causes.held, "strong reference"), causes.held == 1 and "it" or "them")
  end
  for _, line in next, causes.paths.reachable do lines[#lines + 1] = line end
  for _, line in next, causes.paths.linked do lines[#lines + 1] = line end
  local handle = info.kind == "probe" and "Probe" or "handle"
  if causes.unreached > 0 then
    lines[#lines + 1] = format("%s that no root reaches (%s)", plural(causes.unreached, handle),
      e.unsearched and "locals, upvalues and the registry were not searched"
      or "garbage not yet collected, a stale stack slot, or held by Rust where Lua cannot look")
  end
  if causes.outside and causes.outside > 0 then
    lines[#lines + 1] = format("outside Lua: %s (%s)", plural(causes.outside, "strong reference"), OUTSIDE)
  end
  if #lines == 0 then
    -- Nothing found: say so, rather than an empty list that reads as "dropped".
    lines[1] = e.unsearched and "no root that rcprobe searched reaches it (see \"not searched\")"
      or info.kind == "tally" and "no handle that a root reaches: it lives in Rust, outside Lua"
      or "no root that rcprobe can see reaches it (garbage not yet collected, a stale stack slot, or "
      .. "held by Rust where Lua cannot look)"
  end
  return lines
end

--- Paths from the roots to everything that keeps x's object alive (x: a Probe, WeakProbe,
--- LentProbe, host handle, id, or a watched value): one string per reference to one of its
--- handles (to the value itself, for a watched value), one for Rust's holds (it says
--- `rcprobe.hold`), one for handles that no root reaches, one for references outside Lua. `{}`
--- once the object is dropped.
function paths.to(x)
  local infos, asked = read_targets("to", 1, x)
  local e = explain(infos, asked)[1]
  e.asked = asked
  return to_lines(e, attribute(e))
end

--- Every strong reference to x's object accounted for, cause by cause: a table
--- `{id, label, kind, strong, reachable, unreached, held, linked, outside, paths, verdict,
--- summary, unsearched}`. `strong` and `outside` are nil for objects without reference counts
--- (tallies, watched values); `paths.reachable`, `paths.linked` and `paths.weak` list the paths.
--- Given several objects, one table for each, in order, from one walk.
function paths.why(x, ...)
  local infos, asked = read_targets("why", 1, x, ...)
  local answers = {}
  for i, e in next, (explain(infos, asked)) do
    e.asked = asked
    local info, causes = e.info, attribute(e)
    answers[i] = {
      id = info.id, label = info.label, kind = info.kind, alive = info.alive, strong = info.strong,
      reachable = causes.reachable, unreached = causes.unreached, held = causes.held,
      linked = causes.linked, outside = causes.outside, cycle = causes.cycle ~= nil,
      paths = causes.paths, verdict = verdict(info, causes, e.unsearched),
      summary = summary(info, causes, e.unsearched), unsearched = e.unsearched,
    }
  end
  return unpack(answers, 1, #infos)
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

local KIND_WORDS = { tally = "counted by a Tally", ["lua value"] = "a watched Lua value" }

--- A readable account of each argument's object: its name, counts, Rust's holds and link,
--- where its strong references are (`why`), then the paths that keep it alive and the paths to
--- its WeakProbes. rcprobe.luassert prints it when an assertion fails. One walk serves all.
function paths.report(...)
  local infos, asked = read_targets("report", 1, ...)
  local lines = {}
  for _, e in next, (explain(infos, asked)) do
    e.asked = asked
    local info = e.info
    if not info.alive then
      lines[#lines + 1] = format("%s: dropped", target.name(info))
    else
      local causes = attribute(e)
      if info.strong ~= nil then
        lines[#lines + 1] = format("%s: strong %d, weak %d, held %d, %s", target.name(info),
          info.strong, info.weak, info.held, info.linked and "links a Lua value" or "links nothing")
      else
        lines[#lines + 1] = format("%s (%s): alive, %s", target.name(info), KIND_WORDS[info.kind],
          info.linked and "links a Lua value" or "links nothing")
      end
      lines[#lines + 1] = "  why: " .. summary(info, causes, e.unsearched)
      local kept = to_lines(e, causes)
      append_list(lines, "kept alive by:", kept)
      append_list(lines, "weak references from:", causes.paths.weak)
      if e.unsearched then lines[#lines + 1] = "  not searched: " .. e.unsearched end
    end
  end
  return concat(lines, "\n")
end

--- The paths to each of `values` (plain Lua values, watched or not), after one walk: a list of
--- lists of strings, in the order of `values`. For rcprobe.census, which explains what grew.
--- Internal: not part of the API.
function paths._to_values(values)
  local infos = {}
  for i, v in next, values do infos[i] = { kind = "lua value", alive = true, value = v, held = 0 } end
  local lists = {}
  for i, e in next, (explain(infos, {})) do
    local found = attribute(e).paths
    lists[i] = found.reachable
    for _, line in next, found.linked do lists[i][#lists[i] + 1] = line end
  end
  return lists
end

--- The graph ------------------------------------------------------------------------------

local OPTIONS = { depth = true, nodes = true }

-- The targets and options of graph() and dot(): the last argument is the options when it is
-- a table without a metatable that rcprobe does not watch.
local function graph_arguments(name, ...)
  local n = select("#", ...)
  local last = n > 0 and select(n, ...) or nil
  local opts = {}
  if type(last) == "table" and getmetatable(last) == nil and internal.watched_id(last) == nil then
    opts, n = last, n - 1
    for k, v in pairs(opts) do
      if not OPTIONS[k] then
        error(format("bad argument #%d to '%s' (unknown option '%s')", n + 1, name, tostring(k)), 3)
      end
      if type(v) ~= "number" or v < 1 or v ~= math.floor(v) then
        error(format("bad argument #%d to '%s' (option '%s': positive integer expected, got %s)",
          n + 1, name, k, type(v) == "number" and tostring(v) or type(v)), 3)
      end
    end
  end
  if n == 0 then error(format("bad argument #1 to '%s' (%s)", name,
    "Probe, WeakProbe, id or watched value expected, got no value"), 3) end
  local infos, asked = {}, {}
  for i = 1, n do
    local x = select(i, ...)
    infos[i] = target.info(x, i, name, 2)
    if type(x) ~= "number" then asked[x] = true end
  end
  return infos, asked, opts
end

local DEFAULT_DEPTH, DEFAULT_NODES = 60, 500

-- The kind of node for a Lua value met on a path.
local function node_kind(v)
  local t = type(v)
  if t == "userdata" and handle_of(v) then return "handle" end
  return t
end

local function node_label(v)
  local t = type(v)
  if t == "thread" then return "coroutine" end
  if t == "table" then
    local name = heap.type_name(v)
    return name and "table " .. name or "table"
  end
  return heap.describe_value(v)
end

-- Builds the graph of `explained` (see paths.graph).
local function build_graph(explained, opts)
  local max_nodes = opts.nodes or DEFAULT_NODES
  local graph = { nodes = {}, edges = {}, targets = {}, cut = nil }
  local node_of, edge_of = {}, {}
  local cut_paths = 0

  -- The node of `key` (a Lua value met on a path, or a string), made with `fields` if new.
  local function node(key, fields)
    local n = node_of[key]
    if not n then
      n = fields
      n.id = #graph.nodes + 1
      graph.nodes[n.id] = n
      node_of[key] = n
    end
    return n
  end
  local function edge(from, to, kind, label, rust)
    local key = from.id .. ">" .. to.id .. ">" .. kind .. ">" .. (label or "")
    local e = edge_of[key]
    if not e then
      e = { from = from.id, to = to.id, kind = kind, label = label, rust = rust or nil }
      graph.edges[#graph.edges + 1] = e
      edge_of[key] = e
    end
    return e
  end

  for _, e in next, explained do
    local info = e.info
    local causes = attribute(e)
    local t = { id = info.id, label = info.label, kind = info.kind, alive = info.alive, name = target.name(info),
      verdict = verdict(info, causes, e.unsearched), summary = summary(info, causes, e.unsearched) }
    graph.targets[#graph.targets + 1] = t
    graph.unsearched = graph.unsearched or e.unsearched
    -- The object: a watched value is its own node; another object gets a node of its own, which
    -- its handles point to.
    local v = info.kind == "lua value" and info.alive and value_of(info.id)
    local object = node(v or ("object " .. info.id), { kind = "target", label = t.name, target = info.id })
    t.node = object.id
    -- References in the order of their lines, so that the same heap gives the same graph.
    local refs = {}
    for _, ref in next, e.refs do refs[#refs + 1] = ref end
    sort(refs, function(a, b) return a.line < b.line end)
    for _, ref in next, refs do
      if #graph.nodes >= max_nodes then
        cut_paths = cut_paths + 1
      else
        local steps, previous, chain = ref.steps, nil, {}
        for i, s in next, steps do
          local this
          if s.kind == "elided" then
            this = node({}, { kind = "elided", label = s.text })
          else
            local value = s.object
            if value == nil and i == #steps then value = ref.target end
            if i == 1 and s.kind ~= "link" then
              this = node(value, { kind = "root", label = s.text })
            else
              this = node(value, { kind = node_kind(value), label = node_label(value) })
            end
            if i == 1 and s.kind == "link" then
              local rust = node("rust " .. s.text, { kind = "rust", label = s.text })
              chain[#chain + 1] = edge(rust, this, "link", nil, true)
            end
          end
          if previous then
            -- An upvalue's edge leaves the function's own node: no need to name the function twice.
            local label = s.kind == "upvalue" and s.text:gsub(" of function <.*>$", "") or s.text
            chain[#chain + 1] = edge(previous, this, s.kind, label)
          end
          previous = this
        end
        if ref.kind ~= "value" then
          -- A handle holds the object from Rust: strong or weak.
          local kind = ref.kind == "weak" and "weak" or "strong"
          chain[#chain + 1] = edge(previous, object, kind, kind, true)
        end
        if ref.cycle and ref.owner then
          -- Close the cycle on the picture: the owner holds the link from Rust.
          local label = info_of(ref.owner).label
          local owner = node("object " .. ref.owner, { kind = "target", target = ref.owner,
            label = label and format("object #%d %q", ref.owner, label) or format("object #%d", ref.owner) })
          local rust = node("rust " .. steps[1].text, { kind = "rust", label = steps[1].text })
          chain[#chain + 1] = edge(owner, rust, "owns", "owns (a Rust field)", true)
        end
        if ref.cycle then
          graph.cycle, t.cycle = true, true
          for _, c in next, chain do c.cycle = true end
        end
      end
    end
    -- What no path shows: Rust's holds, unreached handles, references outside Lua.
    if info.alive then
      if causes.held > 0 then
        edge(node("rcprobe.hold", { kind = "rust", label = "rcprobe.hold" }), object, "hold",
          plural(causes.held, "strong reference"), true)
      end
      if causes.unreached > 0 then
        edge(node("unreached " .. info.id, { kind = "unreached",
          label = plural(causes.unreached, "unreached " .. (HANDLE_WORD[info.kind] or "handle")) }),
          object, "unreached", nil, true)
      end
      if causes.outside and causes.outside > 0 then
        edge(node("outside", { kind = "outside", label = "outside Lua" }), object, "outside",
          plural(causes.outside, "strong reference"), true)
      end
    end
  end
  if cut_paths > 0 then
    graph.cut = { paths = cut_paths, nodes = max_nodes }
  end
  return graph
end

--- The retainer graph of one or more objects (anything `paths.to` accepts): `{nodes, edges,
--- targets, cut, cycle, unsearched}`. Nodes are `{id, kind, label, target}` with kind "root",
--- "rust" (a Lua value Rust holds through a link, or rcprobe.hold), "table", "function",
--- "thread", "userdata", "handle", "target" (the object), "unreached", "outside" or "elided";
--- edges are `{from, to, kind, label, rust}` with the kinds of path steps ("field", "index",
--- "key", "metatable", "upvalue", "environment", "user value", "local", "running", "link")
--- and, for what Rust holds, "strong", "weak", "hold", "unreached", "outside" and "owns" (from
--- the owner of a link that closes a cycle through Rust, to that link) (`rust = true`).
--- A last argument that is a plain table (no metatable, not watched) holds the options: `depth`
--- (longest path drawn in full, default 60) and `nodes` (default 500); `cut` says what was left
--- out.
function paths.graph(...)
  local infos, asked, opts = graph_arguments("graph", ...)
  local explained = explain(infos, asked, opts.depth or DEFAULT_DEPTH)
  for _, e in next, explained do e.asked = asked end
  return build_graph(explained, opts)
end

--- DOT ------------------------------------------------------------------------------------

local function quote(text)
  return '"' .. tostring(text):gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", "\\n") .. '"'
end

local NODE_STYLE = {
  root = 'shape=box, style="rounded,filled", fillcolor="#e8eef7"',
  rust = 'shape=box, style="rounded,filled,dashed", fillcolor="#fbe3d6", color="#b7410e"',
  target = 'shape=box, style="filled,bold", fillcolor="#ffd7d7", penwidth=2',
  handle = 'shape=box, style=filled, fillcolor="#fff4c2"',
  unreached = 'shape=box, style="dashed", color="#888888", fontcolor="#555555"',
  outside = 'shape=box, style="rounded,dashed", color="#b7410e"',
  elided = "shape=plaintext",
}

--- The graph of `paths.graph(...)` as Graphviz DOT text: the objects highlighted, what Rust
--- holds drawn dashed in rust colour, a cycle through Rust marked in red. The same heap gives
--- the same text.
function paths.dot(...)
  local infos, asked, opts = graph_arguments("dot", ...)
  local explained = explain(infos, asked, opts.depth or DEFAULT_DEPTH)
  for _, e in next, explained do e.asked = asked end
  local graph = build_graph(explained, opts)
  local out = {
    "digraph rcprobe {",
    '  rankdir=LR; fontname="Helvetica"; fontsize=11;',
    '  node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=10];',
  }
  local notes = {}
  for _, t in next, graph.targets do notes[#notes + 1] = t.name .. ": " .. t.summary end
  if graph.cycle then notes[#notes + 1] = "red: a cycle through Rust that Lua's collector cannot free" end
  if graph.cut then
    notes[#notes + 1] = format("%d more paths not drawn (nodes = %d)", graph.cut.paths, graph.cut.nodes)
  end
  if graph.unsearched then notes[#notes + 1] = "not searched: " .. graph.unsearched end
  -- "\l" ends a left-justified line in Graphviz, where "\n" would centre each one.
  local caption = quote(concat(notes, "\n")):gsub("\\n", "\\l"):gsub('"$', '\\l"')
  out[#out + 1] = "  labelloc=b; labeljust=l; label=" .. caption .. ";"
  for _, n in next, graph.nodes do
    local style = NODE_STYLE[n.kind] or 'shape=box, style=rounded'
    out[#out + 1] = format("  n%d [label=%s, %s];", n.id, quote(n.label), style)
  end
  for _, e in next, graph.edges do
    local attrs = {}
    if e.label then attrs[#attrs + 1] = "label=" .. quote(e.label) end
    if e.rust then attrs[#attrs + 1] = "style=dashed" end
    if e.cycle then
      attrs[#attrs + 1] = 'color="#d00000", fontcolor="#d00000", penwidth=2'
    elseif e.rust then
      attrs[#attrs + 1] = 'color="#b7410e", fontcolor="#b7410e"'
    end
    out[#out + 1] = format("  n%d -> n%d%s;", e.from, e.to,
      #attrs > 0 and " [" .. concat(attrs, ", ") .. "]" or "")
  end
  out[#out + 1] = "}"
  return concat(out, "\n") .. "\n"
end

return paths
