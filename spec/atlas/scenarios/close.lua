-- Scenario 11: releasing without any collection: `close()`, and `<close>` variables (5.4+).

return {
  title = "Closing the handle",
  cases = {
    {
      name = "`p:close()` on the only handle",
      measure = function(rcprobe, lab)
        local function closed()
          local p = rcprobe.new()
          p:close()
          return p:id()
        end
        local id = closed()
        return lab.dropped(id)
      end,
      expected = { ["*"] = "at once" },
    },
    {
      name = "`local p <close> = rcprobe.new()`, at the end of its block",
      measure = function(rcprobe, lab)
        if not lab.has_close then return "n/a: no <close>" end
        local id = lab.compile([[
          local rcprobe = ...
          do
            local p <close> = rcprobe.new()
            return p:id()
          end
        ]], "close at scope exit")(rcprobe)
        return lab.dropped(id)
      end,
      expected = {
        ["5.4i 5.4g 5.5i 5.5g"] = "at once",
        ["*"] = "n/a: no <close>",
      },
    },
    {
      name = "a `<close>` handle in a frame that an error unwinds",
      measure = function(rcprobe, lab)
        if not lab.has_close then return "n/a: no <close>" end
        local ids = {}
        pcall(lab.compile([[
          local rcprobe, ids = ...
          local p <close> = rcprobe.new()
          ids.id = p:id()
          error("unwind")
        ]], "close on error"), rcprobe, ids)
        return lab.dropped(ids.id)
      end,
      expected = {
        ["5.4i 5.4g 5.5i 5.5g"] = "at once",
        ["*"] = "n/a: no <close>",
      },
    },
  },
  notes = [[
Closing is the release that never waits for the collector: `close()` drops the handle's
reference at once on every version, and on 5.4+ a `<close>` variable does it when its block
is left, by `return` (11b) or by an error (11c).
]],
}
