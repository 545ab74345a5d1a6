//! `rcprobe::lend`: the fix for the article's scenario on the host side. Lua code gets a
//! handle that borrows the host's object instead of a clone of its `Rc`, so the counts never
//! rise and nothing waits for the collector.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{
    AnyUserData, ErrorContext, FromLuaMulti, Function, IntoLuaMulti, Lua, Result as LuaResult, UserData,
    Value,
};

use crate::ledger::handles::address_of;
use crate::lua::lent_handle::{LentHandle, Loan};
use crate::lua::module::ledger;

/// Calls `function(handle, args...)` with a handle to `object` that owns no reference, so the
/// object's counts do not rise, and returns what `function` returns. An error `function` raises
/// comes back as it is.
///
/// `object` is an `Rc<T>` or an `Rc<RefCell<T>>` of a type `T: UserData`, and the handle has
/// `T`'s methods, fields and metamethods:
///
/// - an `Rc<T>` is lent as `&T`: `T`'s `&self` methods work;
/// - an `Rc<RefCell<T>>` is lent as `&mut T`: `&mut self` methods work too. Its `RefCell` stays
///   mutably borrowed for the whole call, as a `&mut` borrow would be, so `lend` fails when it is
///   borrowed already, and anything that borrows it during the call (Lua code calling a method
///   of another handle holding the same `Rc`, say) fails too.
///
/// The loan ends when `function` returns, raises or panics. Any later use of the handle (a
/// method, a field, `tostring`) raises a Lua string error naming the loan:
/// `attempt to use a Document value (the loan of object #3 "draft" has ended)`, or
/// `(the loan of this Document has ended)` when the host does not [`track`](crate::track) the
/// object. `rcprobe.id_of(handle)` gives the id of a tracked object while the loan lasts, and
/// rcprobe's count functions accept the handle then.
///
/// The handle is a userdata of rcprobe's (its `__name` is `LentHandle`) that forwards every
/// use to a scoped userdata of `T` (mlua's `Lua::scope`). Functions read from it are wrapped so
/// that the handle can be their `self`; passed as another argument, it is not a `T` to them.
/// `lend` installs rcprobe in `lua` if [`open`](crate::open) has not.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// use mlua::{UserData, UserDataMethods};
///
/// struct Document {
///     title: String,
/// }
///
/// impl UserData for Document {
///     fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
///         methods.add_method("title", |_, this, ()| Ok(this.title.clone()));
///         methods.add_method_mut("rename", |_, this, title: String| {
///             this.title = title;
///             Ok(())
///         });
///     }
/// }
///
/// let lua = mlua::Lua::new();
/// let rename: mlua::Function = lua.load("return function(doc, title) doc:rename(title) end").eval()?;
/// let document = Rc::new(RefCell::new(Document { title: "draft".into() }));
/// let () = rcprobe::lend(&lua, &document, &rename, "final")?;
/// assert_eq!("final", document.borrow().title);
/// assert_eq!(1, Rc::strong_count(&document)); // nothing waits for the collector
///
/// let read: mlua::Function = lua.load("return function(doc) return doc:title() end").eval()?;
/// let shared = Rc::new(Document { title: "shared".into() });
/// let title: String = rcprobe::lend(&lua, &shared, &read, ())?;
/// assert_eq!("shared", title);
/// # Ok(())
/// # }
/// ```
pub fn lend<B, L, A, R>(lua: &Lua, object: &L, function: &Function, args: A) -> LuaResult<R>
where
    L: Lendable<B>,
    A: IntoLuaMulti,
    R: FromLuaMulti,
{
    let ledger = ledger(lua)?;
    let address = object.address();
    object.scoped(lua, |lent| {
        let loan = Loan::start(&ledger, address, lent)?;
        let _ends = EndsLoan(Rc::clone(&loan)); // on return, error or panic
        let handle = lua.create_any_userdata(LentHandle::new(loan))?;
        let mut args = args.into_lua_multi(lua)?;
        args.push_front(Value::UserData(handle));
        function.call(args)
    })
}

/// Ends the loan when dropped.
struct EndsLoan(Rc<Loan>);

impl Drop for EndsLoan {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// What [`lend`] lends: an `Rc<T>` (as `&T`, see [`SharedBorrow`]) or an `Rc<RefCell<T>>` (as
/// `&mut T`, see [`MutableBorrow`]), for any `T: UserData`. Sealed: rcprobe implements it for
/// these two only.
///
/// The type parameter says how the object is borrowed; it is always inferred, and only shows
/// in code that is generic over what it lends:
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// use std::rc::Rc;
///
/// struct Counter(u32);
/// impl mlua::UserData for Counter {}
///
/// /// Lends `object` to a function that does nothing, and checks that its count did not rise.
/// fn lend_idle<B, L: rcprobe::Lendable<B>>(lua: &mlua::Lua, object: &L) -> mlua::Result<()> {
///     let idle: mlua::Function = lua.load("return function(_) end").eval()?;
///     rcprobe::lend(lua, object, &idle, ())
/// }
///
/// let lua = mlua::Lua::new();
/// let counter = Rc::new(Counter(0));
/// lend_idle(&lua, &counter)?;
/// assert_eq!(1, Rc::strong_count(&counter));
/// # Ok(())
/// # }
/// ```
pub trait Lendable<B>: sealed::Sealed<B> {}

/// How [`lend`] borrows an `Rc<T>`: as `&T`, for the length of the call. `T`'s `&self` methods
/// work on the handle; its `&mut self` methods raise mlua's borrow error.
///
/// Never written by hand but in code generic over what it lends: `Rc<T>: Lendable<SharedBorrow>`.
///
/// ```
/// use std::rc::Rc;
///
/// struct Counter(u32);
/// impl mlua::UserData for Counter {}
///
/// fn lendable<B, L: rcprobe::Lendable<B>>(_: &L) {}
/// lendable::<rcprobe::SharedBorrow, _>(&Rc::new(Counter(0)));
/// ```
pub enum SharedBorrow {}

/// How [`lend`] borrows an `Rc<RefCell<T>>`: as `&mut T` (`RefCell::borrow_mut`), for the
/// length of the call. All of `T`'s methods work on the handle.
///
/// Never written by hand but in code generic over what it lends:
/// `Rc<RefCell<T>>: Lendable<MutableBorrow>`.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// struct Counter(u32);
/// impl mlua::UserData for Counter {}
///
/// fn lendable<B, L: rcprobe::Lendable<B>>(_: &L) {}
/// lendable::<rcprobe::MutableBorrow, _>(&Rc::new(RefCell::new(Counter(0))));
/// ```
pub enum MutableBorrow {}

impl<T: UserData + 'static> Lendable<SharedBorrow> for Rc<T> {}
impl<T: UserData + 'static> Lendable<MutableBorrow> for Rc<RefCell<T>> {}

mod sealed {
    use super::*;

    pub trait Sealed<B> {
        /// The address of the `Rc` allocation, as `track` records it.
        fn address(&self) -> usize;

        /// Runs `body` with a scoped userdata that borrows the object until `body` returns.
        fn scoped<R>(&self, lua: &Lua, body: impl FnOnce(AnyUserData) -> LuaResult<R>) -> LuaResult<R>;
    }

    impl<T: UserData + 'static> Sealed<SharedBorrow> for Rc<T> {
        fn address(&self) -> usize {
            address_of(self)
        }

        fn scoped<R>(&self, lua: &Lua, body: impl FnOnce(AnyUserData) -> LuaResult<R>) -> LuaResult<R> {
            lua.scope(|scope| body(scope.create_userdata_ref(&**self)?))
        }
    }

    impl<T: UserData + 'static> Sealed<MutableBorrow> for Rc<RefCell<T>> {
        fn address(&self) -> usize {
            address_of(self)
        }

        fn scoped<R>(&self, lua: &Lua, body: impl FnOnce(AnyUserData) -> LuaResult<R>) -> LuaResult<R> {
            // Held until the scope has destructed the userdata, even when `body` panics.
            let mut object = self
                .try_borrow_mut()
                .map_err(mlua::Error::external)
                .context("lend: the object's RefCell is borrowed already")?;
            lua.scope(|scope| body(scope.create_userdata_ref_mut(&mut *object)?))
        }
    }
}
