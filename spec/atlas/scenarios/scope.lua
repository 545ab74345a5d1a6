-- Scenario 2: a handle that goes out of scope, and one still in a live local.

return {
  title = "A handle in a local",
  cases = {
    {
      name = "the function that created it returned",
      measure = function(_, lab)
        return lab.dropped(lab.throwaway())
      end,
      expected = { ["*"] = "dropped after 1 collection" },
    },
    {
      name = "the `do ... end` block that declared it ended",
      measure = function(rcprobe, lab)
        local id
        do
          local p = rcprobe.new()
          id = p:id()
        end
        return lab.dropped(id)
      end,
      expected = { ["*"] = "dropped after 1 collection" },
    },
    {
      name = "still in a live local of the running frame, never used again",
      measure = function(rcprobe, lab)
        local seen = {}
        local function frame()
          local p = rcprobe.new()
          seen.id = p:id()
          seen.during = lab.collections_to_drop(seen.id)
        end
        frame()
        return ("%s while the frame runs; dropped %s once it returned"):format(
          lab.after(seen.during, "never"), lab.after(lab.collections_to_drop(seen.id)))
      end,
      expected = { ["*"] = "never while the frame runs; dropped after 1 collection once it returned" },
    },
  },
}
