//! The [`Invariant`] handle and the `invariants!` macro that builds it from
//! the one list in `check/mod.rs`: the enum (one variant per listed
//! invariant, in list order), its names and descriptions, and the
//! checker's calls to every invariant's [`Rule`](super::Rule), made
//! statically so that an invariant without an after-event check costs
//! nothing per event.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Invariant;

/// Declares each invariant's module and lists it: adding an invariant is
/// its file and one line in the list.
macro_rules! invariants {
    ($($module:ident::$rule:ident,)*) => {
        $(mod $module;)*

        /// A listed invariant, by position in the list.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Invariant {
            $($rule,)*
        }

        impl Invariant {
            /// Every invariant, in list order.
            pub const ALL: [Invariant; [$(Invariant::$rule),*].len()] = [$(Invariant::$rule),*];

            /// Its kebab-case name ([`Rule::NAME`]).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Invariant::$rule => <$module::$rule as Rule>::NAME,)*
                }
            }

            /// Its one-line description ([`Rule::DESCRIPTION`]).
            pub const fn description(self) -> &'static str {
                match self {
                    $(Invariant::$rule => <$module::$rule as Rule>::DESCRIPTION,)*
                }
            }
        }

        /// Every invariant not yet in `reported`, judged after an event.
        fn after_event(event: &Event, reported: &mut Reported, violations: &mut Vec<Violation>) {
            $(
                if reported.wants(Invariant::$rule)
                    && let Some(breach) = <$module::$rule as Rule>::after_event(event)
                {
                    reported.report(breach.of(Invariant::$rule), violations);
                }
            )*
        }

        /// Every invariant's end check, in list order.
        fn at_end(end: &End, reported: &mut Reported, violations: &mut Vec<Violation>) {
            let mut found = Vec::new();
            $(
                <$module::$rule as Rule>::at_end(end, &mut found);
                for breach in found.drain(..) {
                    reported.report(breach.of(Invariant::$rule), violations);
                }
            )*
        }
    };
}

pub(super) use invariants;

impl Invariant {
    pub fn parse(name: &str) -> Option<Invariant> {
        Invariant::ALL.into_iter().find(|i| i.name() == name)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Invariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// By name, as artifacts and reports spell it.
impl Serialize for Invariant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Invariant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Invariant, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Invariant::parse(&name).ok_or_else(|| {
            let known: Vec<&str> = Invariant::ALL.iter().map(|i| i.name()).collect();
            serde::de::Error::custom(format!("unknown invariant \"{name}\" (known: {})", known.join(", ")))
        })
    }
}
