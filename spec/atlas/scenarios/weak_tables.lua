-- Scenario 5: a handle whose only reference is in a weak table. 5.2+ have ephemerons: a
-- weak key whose value refers back to it is collected; 5.1 and LuaJIT keep such an entry.

-- Fills `t` with an entry made by `put(t, p)` for a new handle; returns its id.
local function fill(rcprobe, t, put)
  local p = rcprobe.new()
  put(t, p)
  return p:id()
end

-- The collections until the object dropped and until its entry went, as
-- `collections_until` counts them.
local function measure(mode, put)
  return function(rcprobe, lab)
    local t = setmetatable({}, { __mode = mode })
    local id = fill(rcprobe, t, put)
    local dropped, gone
    for n = 0, lab.PATIENCE do
      dropped = dropped or (not rcprobe.is_alive(id) and n) or nil
      gone = gone or (next(t) == nil and n) or nil
      if dropped and gone then break end
      lab.collect()
    end
    if not dropped then
      -- Clean up, so the case leaves nothing alive.
      for key in pairs(t) do t[key] = nil end
      return gone and "never, entry gone?" or "never: the entry keeps itself alive"
    end
    return ("dropped %s, entry gone %s"):format(lab.after(dropped), lab.after(gone))
  end
end

return {
  title = "A weak table",
  cases = {
    {
      name = "the handle is a value of a weak-valued table",
      measure = measure("v", function(t, p) t[1] = p end),
      expected = { ["*"] = "dropped after 1 collection, entry gone after 1 collection" },
    },
    {
      name = "the handle is a key of a weak-keyed table, with a plain value",
      measure = measure("k", function(t, p) t[p] = true end),
      expected = { ["*"] = "dropped after 1 collection, entry gone after 2 collections" },
    },
    {
      name = "the handle is a weak key whose value refers to it (an ephemeron)",
      measure = measure("k", function(t, p) t[p] = { p } end),
      expected = {
        ["5.1 JIT"] = "never: the entry keeps itself alive",
        ["*"] = "dropped after 1 collection, entry gone after 2 collections",
      },
    },
  },
}
