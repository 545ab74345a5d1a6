local helper = require("spec.helper")

-- Runs an example script in a new process of this interpreter, with this package path.
local function run(script)
  local command = ("%s %s 2>&1"):format(helper.interpreter(), script)
  local output = assert(io.popen(command, "r"))
  local text = output:read("*a")
  output:close()
  return text
end

describe("examples/seed.lua", function()
  it("prints the strong count 1 before the call, 2 after it and 1 after collectgarbage()", function()
    local text = run("examples/seed.lua")
    assert.are.same({ "1", "2", "2", "1" }, (function()
      local counts = {}
      for count in text:gmatch("strong count [^\n]-:%s*(%d+)") do counts[#counts + 1] = count end
      return counts
    end)())
    assert.matches("strong count before the call:%s+1\n", text)
    assert.matches("strong count after the call:%s+2\n", text)
    assert.matches("strong count after collectgarbage%(%):%s+1\n", text)
  end)
end)
