local rcprobe = require("rcprobe")
local helper = require("spec.helper")

-- Watches a new value made by `make` that nothing keeps once this returns; returns its id.
local function watched_throwaway(make, label)
  return rcprobe.watch(make(), label)
end

describe("watch()", function()
  it("gives a table an id that is alive while the table is", function()
    local t = {}
    local id = rcprobe.watch(t)
    assert.is_true(rcprobe.is_alive(id))
    assert.are.same({ id = id, kind = "lua value", label = "table", held = 0, linked = false, alive = true },
      rcprobe.info(id))
    helper.collect()
    assert.is_true(rcprobe.is_alive(id))
    assert.are.equal(t, t) -- t stays a live local until here
  end)

  it("never keeps the value alive: it goes at the first full collection (collector-dependent)", function()
    helper.gc_stopped(function()
      local id = watched_throwaway(function() return {} end, "throwaway")
      assert.is_true(rcprobe.is_alive(id), "no collection has run")
      assert.are.same({ id }, rcprobe.live("throwaway"))
      collectgarbage()
      assert.is_false(rcprobe.is_alive(id))
      assert.are.same({}, rcprobe.live("throwaway"))
      local stats = rcprobe.stats("throwaway")
      assert.are.same({ 1, 1, 0 }, { stats.created, stats.dropped, stats.alive })
      assert.are.same({ id = id, kind = "lua value", held = 0, linked = false, alive = false }, rcprobe.info(id))
    end)
  end)

  it("returns the id it already gave when the same value is watched again", function()
    local t = {}
    local id = rcprobe.watch(t, "first")
    assert.are.equal(id, rcprobe.watch(t, "second"))
    assert.are.equal(1, rcprobe.stats("first").alive)
    assert.are.equal(0, rcprobe.stats("second").created)
  end)

  it("labels a value by its metatable's __name, else by its type", function()
    local named = setmetatable({}, { __name = "Named" })
    local co = coroutine.create(function() end)
    local file = io.tmpfile()
    assert.are.equal("Named", rcprobe.info(rcprobe.watch(named)).label)
    assert.are.equal("function", rcprobe.info(rcprobe.watch(print)).label)
    assert.are.equal("thread", rcprobe.info(rcprobe.watch(co)).label)
    assert.are.equal("Probe", rcprobe.info(rcprobe.watch(rcprobe.new())).label)
    -- FILE* on 5.2+; 5.1 and LuaJIT give io's metatable no __name
    assert.are.equal(debug.getmetatable(file).__name or "userdata", rcprobe.info(rcprobe.watch(file)).label)
    file:close()
  end)

  it("watches another module's userdata until it is collected (collector-dependent)", function()
    helper.gc_stopped(function()
      local id = watched_throwaway(function() return io.tmpfile() end, "tmpfile")
      collectgarbage()
      collectgarbage()
      assert.is_false(rcprobe.is_alive(id))
    end)
  end)

  it("has no reference count: the count functions refuse its id, naming it", function()
    local t = {}
    local id = rcprobe.watch(t, "entry")
    local message = ("object #%d \"entry\" is a watched Lua value: it has no reference count"):format(id)
    assert.has_error(function() rcprobe.strong_count(id) end,
      ("bad argument #1 to 'strong_count' (%s)"):format(message))
    assert.has_error(function() rcprobe.weak_count(id) end, ("bad argument #1 to 'weak_count' (%s)"):format(message))
    assert.has_error(function() rcprobe.release(id) end, ("bad argument #1 to 'release' (%s)"):format(message))
  end)

  it("still refuses a count once the value is gone (collector-dependent)", function()
    local id = watched_throwaway(function() return {} end, "gone")
    helper.collect()
    assert.has_error(function() rcprobe.strong_count(id) end,
      ("bad argument #1 to 'strong_count' (object #%d is a watched Lua value: it has no reference count)"):format(id))
  end)

  it("lists a watched value that fn created and kept in leaks()", function()
    local keep = {}
    local leaks = rcprobe.leaks(function()
      keep[1] = {}
      rcprobe.watch(keep[1], "kept")
      rcprobe.watch({}, "dropped")
    end)
    assert.are.same({ { id = leaks[1].id, kind = "lua value", label = "kept", held = 0, linked = false } }, leaks)
  end)

  for _, case in ipairs({ { "nil", nil }, { "number", 1 }, { "string", "s" }, { "boolean", true } }) do
    it("refuses a " .. case[1] .. " and changes nothing", function()
      local before = rcprobe.stats()
      assert.has_error(function() rcprobe.watch(case[2]) end,
        ("bad argument #1 to 'watch' (table, function, thread or userdata expected, got %s)"):format(case[1]))
      assert.are.same(before, rcprobe.stats())
    end)
  end

  it("refuses a label that is not a string", function()
    assert.has_error(function() rcprobe.watch({}, 3) end, "bad argument #2 to 'watch' (string expected, got number)")
  end)
end)
