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
        local while_kept = lab.collections_to_drop(id)
        assert(type(keep.closure) == "function")
        keep.closure = nil
        return ("%s while the closure is kept; dropped %s once it is not"):format(
          lab.after(while_kept, "never"), lab.after(lab.collections_to_drop(id)))
      end,
      expected = { ["*"] = "never while the closure is kept; dropped after 1 collection once it is not" },
    },
    {
      name = "a kept closure made in the same scope, which does not mention the handle",
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
      expected = { ["*"] = "dropped after 1 collection" },
    },
  },
}
