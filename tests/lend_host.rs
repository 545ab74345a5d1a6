//! `rcprobe::lend` from a Rust host: an `Rc<RefCell<T>>` (the article's type) or an `Rc<T>` is
//! lent to a Lua function as a handle that owns no reference, so the counts never rise; after
//! the call, every use of the handle raises a string error naming the loan.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use mlua::{Function, Lua, MetaMethod, Table, UserData, UserDataFields, UserDataMethods, Value};

mod common;

use common::lua_with_rcprobe;

/// A host type, unknown to rcprobe, with a `&mut self` method, a field and metamethods. (A
/// lent object is a scoped userdata: `borrow_scoped` reads it, `borrow` cannot.)
struct Document {
    title: String,
    edits: u32,
}

impl UserData for Document {
    fn add_fields<F: UserDataFields<Self>>(fields: &mut F) {
        fields.add_field_method_get("edits", |_, this| Ok(this.edits));
        fields.add_field_method_set("edits", |_, this, edits: u32| {
            this.edits = edits;
            Ok(())
        });
    }

    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("title", |_, this, ()| Ok(this.title.clone()));
        methods.add_method_mut("rename", |_, this, title: String| {
            this.title = title;
            this.edits += 1;
            Ok(())
        });
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(format!("Document {}", this.title)));
        methods.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.title.len()));
        methods.add_meta_method(MetaMethod::Call, |_, this, suffix: String| Ok(this.title.clone() + &suffix));
        methods.add_meta_function(MetaMethod::Concat, |_, (a, b): (Value, Value)| {
            let side = |v: Value| match v {
                Value::UserData(ud) => ud.borrow_scoped::<Document, _>(|d| d.title.clone()),
                v => Ok(v.to_string()?),
            };
            Ok(side(a)? + &side(b)?)
        });
        methods.add_meta_function(MetaMethod::Add, |_, (a, b): (Value, Value)| {
            let side = |v: Value| match v {
                Value::UserData(ud) => ud.borrow_scoped::<Document, _>(|d| d.edits),
                v => Ok(v.as_u32().unwrap_or_default()),
            };
            Ok(side(a)? + side(b)?)
        });
        // By name: metamethods of Lua 5.3 and 5.4, harmless in the metatable on older versions.
        methods.add_meta_method("__band", |_, this, mask: u32| Ok(this.edits & mask));
        methods.add_meta_method_mut("__close", |_, this, _: Value| {
            this.title += " (closed)";
            Ok(())
        });
        methods.add_meta_method(MetaMethod::Lt, |_, this, other: mlua::UserDataRef<Document>| {
            Ok(this.title < other.title)
        });
    }
}

fn document(title: &str) -> Document {
    Document { title: title.into(), edits: 0 }
}

fn function(lua: &Lua, source: &str) -> mlua::Result<Function> {
    lua.load(source).set_name("=spec").eval()
}

/// What `fn()` raised, as `(type, message)`, from a Lua `pcall` (so not through mlua).
fn raised(lua: &Lua, chunk: &str) -> mlua::Result<(String, String)> {
    let (kind, message): (String, String) = lua
        .load(format!("local ok, err = pcall(function()\n{chunk}\nend)\nreturn type(err), tostring(err)"))
        .set_name("=spec")
        .eval()?;
    Ok((kind, message))
}

#[test]
fn an_rc_refcell_is_lent_as_mut_and_its_count_never_rises() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(document("draft")));
    let id = rcprobe::track(&lua, &doc, "document")?;
    lua.globals().set("id", id)?;
    let edit = function(
        &lua,
        r#"return function(doc, title)
             doc:rename(title)
             return rcprobe.strong_count(id), rcprobe.strong_count(doc), doc:title()
           end"#,
    )?;

    lua.gc_stop();
    let inside: (usize, usize, String) = rcprobe::lend(&lua, &doc, &edit, "final")?;
    assert_eq!((1, 1, "final".to_string()), inside, "the handle owns no reference");
    assert_eq!(1, Rc::strong_count(&doc), "nothing waits for the collector");
    assert_eq!(1, doc.borrow().edits, "the &mut self method changed the host's object");
    assert!(doc.try_borrow_mut().is_ok(), "the RefCell is released after the loan");
    lua.gc_restart();
    lua.gc_collect()?;
    assert_eq!(1, Rc::strong_count(&doc));
    Ok(())
}

#[test]
fn an_rc_is_lent_as_ref_and_its_count_never_rises() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(document("shared"));
    let id = rcprobe::track(&lua, &doc, "document")?;
    lua.globals().set("id", id)?;
    let read = function(&lua, "return function(doc) return doc:title(), rcprobe.strong_count(id) end")?;

    lua.gc_stop();
    let (title, strong): (String, usize) = rcprobe::lend(&lua, &doc, &read, ())?;
    assert_eq!(("shared".to_string(), 1), (title, strong));
    assert_eq!(1, Rc::strong_count(&doc));
    lua.gc_restart();
    Ok(())
}

#[test]
fn the_handle_has_the_fields_and_metamethods_of_the_lent_type() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(document("draft")));
    let other = Rc::new(document("zebra"));
    lua.globals().set("other", lua.create_userdata(rcprobe_free_copy(&other))?)?;
    let exercise = function(
        &lua,
        r#"return function(doc)
             doc.edits = 4
             return {
               edits = doc.edits,
               text = tostring(doc),
               len = #doc,
               called = doc("!"),
               concat = doc .. "?",
               sum = doc + 1,
               -- 5.1 compares only values with the same metamethod: not a handle and a Document
               less = _VERSION ~= "Lua 5.1" and doc < other,
               same_method = doc.title == doc.title,
               self_equal = doc == doc,
             }
           end"#,
    )?;
    let t: Table = rcprobe::lend(&lua, &doc, &exercise, ())?;
    assert_eq!(4, t.get::<u32>("edits")?);
    assert_eq!("Document draft", t.get::<String>("text")?);
    assert_eq!(5, t.get::<usize>("len")?);
    assert_eq!("draft!", t.get::<String>("called")?);
    assert_eq!("draft?", t.get::<String>("concat")?);
    assert_eq!(5, t.get::<u32>("sum")?);
    assert_eq!(!cfg!(any(feature = "lua51", feature = "luajit")), t.get::<bool>("less")?);
    assert!(t.get::<bool>("same_method")?, "one wrapper per method and loan");
    assert!(t.get::<bool>("self_equal")?);
    assert_eq!(4, doc.borrow().edits, "the field setter wrote the host's object");
    Ok(())
}

#[cfg(any(feature = "lua53", feature = "lua54", feature = "lua55"))]
#[test]
fn the_handle_has_the_integer_metamethods_of_lua_5_3() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(Document { title: "bits".into(), edits: 6 }));
    let exercise = function(
        &lua,
        r#"return function(doc)
             local ok, err = pcall(function() return doc // 2 end)
             return doc & 3, err
           end"#,
    )?;
    let (masked, missing): (u32, String) = rcprobe::lend(&lua, &doc, &exercise, ())?;
    assert_eq!(2, masked);
    assert_eq!("spec:2: attempt to perform arithmetic on a Document value", missing);
    Ok(())
}

/// A host type with no metamethods.
struct Plain;

impl UserData for Plain {}

#[test]
fn an_operation_the_lent_type_lacks_raises_luas_own_error_at_the_callers_line() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let plain = Rc::new(Plain);
    let exercise = function(
        &lua,
        r#"return function(plain)
             local errors = {}
             for _, operation in ipairs({
               function() return plain + 1 end,
               function() return -plain end,
               function() return #plain end,
               function() return "x" .. plain end,
               function() local r = plain() return r end,
             }) do
               local ok, err = pcall(operation)
               errors[#errors + 1] = err
             end
             return errors
           end"#,
    )?;
    let errors: Vec<String> = rcprobe::lend(&lua, &plain, &exercise, ())?;
    assert_eq!(
        vec![
            "spec:4: attempt to perform arithmetic on a Plain value",
            "spec:5: attempt to perform arithmetic on a Plain value",
            "spec:6: attempt to get length of a Plain value",
            "spec:7: attempt to concatenate a Plain value",
            "spec:8: attempt to call a Plain value",
        ],
        errors
    );
    Ok(())
}

#[cfg(any(feature = "lua54", feature = "lua55"))]
#[test]
fn the_handle_closes_the_lent_object_as_a_to_be_closed_variable() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(document("draft")));
    let close = function(&lua, "return function(doc) do local closing <close> = doc end end")?;
    let () = rcprobe::lend(&lua, &doc, &close, ())?;
    assert_eq!("draft (closed)", doc.borrow().title);
    Ok(())
}

/// A plain userdata of the same type, for the comparisons.
fn rcprobe_free_copy(doc: &Document) -> Document {
    Document { title: doc.title.clone(), edits: doc.edits }
}

#[test]
fn after_the_loan_every_use_of_a_kept_handle_raises_a_string_naming_the_loan() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(document("draft")));
    let id = rcprobe::track(&lua, &doc, "draft")?;
    let keep = function(&lua, "return function(doc) kept, kept_title = doc, doc.title end")?;
    let () = rcprobe::lend(&lua, &doc, &keep, ())?;

    let ended = format!("attempt to use a Document value (the loan of object #{id} \"draft\" has ended)");
    for (chunk, what) in [
        ("return kept:title()", "a method call"),
        ("return kept.edits", "a field"),
        ("kept.edits = 1", "an assignment"),
        ("local s = tostring(kept) return s", "tostring"),
        ("return #kept", "the length"),
        ("return kept .. ''", "a concatenation"),
        ("local s = kept('!') return s", "a call"),
        ("return kept + 1", "arithmetic"),
        ("local t = kept_title(kept) return t", "a method read during the loan"),
    ] {
        assert_eq!(("string".to_string(), format!("spec:2: {ended}")), raised(&lua, chunk)?, "{what}");
    }
    assert!(doc.try_borrow_mut().is_ok());
    Ok(())
}

#[test]
fn with_the_debug_library_tostring_and_print_errors_point_at_their_caller() -> mlua::Result<()> {
    // SAFETY: the debug library is only read here, as a stock interpreter has it.
    #[allow(unsafe_code)]
    let lua = unsafe { Lua::unsafe_new() };
    lua.globals().set("rcprobe", rcprobe::open(&lua)?)?;
    let doc = Rc::new(document("draft"));
    let keep = function(&lua, "return function(doc) kept = doc end")?;
    let () = rcprobe::lend(&lua, &doc, &keep, ())?;
    let ended = "attempt to use a Document value (the loan of this Document has ended)";
    for chunk in ["local s = tostring(kept) return s", "print(kept)"] {
        assert_eq!(("string".to_string(), format!("spec:2: {ended}")), raised(&lua, chunk)?, "{chunk}");
    }
    Ok(())
}

#[test]
fn an_untracked_object_is_named_by_its_type() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(document("untracked"));
    let keep = function(
        &lua,
        r#"return function(doc)
             kept = doc
             local ok, err = pcall(rcprobe.strong_count, doc)
             return rcprobe.id_of(doc), err
           end"#,
    )?;
    let (id, refused): (Option<u32>, String) = rcprobe::lend(&lua, &doc, &keep, ())?;
    assert_eq!(None, id, "an untracked object has no id");
    assert!(
        refused.ends_with("bad argument #1 to 'strong_count' (the lent Document is not tracked)"),
        "{refused}"
    );
    assert_eq!(
        (
            "string".to_string(),
            "spec:2: attempt to use a Document value (the loan of this Document has ended)".into()
        ),
        raised(&lua, "return kept:title()")?
    );
    Ok(())
}

#[test]
fn id_of_gives_the_tracked_id_during_the_loan_only() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(document("draft")));
    let id = rcprobe::track(&lua, &doc, "document")?;
    let during = function(
        &lua,
        r#"return function(doc)
             kept = doc
             local handle_id, kind = rcprobe._internal.handle(doc)
             return rcprobe.id_of(doc), handle_id, kind, rcprobe.info(doc).label
           end"#,
    )?;
    let inside: (u32, u32, String, String) = rcprobe::lend(&lua, &doc, &during, ())?;
    assert_eq!((id, id, "none".to_string(), "document".to_string()), inside, "it owns no reference");
    let after: (Option<u32>, Option<u32>) =
        lua.load("return rcprobe.id_of(kept), (rcprobe._internal.handle(kept))").eval()?;
    assert_eq!((None, None), after);
    let (kind, message) = raised(&lua, "return rcprobe.strong_count(kept)")?;
    assert_eq!("string", kind);
    assert!(message.ends_with(&format!("(the loan of object #{id} \"document\" has ended)")), "{message}");
    Ok(())
}

#[test]
fn rcprobe_paths_finds_no_strong_reference_in_a_handle_during_the_loan() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(document("draft")));
    rcprobe::track(&lua, &doc, "document")?;
    let walk = function(&lua, "return function(doc) kept = doc return require('rcprobe.paths').to(doc) end")?;
    let found: Vec<String> = rcprobe::lend(&lua, &doc, &walk, ())?;
    assert!(!found.is_empty(), "the host's own Rc is found, outside Lua");
    assert!(found.iter().all(|path| !path.contains("kept")), "{found:?}");
    Ok(())
}

#[test]
fn an_error_raised_by_the_function_reaches_rust_and_ends_the_loan() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(document("draft")));
    let fail = function(&lua, "return function(doc) kept = doc; doc:rename('half'); error('boom') end")?;
    let err = rcprobe::lend::<_, _, _, ()>(&lua, &doc, &fail, ()).expect_err("the function raised");
    assert!(
        matches!(err, mlua::Error::RuntimeError(ref message) if message.starts_with("spec:1: boom")),
        "{err:?}"
    );
    assert_eq!("half", doc.borrow().title, "what ran before the error stays done");
    assert!(doc.try_borrow_mut().is_ok(), "the RefCell is released");
    assert_eq!(1, Rc::strong_count(&doc));
    assert_eq!("string", raised(&lua, "return kept:title()")?.0);
    Ok(())
}

#[test]
fn a_panic_in_the_function_ends_the_loan_and_releases_the_refcell() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(document("draft")));
    let id = rcprobe::track(&lua, &doc, "document")?;
    let panicking = lua.create_function(|_, ()| -> mlua::Result<()> { panic!("callback failed") })?;
    lua.globals().set("panicking", panicking)?;
    let fail = function(&lua, "return function(doc) kept = doc; panicking() end")?;

    let result = catch_unwind(AssertUnwindSafe(|| rcprobe::lend::<_, _, _, ()>(&lua, &doc, &fail, ())));
    assert!(result.is_err(), "the panic reached the host");
    assert!(doc.try_borrow_mut().is_ok(), "the RefCell is released");
    assert_eq!(1, Rc::strong_count(&doc));
    let ended = format!("attempt to use a Document value (the loan of object #{id} \"document\" has ended)");
    assert_eq!(("string".to_string(), format!("spec:2: {ended}")), raised(&lua, "return kept:title()")?);
    assert_eq!(None, lua.load("return rcprobe.id_of(kept)").eval::<Option<u32>>()?);
    Ok(())
}

#[test]
fn a_refcell_borrowed_already_is_not_lent() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(RefCell::new(document("draft")));
    let called = function(&lua, "return function() called = true end")?;
    let reading = doc.borrow();
    let err = rcprobe::lend::<_, _, _, ()>(&lua, &doc, &called, ()).expect_err("borrowed already");
    drop(reading);
    assert!(err.to_string().contains("lend: the object's RefCell is borrowed already"), "{err}");
    assert_eq!(None, lua.globals().get::<Option<bool>>("called")?, "the function did not run");
    Ok(())
}

#[test]
fn a_lent_rc_can_be_lent_again_inside_the_loan() -> mlua::Result<()> {
    let lua = lua_with_rcprobe()?;
    let doc = Rc::new(document("twice"));
    let read = function(&lua, "return function(doc) return doc:title() end")?;
    let host_read = {
        let doc = Rc::downgrade(&doc);
        let read = read.clone();
        lua.create_function(move |lua, ()| {
            let doc = doc.upgrade().expect("alive during the loan");
            rcprobe::lend::<_, _, _, String>(lua, &doc, &read, ())
        })?
    };
    lua.globals().set("host_read", host_read)?;
    let nested = function(&lua, "return function(doc) return doc:title() .. host_read() end")?;
    let titles: String = rcprobe::lend(&lua, &doc, &nested, ())?;
    assert_eq!("twicetwice", titles);
    Ok(())
}
