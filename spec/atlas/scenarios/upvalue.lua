-- Scenario 3: a handle captured as an upvalue by a closure that is kept, then dropped.

return {
  title = "A closure",
  cases = {
    {
      name = "a kept closure captures the handle, then is dropped",
      measure = function(rcprobe, lab)
        local keep = {}
        local function make()
          local p = rcprobe.new()
          keep.closure = function() return p end
          return p:id()
        end
        local id = make()
        return lab.kept_then_let_go(id, "closure", function()
          assert(type(keep.closure) == "function")
          keep.closure = nil
        end)
      end,
      expected = { ["*"] = "never while the closure is kept; then 1 collection" },
    },
    {
      name = "a kept closure from the same scope that does not mention the handle",
      measure = function(rcprobe, lab)
        local keep = {}
        local function make()
          local p = rcprobe.new()
          keep.closure = function() return keep end
          return p:id()
        end
        local id = make()
        local words = lab.dropped(id)
        keep.closure = nil
        return words
      end,
      expected = { ["*"] = "1 collection" },
    },
  },
  notes = [[
A closure keeps the upvalues it mentions, and only those: a closure made in the same scope
that does not name the handle does not keep it.
]],
}
