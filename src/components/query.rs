//! Reading the page's URL query, decoded once (see `model::query_value`).

use crate::model::query_value;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// A reactive reader of the current URL's query parameters.
#[derive(Clone, Copy)]
pub struct Query(Memo<String>);

impl Query {
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.with(|search| query_value(search, name))
    }
}

pub fn use_query() -> Query {
    Query(use_location().search)
}
