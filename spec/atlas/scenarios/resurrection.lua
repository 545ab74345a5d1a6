-- Scenario 9: a finalizer that resurrects a handle, by storing it where Lua code can reach
-- it again. The finalizer is a table's `__gc` on 5.2+, a `newproxy` userdata's on 5.1 and
-- LuaJIT (which have no `__gc` on tables).

-- An object with a finalizer, which stores `p` in `keep.p` when it runs.
local function sentinel(lab, keep, p)
  local function finalize() keep.p = p end
  if lab.has_table_gc then
    return setmetatable({}, { __gc = finalize })
  end
  local proxy = newproxy(true)
  getmetatable(proxy).__gc = finalize
  return proxy
end

-- What using the resurrected handle does: "works" or "raises".
local function use(handle)
  local ok = pcall(function() return handle:strong_count() end)
  return ok and "works" or "raises"
end

-- The words for what became of the object and of the resurrected handle.
local function outcome(rcprobe, lab, id, keep)
  local n = lab.collections_until(function() return keep.p ~= nil end)
  local object = rcprobe.is_alive(id) and "object alive" or "object dropped"
  local words = ("finalizer ran %s; %s, the handle %s"):format(lab.after(n), object, use(keep.p))
  keep.p = nil
  return words
end

return {
  title = "A finalizer that resurrects the handle",
  cases = {
    {
      name = "the finalizer's object is made after the handle",
      measure = function(rcprobe, lab)
        local keep = {}
        local function make()
          local p = rcprobe.new()
          sentinel(lab, keep, p)
          return p:id()
        end
        return outcome(rcprobe, lab, make(), keep)
      end,
      expected = { ["*"] = "finalizer ran after 1 collection; object dropped, the handle raises" },
    },
    {
      name = "the finalizer's object is made before the handle",
      measure = function(rcprobe, lab)
        local keep = {}
        local function make()
          local box = {}
          local _ = sentinel(lab, keep, box)
          box.p = rcprobe.new()
          return box.p:id()
        end
        local id = make()
        local n = lab.collections_until(function() return keep.p ~= nil end)
        local handle = keep.p and keep.p.p
        local object = rcprobe.is_alive(id) and "object alive" or "object dropped"
        keep.p = nil
        return ("finalizer ran %s; %s, the handle %s"):format(lab.after(n), object, use(handle))
      end,
      expected = { ["*"] = "finalizer ran after 1 collection; object dropped, the handle raises" },
    },
  },
}
