-- Scenario 9: a finalizer that resurrects a handle, by storing it where Lua code can reach
-- it again. The finalizer is a table's `__gc` on 5.2+, a `newproxy` userdata's on 5.1 and
-- LuaJIT (which have no `__gc` on tables).

-- An object with a finalizer, which stores `value` in `keep.value` when it runs.
local function sentinel(lab, keep, value)
  local function finalize() keep.value = value end
  if lab.has_table_gc then
    return setmetatable({}, { __gc = finalize })
  end
  local proxy = newproxy(true)
  getmetatable(proxy).__gc = finalize
  return proxy
end

-- What using the resurrected handle does: a method call, and `tostring`.
local function use(handle)
  local ok, err = pcall(function() return handle:strong_count() end)
  if ok then return "works" end
  local destructed = tostring(err):find("userdata has been destructed", 1, true)
  local printable = pcall(tostring, handle)
  return ("raises %s, %s"):format(destructed and '"userdata has been destructed"' or "another error",
    printable and "not in `tostring`" or "`tostring` too")
end

-- Runs the collections until the finalizer ran; `handle_of(value)` finds the handle in what
-- it stored. Returns the words for the object and the handle.
local function outcome(rcprobe, lab, id, keep, handle_of)
  local n = lab.collections_until(function() return keep.value ~= nil end)
  local object = rcprobe.is_alive(id) and "keeps the object" or "drops the object"
  local words = ("collection %d runs the finalizer and %s; the handle %s"):format(
    n, object, use(handle_of(keep.value)))
  keep.value = nil
  return words
end

local RAISES = 'collection 1 runs the finalizer and drops the object; the handle raises '
  .. '"userdata has been destructed", `tostring` too'

return {
  title = "A finalizer that resurrects the handle",
  cases = {
    {
      name = "the finalizer's object is made after the handle",
      measure = function(rcprobe, lab)
        local keep = {}
        local function make()
          local p = rcprobe.new()
          sentinel(lab, keep, p)
          return p:id()
        end
        local id = make()
        return outcome(rcprobe, lab, id, keep, function(p) return p end)
      end,
      expected = { ["*"] = RAISES },
    },
    {
      name = "the finalizer's object is made before the handle",
      measure = function(rcprobe, lab)
        local keep = {}
        local function make()
          local box = {}
          sentinel(lab, keep, box)
          box.p = rcprobe.new()
          return box.p:id()
        end
        local id = make()
        return outcome(rcprobe, lab, id, keep, function(box) return box.p end)
      end,
      expected = { ["*"] = RAISES },
    },
  },
  notes = [[
Every object that a collection finds unreachable and that has a finalizer is finalized in
that collection, the handle included (mlua's `__gc` drops its Rust reference), in whichever
order. So a finalizer cannot save a handle: the Rust object is dropped in the same collection,
and the resurrected handle is a destructed userdata, which raises mlua's own error on every
use, `tostring` included (not rcprobe's "probe #N is closed").
]],
}
