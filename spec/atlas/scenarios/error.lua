-- Scenario 10: an error that unwinds frames holding handles.

return {
  title = "An error",
  cases = {
    {
      name = "raised in a frame with the handle in a local, caught by `pcall`",
      measure = function(rcprobe, lab)
        local ids = {}
        pcall(function()
          local p = rcprobe.new()
          ids.id = p:id()
          error("unwind")
        end)
        return lab.dropped(ids.id)
      end,
      expected = { ["*"] = "dropped after 1 collection" },
    },
    {
      name = "whose error value holds the handle, kept by the catcher, then dropped",
      measure = function(rcprobe, lab)
        local caught = {}
        local function fail()
          local p = rcprobe.new()
          error({ probe = p, id = p:id() })
        end
        caught.err = select(2, pcall(fail))
        local id = caught.err.id
        local while_kept = lab.collections_to_drop(id)
        caught.err = nil
        return ("%s while the error value is kept; dropped %s once it is not"):format(
          lab.after(while_kept, "never"), lab.after(lab.collections_to_drop(id)))
      end,
      expected = { ["*"] = "never while the error value is kept; dropped after 1 collection once it is not" },
    },
    {
      name = "that killed a coroutine with the handle in a local, the coroutine still referenced",
      measure = function(rcprobe, lab)
        local ids, keep = {}, {}
        keep.co = coroutine.create(function()
          local p = rcprobe.new()
          ids.id = p:id()
          error("unwind")
        end)
        coroutine.resume(keep.co)
        local while_kept = lab.collections_to_drop(ids.id)
        keep.co = nil
        return ("%s while the dead coroutine is kept; dropped %s once it is not"):format(
          lab.after(while_kept, "never"), lab.after(lab.collections_to_drop(ids.id)))
      end,
      expected = {
        ["*"] = "never while the dead coroutine is kept; dropped after 1 collection once it is not",
      },
    },
  },
}
