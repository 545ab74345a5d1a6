-- Scenario 5: a handle whose only reference is in a weak table. 5.2+ have ephemerons: a
-- weak key whose value refers back to it is collected; 5.1 and LuaJIT keep such an entry.

-- Fills `t` with an entry made by `put(t, p)` for a new handle; returns its id.
local function fill(rcprobe, t, put)
  local p = rcprobe.new()
  put(t, p)
  return p:id()
end

-- Measures the collections until the object dropped and until its entry left the table.
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
      for key in pairs(t) do t[key] = nil end -- so that the case leaves nothing alive
      return gone and "never, though its entry went" or "never: the entry keeps its key alive"
    end
    return ("%s; the entry goes after %s"):format(lab.after(dropped), lab.after(gone))
  end
end

return {
  title = "A weak table",
  cases = {
    {
      name = "the handle is a value of a weak-valued table",
      measure = measure("v", function(t, p) t[1] = p end),
      expected = { ["*"] = "1 collection; the entry goes after 1 collection" },
    },
    {
      name = "the handle is a key of a weak-keyed table, with a plain value",
      measure = measure("k", function(t, p) t[p] = true end),
      expected = { ["*"] = "1 collection; the entry goes after 2 collections" },
    },
    {
      name = "the handle is a weak key whose value refers to it (an ephemeron)",
      measure = measure("k", function(t, p) t[p] = { p } end),
      expected = {
        ["5.1 JIT"] = "never: the entry keeps its key alive",
        ["*"] = "1 collection; the entry goes after 2 collections",
      },
    },
  },
  notes = [[
A handle has a finalizer (mlua's `__gc`, which drops the Rust reference). Lua clears a
finalized object from weak values at once, but keeps it as a weak key until the next
collection, so the entry outlives the object by one collection. Lua 5.1 and LuaJIT have no
ephemerons: a value that refers to its weak key keeps the entry, and so the object, alive
forever. There, keep such back references out of the value (or use a weak-valued side table).
]],
}
