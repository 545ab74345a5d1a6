-- Scenario 11: releasing without any collection: `close()`, and `<close>` variables (5.4+).

return {
  title = "Closing the handle",
  cases = {
    {
      name = "`p:close()` on the only handle",
      measure = function(rcprobe, lab)
        local p = rcprobe.new()
        local id = p:id()
        p:close()
        return lab.dropped(id)
      end,
      expected = { ["*"] = "dropped at once, no collection" },
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
        ["5.4i 5.4g 5.5i 5.5g"] = "dropped at once, no collection",
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
        ["5.4i 5.4g 5.5i 5.5g"] = "dropped at once, no collection",
        ["*"] = "n/a: no <close>",
      },
    },
  },
}
