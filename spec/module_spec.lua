local rcprobe = require("rcprobe")

describe("require('rcprobe')", function()
  it("reports its version from Cargo.toml", function()
    assert.matches("^rcprobe %d+%.%d+%.%d+$", rcprobe._VERSION)
  end)

  it("reports the Lua it was built for", function()
    local expected = jit and "LuaJIT" or _VERSION
    assert.are.equal(expected, rcprobe.LUA)
  end)

  it("returns the same table when the module is loaded again in the same state", function()
    local p = rcprobe.new()
    package.loaded.rcprobe = nil
    local again = require("rcprobe")
    assert.are.equal(rcprobe, again)
    assert.are.equal(1, again.strong_count(p))
  end)

  it("keeps its bookkeeping across loads: ids keep growing and old handles keep working", function()
    local before = rcprobe.new(7)
    package.loaded.rcprobe = nil
    local again = require("rcprobe")
    local after = again.new()
    assert.is_true(after:id() > before:id())
    assert.are.equal(7, before:get())
    assert.are.equal(before:id(), again.id_of(before))
  end)

  it("exports exactly the documented functions", function()
    local names = {}
    for name, value in pairs(rcprobe) do
      if type(value) == "function" then names[#names + 1] = name end
      assert(name:sub(1, 1) ~= "_" or name == "_VERSION" or name == "_internal" or name == "_bench", name)
    end
    table.sort(names)
    assert.are.same({
      "census", "full_gc", "growth", "hold", "id_of", "info", "is_alive", "leaks", "lend", "links", "live", "new",
      "pass", "release", "stats", "strong_count", "watch", "weak_count",
    }, names)
  end)
end)
