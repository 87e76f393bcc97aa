//! The login page `/login`: a plain form posting to `/login` (works without JavaScript), which
//! comes back here with `?failed=1` after a wrong name or password, or goes on to `next`.

use crate::{
    components::{loaded, query::use_query},
    model::{LoginState, PageError},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Public: the login page must load for visitors who are not signed in. `next` comes back
/// as a path on this site (never another site's address in the form).
#[server(endpoint = "login_state")]
pub async fn get_login_state(next: Option<String>) -> Result<LoginState, PageError> {
    use crate::server::request;
    Ok(LoginState {
        enabled: request::login_enabled()?,
        user: request::signed_in_user(),
        next: request::local_target(next.as_deref().unwrap_or("/")),
    })
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let params = use_query();
    let failed = move || params.get("failed").is_some();
    let next = move || params.get("next");
    let login = Resource::new(next, get_login_state);
    view! {
        <Title text="Log in"/>
        {loaded(login, "Loading…", move |login| view! { <LoginForm login failed=failed()/> })}
    }
}

#[component]
fn LoginForm(login: LoginState, failed: bool) -> impl IntoView {
    if !login.enabled {
        return view! {
            <section class="notice">
                <h1>"Login is off"</h1>
                <p>"This library is open to anyone who can reach it. The README explains how to turn login on."</p>
                <p><a href="/">"Go to the library"</a></p>
            </section>
        }
        .into_any();
    }
    if let Some(user) = login.user {
        return view! {
            <section class="notice">
                <h1>"Signed in"</h1>
                <p>{format!("You are signed in as {user}.")}</p>
                <p><a href="/">"Go to the library"</a></p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="login">
            <h1>"Log in"</h1>
            {failed.then(|| view! { <p class="login-error" role="alert">"Wrong name or password."</p> })}
            <form method="post" action="/login">
                <input type="hidden" name="next" value=login.next/>
                <label>"Name"<input type="text" name="username" autocomplete="username" required=true autofocus=true/></label>
                <label>"Password"<input type="password" name="password" autocomplete="current-password" required=true/></label>
                <button type="submit">"Log in"</button>
            </form>
        </section>
    }
    .into_any()
}
