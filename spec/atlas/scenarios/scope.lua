-- Scenario 2: a handle that goes out of scope, one still in a live local, and one that a
-- temporary stack slot keeps.

return {
  title = "A handle in a local",
  cases = {
    {
      name = "the function that made it returned",
      measure = function(_, lab)
        local id = lab.throwaway()
        return lab.dropped(id)
      end,
      expected = { ["*"] = "1 collection" },
    },
    {
      name = "the `do ... end` block that declared it ended",
      measure = function(rcprobe, lab)
        local id
        do
          local p = rcprobe.new()
          id = p:id()
        end
        return lab.dropped(id)
      end,
      expected = { ["*"] = "1 collection" },
    },
    {
      name = "in a local of the running frame, never used again",
      measure = function(rcprobe, lab)
        local seen = {}
        local function frame()
          local p = rcprobe.new()
          seen.id = p:id()
          seen.during = lab.collections_to_drop(seen.id)
        end
        frame()
        local after = lab.collections_to_drop(seen.id)
        return ("%s while the frame runs; then %s"):format(lab.after(seen.during), lab.after(after))
      end,
      expected = { ["*"] = "never while the frame runs; then 1 collection" },
    },
    {
      name = "`t.p:id()`, `t.p = nil`, then `tostring(collect_and_count())` in the same frame",
      measure = function(rcprobe, lab)
        local seen = {}
        local function frame()
          local t = {}
          t.p = rcprobe.new()
          local id = t.p:id() -- copies the handle into a temporary stack slot, as `self`
          t.p = nil
          seen.id = id
          -- On LuaJIT (64-bit frames), the slot after `tostring` is its call's frame link,
          -- written only when `tostring` is called: until then it still holds that copy.
          return tostring(lab.collections_to_drop(id))
        end
        local during = tonumber(frame())
        if during then return lab.after(during) end
        local after = lab.collections_to_drop(seen.id)
        return ("never while the frame runs; then %s"):format(lab.after(after))
      end,
      expected = {
        JIT = "never while the frame runs; then 1 collection",
        ["*"] = "1 collection",
      },
    },
  },
  notes = [[
Lua does no liveness analysis: a local keeps its value until its frame returns, even if no
code reads it again. Once out of scope, a value lingers only in a stack slot that nothing has
overwritten yet, and a collection sees only the slots below the stack top. Row 2d shows the
exception: on LuaJIT (64-bit build), a method call copies the handle into a temporary slot,
and the slot after a pending call's function (here `tostring`'s) is its frame link, written
only when that call is made. A collection run while its arguments are evaluated still sees the
handle. In specs, collect and check counts in separate statements, and make throwaway objects
in helper functions.
]],
}
