-- Scenario 6: Rust-side holds (`hold`/`release`), as Rust code storing a clone of its Rc.

return {
  title = "A Rust-side hold",
  cases = {
    {
      name = "`rcprobe.hold(p)`, the handle dropped, then `release`",
      measure = function(rcprobe, lab)
        local function held()
          local p = rcprobe.new()
          rcprobe.hold(p)
          return p:id()
        end
        local id = held()
        local n = lab.collections_to_drop(id)
        local strong = rcprobe.strong_count(id)
        rcprobe.release(id)
        local after = lab.collections_to_drop(id)
        return ("%s (strong %d after %s); `release`: %s"):format(
          lab.after(n), strong, lab.collections(lab.PATIENCE), lab.after(after))
      end,
      expected = { ["*"] = "never (strong 1 after 10 collections); `release`: at once" },
    },
  },
  notes = [[
A strong reference stored in Rust is invisible to the collector and counts until Rust drops
it; once the last Lua handle is gone, dropping the hold drops the object at once.
]],
}
