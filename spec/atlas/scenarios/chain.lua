-- Scenario 8: a chain of objects where each links (from Rust) the only handle of the next.
-- A dropped object releases its link in its finalizer, after the collection has marked:
-- the next object is garbage only in the next collection.

local LENGTH = 8

-- A chain of `LENGTH` objects whose head is garbage, built `how` ("link" or "attach");
-- returns their ids.
local function chain(rcprobe, how)
  local ids, next_probe = {}, nil
  for i = LENGTH, 1, -1 do
    local p = rcprobe.new()
    ids[i] = p:id()
    if next_probe then p[how](p, next_probe) end
    next_probe = p
  end
  return ids
end

local function all_dropped(rcprobe, ids)
  for _, id in ipairs(ids) do
    if rcprobe.is_alive(id) then return false end
  end
  return true
end

return {
  title = "A chain of 8 objects, each holding the next handle",
  cases = {
    {
      name = "through Rust (`link`): collections until all are dropped, and `full_gc()`",
      measure = function(rcprobe, lab)
        local ids = chain(rcprobe, "link")
        local n = lab.collections_until(function() return all_dropped(rcprobe, ids) end, 2 * LENGTH)
        ids = chain(rcprobe, "link")
        local cycles = rcprobe.full_gc()
        collectgarbage("stop")
        return ("%s; `full_gc()` runs %d and frees all: %s"):format(
          lab.after(n, "never"), cycles, tostring(all_dropped(rcprobe, ids)))
      end,
      expected = { ["*"] = "after 8 collections; `full_gc()` runs 10 and frees all: true" },
    },
    {
      name = "through Lua (`attach`)",
      measure = function(rcprobe, lab)
        local ids = chain(rcprobe, "attach")
        local n = lab.collections_until(function() return all_dropped(rcprobe, ids) end)
        return "all dropped " .. lab.after(n)
      end,
      expected = { ["*"] = "all dropped after 1 collection" },
    },
  },
}
