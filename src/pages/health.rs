//! The library health page `/health`: how each device file's annotations were placed under
//! their chapters (the firmware's `DbVersion`, how many each rule of the resolution chain
//! placed), and every annotation shown without a chapter, with its ids, so a reader (and a bug
//! report) can see exactly what happened. Nothing is hidden and nothing dropped.

use crate::{
    components::loaded,
    model::{PageError, PlacementReport},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn get_placement_reports() -> Result<Vec<PlacementReport>, PageError> {
    let library = crate::server::request::library()?;
    crate::server::request::blocking(move || library.placement_reports()).await
}

#[component]
pub fn HealthPage() -> impl IntoView {
    let reports = Resource::new(|| (), |_| get_placement_reports());
    view! {
        <Title text="Library health"/>
        {loaded(reports, "Reading the library…", |reports| view! {
            <section class="settings health">
                <h1>"Library health"</h1>
                {reports.into_iter().map(|report| view! { <Health report/> }).collect_view()}
            </section>
        })}
    }
}

/// One device file's report (named when the library has several).
#[component]
fn Health(report: PlacementReport) -> impl IntoView {
    let rule_rows = |rows: Vec<(String, usize)>| {
        rows.into_iter().map(|(label, count)| view! { <tr><td>{label}</td><td>{count}</td></tr> }).collect_view()
    };
    let unplaced = report.unplaced.len();
    view! {
        <div class="device-health">
            <dl class="facts">
                {report.device.clone().map(|device| view! { <div><dt>"Device"</dt><dd>{device}</dd></div> })}
                <div><dt>"Device database version"</dt><dd>{report.db_version.clone().unwrap_or_else(|| "not recorded".into())}</dd></div>
                <div><dt>"Annotations"</dt><dd>{report.annotations}</dd></div>
                <div><dt>"Shown without a chapter"</dt><dd>{unplaced}</dd></div>
            </dl>
            <h2>"How each annotation found its section"</h2>
            <table class="settings-table"><tbody>{rule_rows(report.by_section_rule)}</tbody></table>
            <h2>"How its chapter was chosen"</h2>
            <table class="settings-table"><tbody>{rule_rows(report.by_chapter_rule)}</tbody></table>
            <h2>"Shown without a chapter"</h2>
            <p>"These are on their book pages, under “Highlights” or “Other highlights”: never dropped."</p>
            <div class="table-scroll">
                <table class="settings-table">
                    <thead><tr><th scope="col">"Why"</th><th scope="col">"BookmarkID"</th><th scope="col">"VolumeID"</th><th scope="col">"ContentID"</th><th scope="col">"Text"</th></tr></thead>
                    <tbody>
                        {report.unplaced.into_iter().map(|annotation| view! {
                            <tr>
                                <td>{annotation.reason}</td>
                                <td><code>{annotation.bookmark_id}</code></td>
                                <td><code>{annotation.volume_id}</code></td>
                                <td><code>{annotation.section_id}</code></td>
                                <td>{annotation.text}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}
