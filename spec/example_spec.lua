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

-- The README's busted example, run as a user would: its spec and helper files in a folder of
-- their own, busted started there by this interpreter. What it prints must be what the README
-- shows.
describe("README.md's busted example", function()
  local function section(text, title)
    return assert(text:match("\n## " .. title .. "\n(.-)\n## "), "README has no section " .. title)
  end

  it("prints the failure the README shows", function()
    local readme = section(helper.read_file("README.md"), "Using rcprobe with busted")
    local spec = readme:match("```lua\n(local rcprobe = require%(\"rcprobe\"%).-)```")
    local shown = readme:match("busted prints[^\n]*\n\n```text\n(.-)```")
    assert.is_not_nil(spec, "the README's spec")
    assert.is_not_nil(shown, "the README's output")
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute(("mkdir -p %q/spec"):format(dir)))
    local function write(name, text)
      local file = assert(io.open(dir .. "/" .. name, "w"))
      file:write(text)
      file:close()
    end
    write("spec/session_spec.lua", spec)
    write("spec/helper.lua", 'require("rcprobe.luassert")\n')
    write(".busted", 'return { _all = { helper = "spec/helper.lua" } }\n')
    local output = assert(io.popen(("cd %q && %s /usr/bin/busted -o plainTerminal 2>&1"):format(dir,
      helper.interpreter()), "r"))
    local text = output:read("*a")
    output:close()
    os.execute(("rm -rf %q"):format(dir))
    -- The failure as busted words it, from the spec's line to the end of the report.
    local failure = text:match("(spec/session_spec%.lua:13: .-)%s*$") or text
    assert.are.equal(shown, failure .. "\n")
  end)
end)
