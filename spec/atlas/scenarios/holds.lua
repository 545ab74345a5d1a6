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
        return ("%s: strong %d after %s; `release` drops it %s"):format(
          lab.after(n, "never"), strong, lab.collections(lab.PATIENCE),
          lab.after(lab.collections_to_drop(id)))
      end,
      expected = {
        ["*"] = "never: strong 1 after 10 collections; `release` drops it at once, no collection",
      },
    },
  },
}
