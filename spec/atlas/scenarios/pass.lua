-- Scenario 1, the article's case: Rust hands a Lua function a clone of its Rc (`pass`); and
-- the fix, a loan of a handle that owns no reference (`lend`).

return {
  title = "Rust calls a Lua function with the object",
  cases = {
    {
      name = "`pass(p, fn)`: `fn` gets a clone of the Rc",
      measure = function(rcprobe, lab)
        local p = rcprobe.new()
        local inside
        rcprobe.pass(p, function(clone) inside = clone:strong_count() end)
        local after_call = p:strong_count()
        local n = lab.collections_until(function() return p:strong_count() == 1 end)
        return ("strong %d in the call, %d after it; 1 after %s"):format(
          inside, after_call, lab.after(n))
      end,
      expected = { ["*"] = "strong 2 in the call, 2 after it; 1 after 1 collection" },
    },
    {
      name = "`lend(p, fn)` instead: `fn` gets a handle that owns no reference",
      measure = function(rcprobe, lab)
        local p = rcprobe.new()
        local inside
        rcprobe.lend(p, function(h) inside = h:strong_count() end)
        local after_call = p:strong_count()
        lab.collect()
        return ("strong %d in the call, %d after it; %d after 1 collection"):format(
          inside, after_call, p:strong_count())
      end,
      expected = { ["*"] = "strong 1 in the call, 1 after it; 1 after 1 collection" },
    },
  },
  notes = [[
`pass` puts a clone of the `Rc` in a new userdata. Lua frees a userdata only when a
collection finds it unreachable, so when the call returns Rust still counts 2, whatever `fn`
did with it. `lend` hands `fn` a handle that owns no reference (its loan ends when `fn`
returns), so there is nothing to wait for. A binding that must not extend the object's life
should lend (mlua's `Lua::scope` is another way), not pass clones.
]],
}
