-- Scenario 7: a cycle from the object back to its own handle, through Rust (`link`: a
-- strong reference the collector cannot see through) or through Lua (`attach`: the
-- handle's user value, which it traces).

return {
  title = "A cycle back to the handle",
  cases = {
    {
      name = "through Rust: `p:link({ p })`, later `unlink()`",
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
        local after = lab.collections_to_drop(id)
        return ("%s; after `unlink()`: %s"):format(
          lab.after(linked, "never: cycle through Rust"), lab.after(after))
      end,
      expected = { ["*"] = "never: cycle through Rust; after `unlink()`: 1 collection" },
    },
    {
      name = "through Lua: `p:attach({ p })`",
      measure = function(rcprobe, lab)
        local function cycle()
          local p = rcprobe.new()
          p:attach({ p })
          return p:id()
        end
        local id = cycle()
        return lab.dropped(id)
      end,
      expected = { ["*"] = "1 collection" },
    },
  },
  notes = [[
What Rust holds is a root to the collector: a Lua value that a Rust object keeps (an mlua
`Value`, `Function` or `RegistryKey` in a struct) stays alive as long as the object, and if
it leads back to the object's handle, the two keep each other alive forever. Break the cycle
by hand (`unlink`), or keep the back reference where the collector can trace it: a user
value (`attach`), or a Lua table the handle owns.
]],
}
