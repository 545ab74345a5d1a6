-- A pure-Lua model of what rcprobe's counts must be, for spec/model_spec.lua.
--
-- It knows nothing of Rust or of the real module: it follows the handles that Lua code holds
-- and says what Rust's `Rc` counts, `stats` and `live` must report. Its rules:
--
-- * An object's strong count is the number of its open Probes that have not been collected,
--   plus Rust's holds; its weak count is the number of its WeakProbes not yet collected.
--   Both read 0 once the object is dropped, which happens the moment the strong count
--   reaches 0 (close, release, or a collection).
-- * A handle dropped by Lua code is garbage, but it still counts until a collection.
-- * One collection (`collectgarbage()`) finalizes every handle that the roots cannot reach.
--   The roots are the test's root table and the links of live objects (Rust holds those,
--   so a Probe inside a linked value keeps its object alive). An attached value is reached
--   only through the Probe it is attached to, so it never keeps that Probe alive.
-- * A link is dropped with its object, but its value was already marked in that collection:
--   what only the link reached goes in the next one (one collection per link of a chain).
--
-- Handles and containers (the tables the test links or attaches) are known by numbers: the
-- model must never hold a real handle, or it would keep it alive.

local Model = {}
Model.__index = Model

local function new_stats()
  return { created = 0, dropped = 0, alive = 0, peak = 0, bytes = 0 }
end

function Model.new()
  return setmetatable({
    -- id -> object: {id, label, bytes, value, probes, weak, holds, alive, link, handles}. A
    -- dropped object is forgotten once no handle names it, so that long runs stay small.
    objects = {},
    alive_ids = {}, -- ids of live objects, ascending
    handles = {}, -- hid -> handle until collected: {hid, kind, id, closed, attached}
    containers = {}, -- cid -> container until collected: {cid, hids, linked_by}
    roots = {}, -- hids in the root table, in the same order as the real one
    last_hid = 0,
    last_cid = 0,
    stats = new_stats(),
    label_stats = {}, -- label -> stats
    dropped = {}, -- ids dropped by the current operation, in order
  }, Model)
end

-- Counts -----------------------------------------------------------------------------------

function Model:strong(id)
  local object = self.objects[id]
  return object and object.alive and object.probes + object.holds or 0
end

function Model:weak(id)
  local object = self.objects[id]
  return object and object.alive and object.weak or 0
end

function Model:is_alive(id)
  local object = self.objects[id]
  return object ~= nil and object.alive
end

function Model:label_stats_of(label)
  local stats = self.label_stats[label]
  if not stats then
    stats = new_stats()
    self.label_stats[label] = stats
  end
  return stats
end

local function on_create(stats, bytes)
  stats.created = stats.created + 1
  stats.alive = stats.alive + 1
  stats.bytes = stats.bytes + bytes
  if stats.alive > stats.peak then stats.peak = stats.alive end
end

local function on_drop(stats, bytes)
  stats.dropped = stats.dropped + 1
  stats.alive = stats.alive - 1
  stats.bytes = stats.bytes - bytes
end

-- Objects ----------------------------------------------------------------------------------

--- A new object `id` (rcprobe issues ids in order) and no handle yet.
function Model:create(id, label, bytes, value)
  self.objects[id] = {
    id = id, label = label, bytes = bytes, value = value,
    probes = 0, weak = 0, holds = 0, alive = true, link = nil, handles = 0,
  }
  self.alive_ids[#self.alive_ids + 1] = id
  on_create(self.stats, bytes)
  on_create(self:label_stats_of(label), bytes)
end

-- Drops the object if nothing holds a strong reference any more.
function Model:settle(object)
  if not object.alive or object.probes + object.holds > 0 then return end
  object.alive = false
  local ids = self.alive_ids
  for i = 1, #ids do
    if ids[i] == object.id then
      table.remove(ids, i)
      break
    end
  end
  on_drop(self.stats, object.bytes)
  on_drop(self:label_stats_of(object.label), object.bytes)
  self.dropped[#self.dropped + 1] = object.id
  self:unlink(object.id) -- Rust drops the link with the object
  self:forget(object)
end

function Model:forget(object)
  if not object.alive and object.handles == 0 then self.objects[object.id] = nil end
end

function Model:hold(id)
  local object = self.objects[id]
  object.holds = object.holds + 1
  return object.holds
end

function Model:release(id)
  local object = self.objects[id]
  if not object then return 0 end
  local released = object.holds
  object.holds = 0
  self:settle(object)
  return released
end

--- Links `target` (a container number, or true for a value that holds no handle).
function Model:link(id, target)
  self:unlink(id)
  self.objects[id].link = target
  if target ~= true then self.containers[target].linked_by = id end
end

function Model:unlink(id)
  local object = self.objects[id]
  local target = object.link
  if target == nil then return false end
  object.link = nil
  if target ~= true then self.containers[target].linked_by = nil end
  return true
end

function Model:set(id, value)
  self.objects[id].value = value
end

-- Handles ----------------------------------------------------------------------------------

--- A new handle ("probe" or "weak") on object `id`; it is garbage until placed somewhere.
function Model:add_handle(kind, id)
  self.last_hid = self.last_hid + 1
  local handle = { hid = self.last_hid, kind = kind, id = id, closed = false, attached = nil }
  self.handles[handle.hid] = handle
  local object = self.objects[id]
  object.handles = object.handles + 1
  if kind == "probe" then
    object.probes = object.probes + 1
  else
    object.weak = object.weak + 1
  end
  return handle.hid
end

function Model:push_root(hid)
  self.roots[#self.roots + 1] = hid
end

--- Removes root `i` (as `table.remove` does to the real root table); returns it.
function Model:take_root(i)
  return table.remove(self.roots, i)
end

function Model:close(hid)
  local handle = self.handles[hid]
  if handle.closed then return end
  handle.closed = true
  local object = self.objects[handle.id]
  object.probes = object.probes - 1
  self:settle(object)
end

--- The handle's user value becomes container `cid`, or nothing.
function Model:attach(hid, cid)
  self.handles[hid].attached = cid
end

-- Containers -------------------------------------------------------------------------------

--- A new table holding the handles `hids`, in that order.
function Model:add_container(hids)
  self.last_cid = self.last_cid + 1
  self.containers[self.last_cid] = { cid = self.last_cid, hids = hids, linked_by = nil }
  return self.last_cid
end

--- Removes entry `i` of a container (as `table.remove` does to the real one); returns it.
function Model:take_from(cid, i)
  return table.remove(self.containers[cid].hids, i)
end

-- Collection -------------------------------------------------------------------------------

--- What the collector does to a handle nothing reaches: its Rust value is dropped.
function Model:finalize(handle)
  self.handles[handle.hid] = nil
  local object = self.objects[handle.id]
  object.handles = object.handles - 1
  if handle.kind == "weak" then
    object.weak = object.weak - 1
  elseif not handle.closed then
    object.probes = object.probes - 1
    self:settle(object)
  end
  self:forget(object)
end

--- One full collection. Returns whether it finalized or freed anything.
function Model:collect()
  local reached_handles, reached_containers = {}, {}
  local stack = {}
  local function push_handles_of(cid)
    for _, hid in ipairs(self.containers[cid].hids) do stack[#stack + 1] = self.handles[hid] end
  end
  for i = 1, #self.roots do stack[#stack + 1] = self.handles[self.roots[i]] end
  for _, id in ipairs(self.alive_ids) do
    local target = self.objects[id].link
    if target and target ~= true then
      reached_containers[target] = true
      push_handles_of(target)
    end
  end
  while #stack > 0 do
    local handle = table.remove(stack)
    if not reached_handles[handle.hid] then
      reached_handles[handle.hid] = true
      local cid = handle.attached
      if cid and not reached_containers[cid] then
        reached_containers[cid] = true
        push_handles_of(cid)
      end
    end
  end
  -- Everything is marked before anything is finalized, as in Lua: a link dropped now still
  -- kept its value this time.
  local garbage = {}
  for hid, handle in pairs(self.handles) do
    if not reached_handles[hid] then garbage[#garbage + 1] = handle end
  end
  table.sort(garbage, function(a, b) return a.hid < b.hid end)
  for _, handle in ipairs(garbage) do self:finalize(handle) end
  local freed = #garbage > 0
  for cid in pairs(self.containers) do
    if not reached_containers[cid] then
      self.containers[cid] = nil
      freed = true
    end
  end
  return freed
end

--- `rcprobe.full_gc(max)`: collections until one frees nothing (or `max` of them). Returns how
--- many collections freed something.
function Model:full_gc(max)
  local changed = 0
  while changed < max and self:collect() do changed = changed + 1 end
  return changed
end

return Model
