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

-- The status of `keep.co`, from a frame of its own, so that no temporary slot of the
-- measuring frame holds the coroutine (see lab.lua).
local function status_of(keep)
  return coroutine.status(keep.co)
end

return {
  title = "A coroutine",
  cases = {
    {
      name = "suspended with the handle in a local; kept, then dropped",
      measure = function(rcprobe, lab)
        local ids, keep = {}, {}
        keep.co = suspended(rcprobe, ids)
        return lab.kept_then_let_go(ids.id, status_of(keep) .. " coroutine", function() keep.co = nil end)
      end,
      expected = { ["*"] = "never while the suspended coroutine is kept; then 1 collection" },
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
      expected = { ["*"] = "1 collection" },
    },
    {
      name = "suspended, then `coroutine.close(co)`, still referenced",
      measure = function(rcprobe, lab)
        if not lab.has_close then return "n/a: no coroutine.close" end
        local ids, keep = {}, {}
        keep.co = suspended(rcprobe, ids)
        coroutine.close(keep.co)
        local words = lab.dropped(ids.id)
        keep.co = nil
        return words
      end,
      expected = {
        ["5.4i 5.4g 5.5i 5.5g"] = "1 collection",
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
        ["5.4i 5.4g 5.5i 5.5g"] = "at once",
        ["*"] = "n/a: no <close>",
      },
    },
  },
  notes = [[
A suspended coroutine's stack is a root for as long as the coroutine is reachable, however
long it stays suspended; a finished one's stack is empty. `coroutine.close` (5.4+) empties the
stack of a suspended coroutine, and closes its pending `<close>` variables at once.
]],
}
