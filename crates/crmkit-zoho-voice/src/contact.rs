//! The contact travels as one query parameter, `contact`, holding the contact as a JSON
//! string. These methods take the typed [`ContactInput`] and serialise it for the caller.

use crate::builder::{CreateContact, UpdateContact};
use crate::types::ContactInput;

impl CreateContact<'_> {
    /// The contact to create (`first_name` and `mobile` are required by the type).
    pub fn contact_input(self, contact: &ContactInput) -> Self {
        match serde_json::to_string(contact) {
            Ok(json) => self.contact(json),
            // Leaves `contact` unset: `send` then fails with `InvalidRequest`.
            Err(_) => self,
        }
    }
}

impl UpdateContact<'_> {
    /// The new data of the contact (`first_name` and `mobile` are required by the type).
    pub fn contact_input(self, contact: &ContactInput) -> Self {
        match serde_json::to_string(contact) {
            Ok(json) => self.contact(json),
            Err(_) => self,
        }
    }
}
