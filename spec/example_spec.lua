local helper = require("spec.helper")

-- Runs an example script in a new process of this interpreter, with this package path.
local function run(script)
  local command = ("%s %s 2>&1"):format(helper.interpreter(), script)
  local output = assert(io.popen(command, "r"))
  local text = output:read("*a")
  output:close()
  return text
end

-- The counts an example printed, in order, from lines "strong count ...: N".
local function printed_counts(text)
  local counts = {}
  for count in text:gmatch("strong count [^\n]-:%s*(%d+)\n") do counts[#counts + 1] = tonumber(count) end
  return counts
end

describe("examples/seed.lua", function()
  local text
  setup(function() text = run("examples/seed.lua") end)

  it("prints the strong count 1 before the call, 2 after it and 1 after collectgarbage()", function()
    local pass_part = text:match("^pass:(.-)\nlend:")
    assert.is_not_nil(pass_part, text)
    assert.are.same({ 1, 2, 2, 1 }, printed_counts(pass_part))
    assert.matches("strong count after the call:%s+2\n", pass_part)
  end)

  it("prints 1 throughout for lend", function()
    local lend_part = text:match("\nlend:(.*)$")
    assert.is_not_nil(lend_part, text)
    assert.are.same({ 1, 1, 1, 1 }, printed_counts(lend_part))
  end)
end)
