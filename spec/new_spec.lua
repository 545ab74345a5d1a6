local rcprobe = require("rcprobe")
local helper = require("spec.helper")

describe("new()", function()
  it("returns a Probe holding the only strong reference", function()
    local p = rcprobe.new()
    assert.are.equal(1, p:strong_count())
    assert.are.equal(0, p:weak_count())
    assert.are.equal("Probe", (tostring(p):match("^(%a+) #")))
  end)

  it("copies nil, booleans, numbers and strings into Rust", function()
    assert.is_nil(rcprobe.new():get())
    assert.is_nil(rcprobe.new(nil):get())
    assert.are.equal(false, rcprobe.new(false):get())
    assert.are.equal(true, rcprobe.new(true):get())
    assert.are.equal(42, rcprobe.new(42):get())
    assert.are.equal(-1.5, rcprobe.new(-1.5):get())
    assert.are.equal("text", rcprobe.new("text"):get())
  end)

  it("keeps every byte of a string, zeros and invalid UTF-8 included", function()
    local bytes = "a\0b\255\128z"
    assert.are.equal(bytes, rcprobe.new(bytes):get())
  end)

  it("keeps huge and tiny numbers exactly", function()
    assert.are.equal(2 ^ 53, rcprobe.new(2 ^ 53):get())
    assert.are.equal(1e-300, rcprobe.new(1e-300):get())
    assert.are.equal(math.huge, rcprobe.new(math.huge):get())
    local nan = rcprobe.new(0 / 0):get()
    assert.are_not.equal(nan, nan)
  end)

  if helper.has_integers then
    it("keeps integers and floats apart (Lua 5.3+)", function()
      assert.are.equal("integer", math.type(rcprobe.new(3):get()))
      assert.are.equal("float", math.type(rcprobe.new(3.0):get()))
      assert.are.equal(math.maxinteger, rcprobe.new(math.maxinteger):get())
      assert.are.equal(math.mininteger, rcprobe.new(math.mininteger):get())
    end)
  end

  it("gives each object a new positive id, never reused", function()
    local first = rcprobe.new():id()
    local second_id = helper.throwaway()
    helper.collect()
    local third = rcprobe.new():id()
    assert.is_true(first > 0)
    assert.is_true(second_id > first)
    assert.is_true(third > second_id)
  end)

  it("labels objects 'probe' unless opts.label says otherwise", function()
    assert.are.equal("probe", rcprobe.new():label())
    assert.are.equal("session", rcprobe.new(nil, { label = "session" }):label())
    assert.are.equal("", rcprobe.new(nil, { label = "" }):label())
  end)

  it("gives an object a Rust-side buffer of opts.bytes, counted in stats", function()
    local before = rcprobe.stats("buffered").bytes
    local p = rcprobe.new(nil, { label = "buffered", bytes = 4096 })
    assert.are.equal(before + 4096, rcprobe.stats("buffered").bytes)
    p:close()
    assert.are.equal(before, rcprobe.stats("buffered").bytes)
  end)

  it("accepts opts.bytes from 0 to 2^30", function()
    assert.has_no.errors(function() rcprobe.new(nil, { bytes = 0 }):close() end)
    assert.has_no.errors(function() rcprobe.new(nil, { bytes = 2 ^ 30 }):close() end)
  end)

  describe("refuses", function()
    it("tables, functions, userdata and threads as values", function()
      local expected = "bad argument #1 to 'new' (nil, boolean, number or string expected, got %s)"
      assert.has_error(function() rcprobe.new({}) end, expected:format("table"))
      assert.has_error(function() rcprobe.new(print) end, expected:format("function"))
      assert.has_error(function() rcprobe.new(coroutine.create(function() end)) end, expected:format("thread"))
      assert.has_error(function() rcprobe.new(rcprobe.new()) end, expected:format("Probe"))
    end)

    it("opts that are not a table", function()
      assert.has_error(function() rcprobe.new(1, "label") end,
        "bad argument #2 to 'new' (table expected, got string)")
    end)

    it("unknown option names", function()
      assert.has_error(function() rcprobe.new(1, { lable = "typo" }) end,
        "bad argument #2 to 'new' (unknown option 'lable')")
      assert.has_error(function() rcprobe.new(1, { "positional" }) end,
        "bad argument #2 to 'new' (option names are strings, got number)")
    end)

    it("a label that is not a string", function()
      assert.has_error(function() rcprobe.new(1, { label = 5 }) end,
        "bad argument #2 to 'new' (option 'label': string expected, got number)")
    end)

    it("bytes outside 0..2^30 or not an integer", function()
      local expected = "bad argument #2 to 'new' (option 'bytes': integer from 0 to 1073741824 expected, got %s)"
      assert.has_error(function() rcprobe.new(1, { bytes = -1 }) end, expected:format("-1"))
      assert.has_error(function() rcprobe.new(1, { bytes = 2 ^ 30 + 1 }) end, expected:format("1073741825"))
      assert.has_error(function() rcprobe.new(1, { bytes = 1.5 }) end, expected:format("1.5"))
      assert.has_error(function() rcprobe.new(1, { bytes = "8" }) end, expected:format("string"))
    end)

    it("without creating anything", function()
      helper.gc_stopped(function() -- a collection would change the stats too
        local before = rcprobe.stats()
        pcall(rcprobe.new, {})
        pcall(rcprobe.new, 1, { bytes = -1 })
        pcall(rcprobe.new, 1, { label = "never", nope = true })
        assert.are.same(before, rcprobe.stats())
        assert.are.equal(0, rcprobe.stats("never").created)
      end)
    end)
  end)
end)
