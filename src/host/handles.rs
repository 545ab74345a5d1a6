//! `rcprobe::handles`: declaring a host's userdata type as the handle of what it holds.

use std::any::TypeId;
use std::rc::Rc;

use mlua::{AnyUserData, Lua, Result as LuaResult};

use crate::host::tally::Tally;
use crate::ledger::handles::{Held, address_of};
use crate::lua::module::ledger;

/// What a host handle can hold: an `Rc<T>` (tracked with [`track`](crate::track)) or a
/// [`Tally`]; see [`handles`].
///
/// ```
/// fn declare<H: 'static, R: rcprobe::Handled>(lua: &mlua::Lua, reach: fn(&H) -> &R) -> mlua::Result<()> {
///     rcprobe::handles(lua, reach)
/// }
/// struct Button(rcprobe::Tally);
/// # fn main() -> mlua::Result<()> {
/// declare::<Button, _>(&mlua::Lua::new(), |button| &button.0)?;
/// # Ok(())
/// # }
/// ```
pub trait Handled: sealed::Sealed + 'static {}

impl<T: ?Sized + 'static> Handled for Rc<T> {}
impl Handled for Tally {}

mod sealed {
    use super::*;

    pub trait Sealed {
        fn held(&self) -> Held;
    }

    impl<T: ?Sized + 'static> Sealed for Rc<T> {
        fn held(&self) -> Held {
            Held::Rc(address_of(self))
        }
    }

    impl Sealed for Tally {
        fn held(&self) -> Held {
            Held::Tally(self.id())
        }
    }
}

/// Declares the userdata type `H` as the handle of what it holds, as `reach` finds it: a
/// tracked `Rc` or a [`Tally`]. Once declared (once per state and type), a userdata of type `H`
/// is to rcprobe what a Probe is to its object: `rcprobe.id_of(ud)` gives the object's id, the
/// count functions accept it, and `rcprobe.paths` finds it on the heap and names it by its type
/// (`__name`). A userdata that stores a tracked `Rc` itself needs no declaration.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// struct Data(u32);
/// struct DataHandle(Rc<RefCell<Data>>);
/// impl mlua::UserData for DataHandle {}
///
/// let lua = mlua::Lua::new();
/// rcprobe::handles::<DataHandle, _>(&lua, |handle| &handle.0)?;
/// let data = Rc::new(RefCell::new(Data(7)));
/// let id = rcprobe::track(&lua, &data, "data")?;
/// let handle = lua.create_userdata(DataHandle(Rc::clone(&data)))?;
/// let module = rcprobe::open(&lua)?;
/// let id_of: mlua::Function = module.get("id_of")?;
/// assert_eq!(Some(id), id_of.call::<Option<rcprobe::Id>>(handle)?);
/// # Ok(())
/// # }
/// ```
pub fn handles<H: 'static, R: Handled>(lua: &Lua, reach: impl Fn(&H) -> &R + 'static) -> LuaResult<()> {
    let reach = Rc::new(reach);
    ledger(lua)?.declare_handle_type(TypeId::of::<H>(), move || {
        Rc::new(move |ud: &AnyUserData| ud.borrow_scoped::<H, _>(|handle| reach(handle).held()).ok())
    });
    Ok(())
}

/// Makes the userdata of a host handle (as `lua.create_userdata(value)` does) and lets rcprobe
/// meet it. rcprobe cannot see a userdata being made; one it has met is counted exactly by
/// `paths.why` even once no root reaches it ("unreached", freed by the next full collection),
/// where one it never met can only be counted with the strong references outside Lua.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// use std::rc::Rc;
///
/// struct Handle(Rc<u32>);
/// impl mlua::UserData for Handle {}
///
/// let lua = mlua::Lua::new();
/// rcprobe::handles::<Handle, _>(&lua, |handle| &handle.0)?;
/// let value = Rc::new(7);
/// let id = rcprobe::track(&lua, &value, "value")?;
/// lua.gc_stop();
/// drop(rcprobe::handle(&lua, Handle(Rc::clone(&value)))?); // Lua lets it go at once
/// let why = rcprobe::why(&lua, id)?;
/// assert_eq!((Some(2), 1, Some(1)), (why.strong, why.unreached, why.outside));
/// # Ok(())
/// # }
/// ```
pub fn handle<T: mlua::UserData + 'static>(lua: &Lua, value: T) -> LuaResult<AnyUserData> {
    let ud = lua.create_userdata(value)?;
    ledger(lua)?.handle_id(&ud);
    Ok(ud)
}
