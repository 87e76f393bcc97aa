//! The binary's commands as an operator runs them.

use std::process::{Command, Output};

fn kobo_shelf(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kobo-shelf"))
        .args(args)
        .env("KOBO_SHELF_CONFIG", "/dev/null")
        .envs(env.iter().copied())
        .output()
        .expect("run kobo-shelf")
}

#[test]
fn check_config_prints_every_setting_with_its_origin_and_no_secret() {
    let output = kobo_shelf(
        &["check-config"],
        &[
            ("KOBO_SHELF_SOURCE", "s3://my-kobo/kobo/KoboReader.sqlite"),
            ("KOBO_SHELF_S3_ACCESS_KEY_ID", "AKIAEXAMPLEKEY"),
            ("KOBO_SHELF_S3_SECRET_ACCESS_KEY", "a-very-secret-value"),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("KOBO_SHELF_SOURCE = s3://my-kobo/kobo/KoboReader.sqlite (environment)"), "{text}");
    assert!(text.contains("KOBO_SHELF_CHECK_INTERVAL_SECS = 10 (default)"), "{text}");
    assert!(text.contains("KOBO_SHELF_S3_SECRET_ACCESS_KEY = set (hidden) (environment)"), "{text}");
    assert!(text.ends_with("the settings are valid\n"), "{text}");
    let everything = format!("{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(!everything.contains("a-very-secret-value") && !everything.contains("AKIAEXAMPLEKEY"), "{everything}");
}

#[test]
fn check_config_names_a_bad_setting_and_fails() {
    let output = kobo_shelf(&["check-config"], &[("KOBO_SHELF_SOURCE", "ftp://elsewhere/x")]);
    assert!(!output.status.success());
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("invalid setting KOBO_SHELF_SOURCE"), "{errors}");
    assert!(output.stdout.is_empty(), "nothing is printed as valid");
}

/// A template whose third line does not compile.
fn bad_template(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("export.md");
    std::fs::write(&path, "{{ front_matter }}\n# {{ book.title }}\n{{ book.author }\n").unwrap();
    path
}

#[test]
fn check_config_names_the_line_of_a_bad_export_template() {
    let dir = tempfile::tempdir().unwrap();
    let template = bad_template(dir.path());
    let output = kobo_shelf(&["check-config"], &[("KOBO_SHELF_EXPORT_TEMPLATE", template.to_str().unwrap())]);
    assert!(!output.status.success());
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("invalid setting KOBO_SHELF_EXPORT_TEMPLATE"), "{errors}");
    assert!(errors.contains(&format!("{} line 3: syntax error", template.display())), "{errors}");
    std::fs::write(&template, "{{ front_matter }}\n# {{ book.title }}\n").unwrap();
    let output = kobo_shelf(&["check-config"], &[("KOBO_SHELF_EXPORT_TEMPLATE", template.to_str().unwrap())]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains(&format!("KOBO_SHELF_EXPORT_TEMPLATE = {} (environment)", template.display())), "{text}");
}

#[test]
fn the_server_does_not_start_with_a_bad_export_template() {
    let dir = tempfile::tempdir().unwrap();
    let template = bad_template(dir.path());
    let data = dir.path().join("data");
    let output = kobo_shelf(
        &["serve"],
        &[
            ("KOBO_SHELF_EXPORT_TEMPLATE", template.to_str().unwrap()),
            ("KOBO_SHELF_DATA_DIR", data.to_str().unwrap()),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ],
    );
    assert!(!output.status.success());
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("invalid setting KOBO_SHELF_EXPORT_TEMPLATE"), "{errors}");
    assert!(errors.contains("line 3: syntax error"), "{errors}");
    assert!(!errors.contains("listening"), "{errors}");
}
