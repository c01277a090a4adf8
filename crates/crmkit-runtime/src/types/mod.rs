//! Value types the generator substitutes for spec schemas progenitor handles badly.

mod csv;
mod id;
mod lenient;
#[cfg(feature = "schemars")]
mod schema;

pub use csv::CsvList;
pub use id::Id;
pub use lenient::Lenient;
