-- The README's quick start is code a user will paste: it must run as written.

local read_file = require("spec.helper").read_file

local function readme_section(title)
  local text = read_file("README.md")
  local section = text:match("\n## " .. title .. "\n(.-)\n## ")
  return assert(section, "README has no section " .. title)
end

describe("README.md", function()
  it("has a quick start that runs as written", function()
    local code = readme_section("Quick start"):match("```lua\n(.-)```")
    local chunk = assert((loadstring or load)(code, "=README quick start"))
    chunk()
  end)
end)
