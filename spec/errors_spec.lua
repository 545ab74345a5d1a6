local rcprobe = require("rcprobe")

-- The error that calling `fn` raises.
local function error_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return err
end

describe("errors", function()
  it("are Lua strings on every version, never userdata error objects", function()
    local p = rcprobe.new()
    local closed = rcprobe.new()
    closed:close()
    local calls = {
      function() rcprobe.new({}) end,
      function() rcprobe.new(1, { nope = 1 }) end,
      function() rcprobe.strong_count("x") end,
      function() rcprobe.weak_count(1e9) end,
      function() rcprobe.is_alive({}) end,
      function() rcprobe.hold(1) end,
      function() rcprobe.release(false) end,
      function() rcprobe.pass(closed, print) end,
      function() rcprobe.stats(1) end,
      function() rcprobe.live(1) end,
      function() rcprobe.full_gc(0) end,
      function() rcprobe.leaks(nil) end,
      function() p.get(io.stdout) end,
      function() p.strong_count(nil) end,
      function() p:set(print) end,
      function() closed:get() end,
      function() p:link() end,
      function() p.attach(1) end,
      function() p:downgrade().upgrade(p) end,
    }
    for i, call in ipairs(calls) do
      local err = error_of(call)
      assert.are.equal("string", type(err), "call #" .. i .. " raised a " .. type(err))
    end
  end)

  it("carry the caller's position", function()
    local err = error_of(function() rcprobe.new({}) end)
    assert.matches("^spec[/\\]errors_spec%.lua:%d+: bad argument #1 to 'new'", err)
    err = error_of(function() rcprobe.pass(rcprobe.new(), 1) end)
    assert.matches("^spec[/\\]errors_spec%.lua:%d+: bad argument #2 to 'pass'", err)
    err = error_of(function() local p = rcprobe.new(); p:set({}) end)
    assert.matches("^spec[/\\]errors_spec%.lua:%d+: bad argument #1 to 'set'", err)
  end)

  it("count arguments as Lua does: from the argument after self in a method call", function()
    local p = rcprobe.new()
    assert.has_error(function() p:set({}) end,
      "bad argument #1 to 'set' (nil, boolean, number or string expected, got table)")
    assert.has_error(function() p.set(p, {}) end,
      "bad argument #2 to 'set' (nil, boolean, number or string expected, got table)")
  end)

  it("name a wrong self as Lua does", function()
    local p = rcprobe.new()
    local w = p:downgrade()
    assert.has_error(function() p.get(w) end, "bad argument #1 to 'get' (Probe expected, got WeakProbe)")
    assert.has_error(function() w.upgrade(p) end, "bad argument #1 to 'upgrade' (WeakProbe expected, got Probe)")
    local foreign = setmetatable({}, { __index = { get = p.get } })
    assert.has_error(function() foreign:get() end, "calling 'get' on bad self (Probe expected, got table)")
  end)

  it("name foreign userdata by their __name where Lua has one", function()
    local err = error_of(function() rcprobe.strong_count(io.stdout) end)
    local name = _VERSION >= "Lua 5.3" and not jit and "FILE%*" or "userdata"
    assert.matches("%(Probe, WeakProbe or id expected, got " .. name .. "%)$", err)
  end)

  it("leave counts, values and stats as they were", function()
    local p = rcprobe.new("kept")
    local q = p:clone()
    local w = p:downgrade()
    rcprobe.hold(p)
    local before = rcprobe.stats()
    pcall(p.set, p, {})
    pcall(rcprobe.hold, w)
    pcall(rcprobe.release, 1e9)
    pcall(rcprobe.new, {}, { label = "x" })
    pcall(rcprobe.pass, p, 1)
    pcall(q.link, q)
    assert.are.equal("kept", p:get())
    assert.are.equal(3, p:strong_count())
    assert.are.equal(1, p:weak_count())
    assert.are.same(before, rcprobe.stats())
    assert.are.equal(1, rcprobe.release(p))
  end)
end)
