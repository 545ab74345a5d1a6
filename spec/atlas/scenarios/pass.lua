-- Scenario 1, the article's case: Rust hands a Lua function a clone of its Rc (`pass`), and
-- the fix: Rust lends a handle that owns no reference (`lend`).

return {
  title = "Rust calls a Lua function with the object",
  cases = {
    {
      name = "`pass(p, fn)` hands `fn` a clone of the Rc",
      measure = function(rcprobe, lab)
        local p = rcprobe.new()
        local inside
        rcprobe.pass(p, function(clone) inside = clone:strong_count() end)
        local after_call = p:strong_count()
        local n = lab.collections_until(function() return p:strong_count() == 1 end)
        return ("%d inside, %d after the call, 1 %s"):format(inside, after_call, lab.after(n))
      end,
      expected = { ["*"] = "2 inside, 2 after the call, 1 after 1 collection" },
    },
    {
      name = "`lend(p, fn)` lends `fn` a handle that owns no reference",
      measure = function(rcprobe, lab)
        local p = rcprobe.new()
        local inside
        rcprobe.lend(p, function(h) inside = h:strong_count() end)
        local after_call = p:strong_count()
        lab.collect()
        return ("%d inside, %d after the call, %d after 1 collection"):format(
          inside, after_call, p:strong_count())
      end,
      expected = { ["*"] = "1 inside, 1 after the call, 1 after 1 collection" },
    },
  },
}
