//! The daily review `/review`: today's card with four answers (again, hard, good, easy), skip
//! and never, as a plain form (works without JavaScript: the server records the answer and
//! shows the next card); keys 1–4 answer where the page's small island runs. Below it, what the
//! reader highlighted on this date in earlier years.

use crate::{
    components::{loaded, HighlightItem},
    format,
    model::{encode_url_component, PageError, ReviewAnswer, ReviewCard, ReviewSession},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn get_review() -> Result<ReviewSession, PageError> {
    crate::server::request::review_session().await
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let session = Resource::new(|| (), |_| get_review());
    view! {
        <Title text="Daily review"/>
        {loaded(session, "Loading today's review…", |session| view! { <Review session/> })}
    }
}

#[component]
fn Review(session: ReviewSession) -> impl IntoView {
    let total = session.answered + session.open;
    let progress = match (total, session.open) {
        (0, _) => {
            "Nothing to review yet: highlights enter the review a few a day once the library has some.".to_string()
        }
        (_, 0) => format!("Done for today: {} reviewed.", format::count(session.answered, "card", "cards")),
        (_, open) => format!("{} of {total} done · {open} to go", session.answered),
    };
    let card = session.card.map(|card| view! { <CardToAnswer card/> });
    let earlier = (!session.on_this_day.is_empty()).then(|| {
        view! {
            <section class="on-this-day">
                <h2>"On this day in earlier years"</h2>
                <ol class="highlights">
                    {session.on_this_day.into_iter().map(|card| view! { <Source card=card.clone()/> <HighlightItem highlight=card.highlight/> }).collect_view()}
                </ol>
            </section>
        }
    });
    view! {
        <section class="review">
            <h1>"Daily review"</h1>
            <p class="review-progress" role="status">{progress}</p>
            {card}
        </section>
        {earlier}
    }
}

/// Where a highlight comes from: its book (a link) and chapter.
#[component]
fn Source(card: ReviewCard) -> impl IntoView {
    let href = format!("/book?id={}#h-{}", encode_url_component(&card.book_id), card.highlight.id);
    view! {
        <p class="review-source">
            <a href=href>{card.book_title}</a>
            {card.author.map(|author| format!(" by {author}"))}
            {card.chapter.map(|chapter| format!(" · {chapter}"))}
        </p>
    }
}

#[component]
fn CardToAnswer(card: ReviewCard) -> impl IntoView {
    let id = card.highlight.id.clone();
    view! {
        <article class="review-card">
            <Source card=card.clone()/>
            <ol class="highlights"><HighlightItem highlight=card.highlight/></ol>
            <form method="post" action="/review/answer" class="review-answers">
                <input type="hidden" name="highlight" value=id/>
                {ReviewAnswer::ALL.into_iter().map(|answer| view! {
                    <button type="submit" name="answer" value=answer.slug() class=format!("answer-{}", answer.slug())
                        data-key=answer.key().map(String::from)>
                        {answer.label()}
                    </button>
                }).collect_view()}
            </form>
            <AnswerKeys/>
        </article>
    }
}

/// An island: keys 1–4 press the answer button that names them (`data-key`), unless a
/// modifier is held or the focus is in a text field. It says so once it runs (without
/// JavaScript the keys do nothing, so nothing claims they do).
#[island]
fn AnswerKeys() -> impl IntoView {
    let running = RwSignal::new(false);
    Effect::new(move |_| running.set(true));
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::keydown, |event| {
            let typing = event
                .target()
                .and_then(|target| target.dyn_into::<leptos::web_sys::Element>().ok())
                .is_some_and(|element| matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            if typing
                || event.ctrl_key()
                || event.alt_key()
                || event.meta_key()
                || !matches!(event.key().as_str(), "1" | "2" | "3" | "4")
            {
                return;
            }
            let button = document()
                .query_selector(&format!("button[data-key='{}']", event.key()))
                .ok()
                .flatten()
                .and_then(|button| button.dyn_into::<leptos::web_sys::HtmlElement>().ok());
            if let Some(button) = button {
                event.prevent_default();
                button.click();
            }
        });
        on_cleanup(move || handle.remove());
    }
    move || running.get().then(|| view! { <p class="review-keys">"Keys 1–4: again, hard, good, easy."</p> })
}
