-- Scenario 8: a chain of objects where each links (from Rust) the only handle of the next.

local LENGTH = 8

-- A chain of LENGTH objects, each keeping the next one's only handle through `how` ("link"
-- or "attach"), the head being garbage; returns their ids.
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
      name = "through Rust (`link`): collections until all are dropped; `full_gc()`",
      measure = function(rcprobe, lab)
        local ids = chain(rcprobe, "link")
        local n = lab.collections_until(function() return all_dropped(rcprobe, ids) end, 2 * LENGTH)
        ids = chain(rcprobe, "link")
        local cycles = rcprobe.full_gc()
        collectgarbage("stop")
        return ("%s; `full_gc()` runs %d and frees %s"):format(
          lab.after(n), cycles, all_dropped(rcprobe, ids) and "all" or "not all")
      end,
      expected = { ["*"] = "8 collections; `full_gc()` runs 10 and frees all" },
    },
    {
      name = "through Lua (`attach`)",
      measure = function(rcprobe, lab)
        local ids = chain(rcprobe, "attach")
        local n = lab.collections_until(function() return all_dropped(rcprobe, ids) end)
        return lab.after(n)
      end,
      expected = { ["*"] = "1 collection" },
    },
  },
  notes = [[
A collection frees one link of such a chain: the dropped object's finalizer releases its Rust
reference to the next handle only after the marking, so the next object is garbage only in
the next collection. N objects take N collections. `rcprobe.full_gc()` collects until the live
count and the heap stop changing (here N + 2 runs); a plain `collectgarbage()` in a spec is
not enough. Through a traced reference (`attach`), one collection frees the whole chain.
]],
}
