-- Scenario 4: coroutines holding handles: suspended, finished, and closed (5.4+).

-- A coroutine whose body keeps a new handle in a local and yields; `ids.id` is its id.
local function suspended(rcprobe, ids)
  local co = coroutine.create(function()
    local p = rcprobe.new()
    ids.id = p:id()
    coroutine.yield()
    return p
  end)
  coroutine.resume(co)
  return co
end

return {
  title = "A coroutine",
  cases = {
    {
      name = "suspended with the handle in a local, kept, then dropped",
      measure = function(rcprobe, lab)
        local ids, keep = {}, {}
        keep.co = suspended(rcprobe, ids)
        local while_kept = lab.collections_to_drop(ids.id)
        local status = coroutine.status(keep.co)
        keep.co = nil
        return ("%s while the %s coroutine is kept; dropped %s once it is not"):format(
          lab.after(while_kept, "never"), status, lab.after(lab.collections_to_drop(ids.id)))
      end,
      expected = {
        ["*"] = "never while the suspended coroutine is kept; dropped after 1 collection once it is not",
      },
    },
    {
      name = "finished (its function returned), still referenced",
      measure = function(rcprobe, lab)
        local ids, keep = {}, {}
        keep.co = suspended(rcprobe, ids)
        coroutine.resume(keep.co) -- it returns p, which this frame drops
        local words = lab.dropped(ids.id)
        keep.co = nil
        return words
      end,
      expected = { ["*"] = "dropped after 1 collection" },
    },
    {
      name = "suspended, then `coroutine.close(co)`, still referenced",
      measure = function(rcprobe, lab)
        if not lab.has_close then return "n/a: no coroutine.close" end
        local ids, keep = {}, {}
        keep.co = suspended(rcprobe, ids)
        local alive_before = rcprobe.is_alive(ids.id)
        coroutine.close(keep.co)
        local words = lab.dropped(ids.id)
        keep.co = nil
        return (alive_before and "" or "dropped before close? ") .. words
      end,
      expected = {
        ["5.4i 5.4g 5.5i 5.5g"] = "dropped after 1 collection",
        ["*"] = "n/a: no coroutine.close",
      },
    },
    {
      name = "suspended with the handle in a `<close>` local, then `coroutine.close(co)`",
      measure = function(rcprobe, lab)
        if not lab.has_close then return "n/a: no <close>" end
        local ids, keep = {}, {}
        keep.co = coroutine.create(lab.compile([[
          local rcprobe, ids = ...
          local p <close> = rcprobe.new()
          ids.id = p:id()
          coroutine.yield()
        ]], "close in a coroutine"))
        coroutine.resume(keep.co, rcprobe, ids)
        coroutine.close(keep.co)
        local words = lab.dropped(ids.id)
        keep.co = nil
        return words
      end,
      expected = {
        ["5.4i 5.4g 5.5i 5.5g"] = "dropped at once, no collection",
        ["*"] = "n/a: no <close>",
      },
    },
  },
}
