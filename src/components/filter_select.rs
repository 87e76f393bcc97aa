//! A `<select>` of a GET filter form: "all" (an empty value) and one option per choice.

use leptos::prelude::*;

/// One choice of a filter: the URL value, what the reader sees, and whether it is chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The filter `name` (a URL parameter), labelled `label` for screen readers; `all` is the
/// option that filters nothing, chosen when no other is.
#[component]
pub fn FilterSelect(name: &'static str, label: &'static str, all: &'static str, choices: Vec<Choice>) -> impl IntoView {
    let nothing_chosen = !choices.iter().any(|choice| choice.selected);
    let options = choices
        .into_iter()
        .map(|choice| view! { <option value=choice.value selected=choice.selected>{choice.label}</option> })
        .collect_view();
    view! {
        <label>
            <span class="visually-hidden">{label}</span>
            <select name=name>
                <option value="" selected=nothing_chosen>{all}</option>
                {options}
            </select>
        </label>
    }
}
