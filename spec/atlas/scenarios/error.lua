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
      expected = { ["*"] = "1 collection" },
    },
    {
      name = "whose error value holds the handle; kept by the catcher, then dropped",
      measure = function(rcprobe, lab)
        local caught = {}
        local function fail()
          local p = rcprobe.new()
          error({ probe = p, id = p:id() })
        end
        caught.err = select(2, pcall(fail))
        return lab.kept_then_let_go(caught.err.id, "error value", function() caught.err = nil end)
      end,
      expected = { ["*"] = "never while the error value is kept; then 1 collection" },
    },
    {
      name = "that killed a coroutine with the handle in a local; the coroutine kept, then dropped",
      measure = function(rcprobe, lab)
        local ids, keep = {}, {}
        keep.co = coroutine.create(function()
          local p = rcprobe.new()
          ids.id = p:id()
          error("unwind")
        end)
        coroutine.resume(keep.co)
        return lab.kept_then_let_go(ids.id, "dead coroutine", function() keep.co = nil end)
      end,
      expected = { ["*"] = "never while the dead coroutine is kept; then 1 collection" },
    },
    {
      name = "that killed a coroutine with the handle in a local; then `coroutine.close(co)`, still referenced",
      measure = function(rcprobe, lab)
        if not lab.has_close then return "n/a: no coroutine.close" end
        local ids, keep = {}, {}
        keep.co = coroutine.create(function()
          local p = rcprobe.new()
          ids.id = p:id()
          error("unwind")
        end)
        coroutine.resume(keep.co)
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
  },
  notes = [[
`pcall` unwinds the frames of the error, and their locals go with the next collection; the
error value keeps what it references. A coroutine killed by an error keeps its stack (so that
`debug.traceback(co)` can show it) for as long as the coroutine is reachable: drop it, or on
5.4+ call `coroutine.close(co)`.
]],
}
