//! JSON Schemas of the runtime's value types (`feature = "schemars"`), so that the
//! generated types deriving `schemars::JsonSchema` can describe their fields.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::{CsvList, Extra, Id, Lenient};

/// The digits of an id, as a JSON string or number.
impl JsonSchema for Id {
    fn schema_name() -> Cow<'static, str> {
        "Id".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An identifier: its digits, as a string or a number.",
            "anyOf": [
                {"type": "string", "pattern": "^[0-9]+$"},
                {"type": "integer", "minimum": 0}
            ]
        })
    }
}

/// A known value of `T`, or any other string (kept verbatim).
impl<T: JsonSchema> JsonSchema for Lenient<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Lenient_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let known = generator.subschema_for::<T>();
        json_schema!({
            "description": "A value this client knows, or any other string.",
            "anyOf": [known, {"type": "string"}]
        })
    }
}

/// The items, joined by commas into one string.
impl<T> JsonSchema for CsvList<T> {
    fn schema_name() -> Cow<'static, str> {
        "CsvList".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A list sent as one comma-separated string.",
            "type": "string"
        })
    }
}

/// Any members (an open object's undeclared ones).
impl JsonSchema for Extra {
    fn schema_name() -> Cow<'static, str> {
        "Extra".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <serde_json::Map<String, serde_json::Value>>::json_schema(generator)
    }
}
