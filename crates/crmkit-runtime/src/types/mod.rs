//! Value types the generator substitutes for spec schemas progenitor handles badly.

mod csv;
pub(crate) mod extra;
mod id;
mod lenient;
#[cfg(feature = "schemars")]
mod schema;

pub use csv::CsvList;
pub use extra::{Extra, RawJson};
pub use id::Id;
pub use lenient::Lenient;
