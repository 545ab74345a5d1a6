--- rcprobe.census: what the live objects of a Lua state are, counted, and what grows when a
--- function runs again (`rcprobe.census` and `rcprobe.growth` call this module).
--
-- A census walks the heap from its roots (rcprobe.heap), so it counts what is reachable: run
-- a full collection first to make that everything alive. It counts each object once by its Lua
-- type (`type:table`), userdata and tables by their metatable's `__name` (`name:Probe`,
-- `name:FILE*`), and rcprobe's objects by label (`label:session`, from the ledger).
--
-- `growth` follows CPython's `regrtest -R`: it calls the function `warmup` times, then `runs`
-- times, with a full collection after each, and calls a key grown only when every counted run
-- grew it: a cache filled once stops growing after the warm-up, a leak grows every time.

local rcprobe = require("rcprobe")
local heap = require("rcprobe.heap")

local format, next, sort, type = string.format, next, table.sort, type
local internal = rcprobe._internal

local census = {}

-- Raises a misuse of argument `arg` of `name`, at `level` as the caller of this function counts.
local function bad_argument(arg, name, detail, level)
  error(format("bad argument #%d to '%s' (%s)", arg, name, detail), level + 1)
end

-- Reads the options table of `name` (argument `arg`): only the names of `defaults`, each a
-- boolean or a non-negative integer (positive where `positive` says so). `level`: where to raise,
-- as the caller of this function counts.
local function read_options(opts, arg, name, defaults, positive, level)
  local read = {}
  for k, v in next, defaults do read[k] = v end
  if opts == nil then return read end
  if type(opts) ~= "table" then bad_argument(arg, name, "table expected, got " .. type(opts), level + 1) end
  for k, v in next, opts do
    if defaults[k] == nil then bad_argument(arg, name, format("unknown option '%s'", tostring(k)), level + 1) end
    if type(v) == "boolean" and type(defaults[k]) == "boolean" then
      read[k] = v
    elseif type(defaults[k]) == "boolean" then
      bad_argument(arg, name, format("option '%s': boolean expected, got %s", k, type(v)), level + 1)
    elseif type(v) ~= "number" or v ~= math.floor(v) or v < (positive[k] and 1 or 0) then
      bad_argument(arg, name, format("option '%s': %s integer expected, got %s", k,
        positive[k] and "positive" or "non-negative", type(v) == "number" and tostring(v) or type(v)), level + 1)
    else
      read[k] = v
    end
  end
  return read
end

-- A key per type and per `__name`, made once: a census meets a million objects of a handful of
-- types, and a concatenation per object costs a string lookup each.
local function key_cache(prefix)
  return setmetatable({}, { __index = function(keys, name)
    local key = prefix .. name
    keys[name] = key
    return key
  end })
end
local TYPE_KEYS, NAME_KEYS = key_cache("type:"), key_cache("name:")

-- The census keys of one object.
local function keys_of(obj, add)
  local t = type(obj)
  add(TYPE_KEYS[t])
  if t == "table" or t == "userdata" then
    local name = heap.type_name(obj)
    if name then add(NAME_KEYS[name]) end
  end
end

-- Counts the live objects; with `objects`, also returns the set of them.
local function take(opts, objects)
  local counts = {}
  local function add(key) counts[key] = (counts[key] or 0) + 1 end
  if opts.heap then
    local w = heap.walk({})
    for obj in next, w.parent do
      if obj ~= w.running_node then
        keys_of(obj, add)
        if objects then objects[obj] = true end
      end
    end
  end
  for label, alive in next, internal.alive_by_label() do counts["label:" .. label] = alive end
  return counts
end

--- `rcprobe.census([opts])`: `{[key] = count}` for the live objects of this state. `opts.heap`
--- (default true): false counts rcprobe's labels only, without walking the heap.
function census.census(opts)
  return take(read_options(opts, 1, "census", { heap = true }, {}, 3))
end

local MAX_SAMPLES = 3

--- `rcprobe.growth(fn [, opts])`: `{changes = {[key] = {delta per counted run}}, grown = {keys},
--- grows = boolean, paths = {[key] = {paths of a few new objects}}, warmup, runs}`. `name` and
--- `level` (where misuse is raised, as this function counts: default 3, the caller of api.lua's
--- wrapper) are for assert.no_growth.
function census.growth(fn, opts, name, level)
  name, level = name or "growth", level or 3
  local mt = getmetatable(fn)
  if type(fn) ~= "function" and not (type(mt) == "table" and mt.__call) then
    bad_argument(1, name, "function expected, got " .. type(fn), level)
  end
  opts = read_options(opts, 2, name, { warmup = 2, runs = 5, heap = true }, { runs = true }, level)
  rcprobe.full_gc()
  for _ = 1, opts.warmup do
    fn()
    rcprobe.full_gc()
  end
  local previous = take(opts)
  local changes = {}
  local before = setmetatable({}, { __mode = "k" }) -- the objects before the last run
  for run = 1, opts.runs do
    local last = run == opts.runs
    if last and opts.heap then take(opts, before) end
    fn()
    rcprobe.full_gc()
    local counts = take(opts)
    for key, n in next, counts do
      local change = n - (previous[key] or 0)
      if change ~= 0 or changes[key] then
        changes[key] = changes[key] or {}
        changes[key][run] = change
      end
    end
    for key, n in next, previous do
      if counts[key] == nil then
        changes[key] = changes[key] or {}
        changes[key][run] = -n
      end
    end
    previous = counts
  end
  local grown = {}
  for key, list in next, changes do
    local every = true
    for run = 1, opts.runs do
      list[run] = list[run] or 0
      if list[run] <= 0 then every = false end
    end
    if every then grown[#grown + 1] = key end
  end
  sort(grown)
  return { changes = changes, grown = grown, grows = #grown > 0, warmup = opts.warmup, runs = opts.runs,
    paths = opts.heap and #grown > 0 and census.samples(grown, before) or {} }
end

--- Paths to a few of the objects of each grown key that were not there before the last run.
function census.samples(grown, before)
  local wanted = {}
  for _, key in next, grown do wanted[key] = {} end
  local w = heap.walk({})
  for obj in next, w.parent do
    if obj ~= w.running_node and not before[obj] then
      keys_of(obj, function(key)
        local list = wanted[key]
        if list and #list < MAX_SAMPLES then list[#list + 1] = obj end
      end)
    end
  end
  w = nil -- luacheck: ignore 311 (let the walk go before walking again)
  -- One object may stand for several keys (a Probe is `type:userdata` and `name:Probe`).
  local values, keys_of_value, index = {}, {}, {}
  for key, list in next, wanted do
    for _, obj in next, list do
      if not index[obj] then
        values[#values + 1] = obj
        index[obj] = #values
        keys_of_value[#values] = {}
      end
      local keys = keys_of_value[index[obj]]
      keys[#keys + 1] = key
    end
  end
  local found = require("rcprobe.paths")._to_values(values)
  local samples = {}
  for i, list in next, found do
    for _, key in next, keys_of_value[i] do
      samples[key] = samples[key] or {}
      for _, line in next, list do samples[key][#samples[key] + 1] = line end
    end
  end
  for _, list in next, samples do sort(list) end
  return samples
end

return census
