//! Why is my host object still alive? 2. A cycle through Rust: a `Button` userdata whose Rust
//! field `on_click` holds a Lua closure that captures the button. Lua's collector cannot see
//! into the Rust field, so it never learns that the closure is only kept by the button itself.
//!
//!     cargo run --example button --features lua54,vendored
//!     cargo run --example button --features lua54,vendored -- --dot   # the picture (make docs)
//!
//! It prints what rcprobe reports, then two fixes confirmed by the Button's stats: the handler
//! in the button's user value (which the collector traces), and a closure that reaches the
//! button through a weak table. tests/examples.rs compares the output with examples/button.out.

use mlua::{AnyUserData, Function, Lua, UserData, UserDataMethods};

struct Button {
    label: String,
    /// Counts every Button from its creation to its `Drop`, and is the owner of its links.
    tally: rcprobe::Tally,
    /// The bug's field: a Lua function held from Rust, where the collector cannot look.
    on_click: Option<rcprobe::Link<Function>>,
}

impl UserData for Button {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("label", |_, this, ()| Ok(this.label.clone()));
        // The bug: the handler goes into a Rust field.
        methods.add_function("on_click", |lua, (this, handler): (AnyUserData, Function)| {
            let owner = this.borrow::<Button>()?.tally.id();
            let link = rcprobe::Link::with_owner(lua, owner, "Button.on_click", handler)?;
            this.borrow_mut::<Button>()?.on_click = Some(link);
            Ok(())
        });
        // The fix: the handler goes into the button's user value, which the collector traces.
        methods.add_function("set_handler", |_, (this, handler): (AnyUserData, Function)| {
            this.set_user_value(handler)
        });
        methods.add_function("click", |_, this: AnyUserData| {
            let handler = match &this.borrow::<Button>()?.on_click {
                Some(link) => Function::clone(link),
                None => this.user_value::<Function>()?,
            };
            handler.call::<String>(())
        });
    }
}

/// A Lua state with the debug library, which rcprobe needs to search upvalues, and `Button`.
#[allow(unsafe_code)]
fn new_lua() -> mlua::Result<Lua> {
    // SAFETY: only rcprobe's reports use the debug library, and only to read.
    let lua = unsafe { Lua::unsafe_new() };
    // Once declared, a Button userdata is to rcprobe the handle of its Tally.
    rcprobe::handles::<Button, _>(&lua, |button| &button.tally)?;
    let new_button = lua.create_function(|lua, label: String| {
        lua.create_userdata(Button { label, tally: rcprobe::Tally::new(lua, "Button")?, on_click: None })
    })?;
    lua.globals().set("Button", new_button)?;
    Ok(lua)
}

/// Runs `code` as the chunk `name` in a new state, then a full collection, and prints the
/// code, what a click returns and the Button's stats. Returns the state.
fn run(name: &str, code: &str) -> mlua::Result<Lua> {
    let lua = new_lua()?;
    println!("{name}:");
    for line in code.lines() {
        println!("  {line}");
    }
    let clicked: String = lua.load(code).set_name(format!("={name}")).eval()?;
    println!("click: {clicked}");
    rcprobe::full_gc(&lua)?;
    let stats = rcprobe::stats_of(&lua, "Button")?;
    println!(
        "Button after rcprobe::full_gc(): created {}, dropped {}, alive {}, peak {}",
        stats.created,
        stats.dropped,
        stats.alive(),
        stats.peak
    );
    Ok(lua)
}

const BUG: &str = r#"local ok = Button("OK")
ok:on_click(function() return "clicked " .. ok:label() end)
return ok:click()"#;

const USER_VALUE: &str = r#"local ok = Button("OK")
ok:set_handler(function() return "clicked " .. ok:label() end)
return ok:click()"#;

const WEAK_TABLE: &str = r#"local ok = Button("OK")
local weak = setmetatable({ button = ok }, { __mode = "v" })
ok:on_click(function() return "clicked " .. weak.button:label() end)
return ok:click()"#;

fn main() -> mlua::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("--dot") {
        let lua = new_lua()?;
        lua.load(BUG).set_name("=dialog.lua").exec()?;
        rcprobe::full_gc(&lua)?;
        let id = rcprobe::live(&lua, Some("Button"))?[0];
        let paths: mlua::Table = lua.load("return require('rcprobe.paths')").eval()?;
        print!("{}", paths.get::<Function>("dot")?.call::<String>(id)?);
        return Ok(());
    }

    println!("The bug: the handler, kept in a Rust field, captures the button");
    let lua = run("dialog.lua", BUG)?;
    let id = rcprobe::live(&lua, Some("Button"))?[0];
    let why = rcprobe::why(&lua, id)?;
    println!("rcprobe::why(&lua, id): verdict {:?}", why.verdict);
    println!("  {}", why.summary);
    for path in &why.linked_paths {
        println!("  {path}");
    }

    println!();
    println!("The fix: the handler in the button's user value, which Lua's collector traces");
    run("user_value.lua", USER_VALUE)?;

    println!();
    println!("Or: the handler stays in the Rust field, and reaches the button through a weak table");
    run("weak_table.lua", WEAK_TABLE)?;
    Ok(())
}
