-- Scenario 7: a cycle from the object back to its own handle, through Rust (`link`: a
-- strong reference the collector cannot see through) or through Lua (`attach`: the
-- handle's user value, which it traces).

return {
  title = "A cycle back to the handle",
  cases = {
    {
      name = "through Rust: `p:link({ p })`, then `unlink()`",
      measure = function(rcprobe, lab)
        local function cycle()
          local p = rcprobe.new()
          p:link({ p })
          return p:id()
        end
        local id = cycle()
        local linked = lab.collections_to_drop(id)
        local function unlink() rcprobe.links()[id][1]:unlink() end
        unlink()
        return ("%s; dropped %s after `unlink()`"):format(
          lab.after(linked, "never: cycle through Rust"), lab.after(lab.collections_to_drop(id)))
      end,
      expected = { ["*"] = "never: cycle through Rust; dropped after 1 collection after `unlink()`" },
    },
    {
      name = "through Lua: `p:attach({ p })`",
      measure = function(rcprobe, lab)
        local function cycle()
          local p = rcprobe.new()
          p:attach({ p })
          return p:id()
        end
        return lab.dropped(cycle())
      end,
      expected = { ["*"] = "dropped after 1 collection" },
    },
  },
}
