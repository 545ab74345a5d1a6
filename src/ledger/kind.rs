//! The kinds of things an id can name, and the record of which kind each issued id named:
//! the kind outlives the object, so that a dropped Lua value is still refused by the count
//! functions rather than reported as an `Rc` with no references.

use super::object::Id;

/// What an id names.
///
/// ```
/// # fn main() -> mlua::Result<()> {
/// let lua = mlua::Lua::new();
/// let entity = rcprobe::Tally::new(&lua, "Entity")?;
/// let leaks = rcprobe::leaks(&lua, || rcprobe::watch(&lua, lua.globals(), "globals"))?;
/// assert_eq!(rcprobe::Kind::LuaValue, leaks[0].kind);
/// assert_eq!("lua value", leaks[0].kind.as_str());
/// assert!(!rcprobe::Kind::Tally.is_counted());
/// # drop(entity);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// An object of rcprobe's own (`rcprobe.new`), reached through Probes.
    Probe,
    /// A host's own `Rc`, registered with [`track`](crate::track).
    Rc,
    /// A host value counted by a [`Tally`](crate::Tally) field: no reference count.
    Tally,
    /// A Lua value watched with `rcprobe.watch` or [`watch`](crate::watch): no reference count.
    LuaValue,
}

impl Kind {
    /// The word `info` and `leaks` use: "probe", "rc", "tally" or "lua value".
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Probe => "probe",
            Kind::Rc => "rc",
            Kind::Tally => "tally",
            Kind::LuaValue => "lua value",
        }
    }

    /// Whether objects of this kind have Rust strong and weak counts.
    pub fn is_counted(self) -> bool {
        matches!(self, Kind::Probe | Kind::Rc)
    }
}

/// The kind of every issued id, as runs: ids come in runs of one kind, so this stays small.
#[derive(Default)]
pub(crate) struct Kinds {
    /// `(first id of the run, its kind)`, in id order.
    runs: Vec<(Id, Kind)>,
}

impl Kinds {
    /// Records the kind of a newly issued id (ids are issued in increasing order).
    pub(crate) fn issued(&mut self, id: Id, kind: Kind) {
        if self.runs.last().is_none_or(|&(_, last)| last != kind) {
            self.runs.push((id, kind));
        }
    }

    /// The kind of an issued id.
    pub(crate) fn of(&self, id: Id) -> Option<Kind> {
        let run = self.runs.partition_point(|&(first, _)| first <= id);
        run.checked_sub(1).map(|run| self.runs[run].1)
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, Kinds};

    #[test]
    fn remembers_the_kind_of_every_id_in_runs() {
        let mut kinds = Kinds::default();
        for id in 1..=3 {
            kinds.issued(id, Kind::Probe);
        }
        kinds.issued(4, Kind::LuaValue);
        kinds.issued(5, Kind::Probe);
        assert_eq!(3, kinds.runs.len());
        assert_eq!(None, kinds.of(0));
        assert_eq!(Some(Kind::Probe), kinds.of(3));
        assert_eq!(Some(Kind::LuaValue), kinds.of(4));
        assert_eq!(Some(Kind::Probe), kinds.of(5));
        assert_eq!(Some(Kind::Probe), kinds.of(9), "an id past the last is asked about only if issued");
    }
}
