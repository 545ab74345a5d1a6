local rcprobe = require("rcprobe")
local paths = require("rcprobe.paths")
local helper = require("spec.helper")

local parked = helper.parked

local GLOBALS = { "rcprobe_graph", "rcprobe_graph_2" }

-- The nodes of a graph by label, and its edges as "from label -kind-> to label" strings.
local function shape(graph)
  local labels, nodes, edges = {}, {}, {}
  for _, node in ipairs(graph.nodes) do
    labels[node.id] = node.label
    nodes[node.label] = node.kind
  end
  for _, edge in ipairs(graph.edges) do
    edges[#edges + 1] = ("%s -%s-> %s"):format(labels[edge.from], edge.kind, labels[edge.to])
  end
  table.sort(edges)
  return nodes, edges
end

-- Runs Graphviz's `dot` on `text`; returns whether it succeeded and the SVG it wrote.
local function render(text)
  local input = os.tmpname()
  local file = assert(io.open(input, "w"))
  file:write(text)
  file:close()
  local pipe = assert(io.popen(("dot -Tsvg %q 2>&1"):format(input)))
  local svg = pipe:read("*a")
  local ok = pipe:close()
  os.remove(input)
  return ok == true or ok == 0, svg
end

describe("paths.graph()", function()
  after_each(function()
    for _, name in ipairs(GLOBALS) do _G[name] = nil end
  end)

  it("gives the nodes and edges from a root to the object, through its handle", function()
    local id = parked(function(p) _G.rcprobe_graph = { p } end, "graphed")
    local nodes, edges = shape(paths.graph(id))
    local name = ('object #%d "graphed"'):format(id)
    assert.are.same({ ["_G"] = "root", table = "table", [("Probe #%d"):format(id)] = "handle", [name] = "target" },
      nodes)
    assert.are.same({
      ("Probe #%d -strong-> %s"):format(id, name),
      "_G -field-> table",
      ("table -index-> Probe #%d"):format(id),
    }, edges)
  end)

  it("names the targets with their verdict and the attribution in words", function()
    local id = parked(function(p) _G.rcprobe_graph = { p } end, "graphed")
    local graph = paths.graph(id)
    assert.are.same({ { id = id, name = ('object #%d "graphed"'):format(id), kind = "probe", alive = true,
      label = "graphed", verdict = "reachable", summary = "strong 1 = 1 Probe reachable from Lua (_G.rcprobe_graph[1])",
      node = graph.targets[1].node } }, graph.targets)
    assert.are.equal("target", graph.nodes[graph.targets[1].node].kind)
  end)

  it("draws what Rust holds apart: holds, unreached handles (collector-dependent)", function()
    helper.gc_stopped(function()
      local p = rcprobe.new(nil, { label = "held" })
      rcprobe.hold(p)
      rcprobe.pass(p, function() end)
      local graph = paths.graph(p:id())
      local nodes, edges = shape(graph)
      local name = ('object #%d "held"'):format(p:id())
      assert.are.equal("rust", nodes["rcprobe.hold"])
      assert.are.equal("unreached", nodes["1 unreached Probe"])
      assert.is_true(helper.contains(edges, "rcprobe.hold -hold-> " .. name))
      assert.is_true(helper.contains(edges, "1 unreached Probe -unreached-> " .. name))
      for _, edge in ipairs(graph.edges) do
        if edge.kind == "hold" or edge.kind == "unreached" or edge.kind == "strong" then
          assert.is_true(edge.rust, edge.kind)
        else
          assert.is_nil(edge.rust, edge.kind)
        end
      end
      rcprobe.release(p)
    end)
  end)

  it("marks a cycle through Rust, edge by edge (collector-dependent)", function()
    local id = parked(function(p) p:link({ p }) end, "cycle")
    rcprobe.full_gc()
    local graph = paths.graph(id)
    local nodes, edges = shape(graph)
    local rust = ('Rust: link of probe #%d "cycle"'):format(id)
    assert.is_true(graph.cycle)
    assert.are.equal("rust", nodes[rust])
    assert.is_true(helper.contains(edges, rust .. " -link-> table"))
    for _, edge in ipairs(graph.edges) do assert.is_true(edge.cycle) end
    rcprobe.links()[id][1]:unlink()
  end)

  it("graphs a watched value as its own node", function()
    -- Watched in a coroutine: no stale register of this frame holds the table (LuaJIT keeps them).
    local id = coroutine.wrap(function()
      _G.rcprobe_graph = { entry = {} }
      return rcprobe.watch(_G.rcprobe_graph.entry, "entry")
    end)()
    local nodes, edges = shape(paths.graph(id))
    local name = ('object #%d "entry"'):format(id)
    assert.are.same({ ["_G"] = "root", table = "table", [name] = "target" }, nodes)
    assert.are.same({ "_G -field-> table", "table -field-> " .. name }, edges)
  end)

  it("graphs several objects after one walk, sharing what they share", function()
    local a = parked(function(p) _G.rcprobe_graph = { p } end, "a")
    local b = parked(function(p) _G.rcprobe_graph[2] = p end, "b")
    local graph = paths.graph(a, b)
    assert.are.equal(2, #graph.targets)
    local nodes = shape(graph)
    assert.are.equal("table", nodes.table)
    assert.are.equal(6, #graph.nodes) -- _G, the table, two handles, two objects
  end)

  it("cuts at `nodes` and says how many paths it left out", function()
    local p = rcprobe.new()
    _G.rcprobe_graph = { { p }, { p }, { p } }
    local graph = paths.graph(p, { nodes = 2 })
    assert.are.same({ paths = 3, nodes = 2 }, graph.cut)
    assert.is_true(#graph.nodes <= 2 + 4)
  end)

  it("elides the middle of paths longer than `depth`", function()
    local id = parked(function(p)
      local list = { p }
      for _ = 1, 10 do list = { list } end
      _G.rcprobe_graph = list
    end)
    local nodes = shape(paths.graph(id, { depth = 4 }))
    assert.are.equal("elided", nodes["... 8 steps ..."])
  end)

  it("refuses unknown options, counts that are not positive integers, and no target", function()
    local p = rcprobe.new()
    assert.has_error(function() paths.graph(p, { deep = 1 }) end, "bad argument #2 to 'graph' (unknown option 'deep')")
    assert.has_error(function() paths.graph(p, { nodes = -1 }) end,
      "bad argument #2 to 'graph' (option 'nodes': positive integer expected, got -1)")
    assert.has_error(function() paths.graph(p, { depth = 2.5 }) end,
      "bad argument #2 to 'graph' (option 'depth': positive integer expected, got 2.5)")
    assert.has_error(function() paths.dot(p, { nodes = "9" }) end,
      "bad argument #2 to 'dot' (option 'nodes': positive integer expected, got string)")
    assert.has_error(function() paths.graph() end,
      "bad argument #1 to 'graph' (Probe, WeakProbe, id or watched value expected, got no value)")
    assert.has_error(function() paths.graph(p, "x") end,
      "bad argument #2 to 'graph' (Probe, WeakProbe, id or watched value expected, got string)")
    assert.are.equal(helper.lines_of_error(function() paths.graph(p, { deep = 1 }) end))
    assert.are.equal(helper.lines_of_error(function() paths.dot() end))
  end)
end)

describe("paths.dot()", function()
  after_each(function()
    for _, name in ipairs(GLOBALS) do _G[name] = nil end
  end)

  it("gives the same text for the same heap", function()
    local id = parked(function(p) _G.rcprobe_graph = { a = { p }, b = { p } } end, "stable")
    assert.are.equal(paths.dot(id), paths.dot(id))
  end)

  it("is DOT that Graphviz renders, showing the object and its path", function()
    local id = parked(function(p) _G.rcprobe_graph = { p } end, "drawn")
    local ok, svg = render(paths.dot(id))
    assert.is_true(ok, svg)
    assert.is_truthy(svg:find("<svg", 1, true))
    assert.is_truthy(svg:find(('object #%d &quot;drawn&quot;'):format(id), 1, true))
    assert.is_truthy(svg:find("_G", 1, true))
  end)

  it("renders every kind of graph: holds, unreached handles, cycles, watched values (collector-dependent)", function()
    local cycle = parked(function(p) p:link({ p }) end, "cycle")
    rcprobe.full_gc()
    local t = {}
    rcprobe.watch(t, "entry")
    _G.rcprobe_graph = { t }
    helper.gc_stopped(function()
      local p = rcprobe.new(nil, { label = "held" })
      rcprobe.hold(p)
      rcprobe.pass(p, function() end)
      local text = paths.dot(cycle, t, p)
      local ok, svg = render(text)
      assert.is_true(ok, svg)
      assert.is_truthy(text:find('color="#d00000"', 1, true), "the cycle is drawn in red")
      assert.is_truthy(text:find("style=dashed", 1, true), "what Rust holds is dashed")
      assert.is_truthy(svg:find("rcprobe.hold", 1, true))
      assert.is_truthy(svg:find("1 unreached Probe", 1, true))
      rcprobe.release(p)
    end)
    rcprobe.links()[cycle][1]:unlink()
  end)
end)
