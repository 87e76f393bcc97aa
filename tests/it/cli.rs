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

#[test]
fn every_command_explains_itself_with_help() {
    let output = kobo_shelf(&["--help"], &[]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let commands = ["serve", "push", "demo-db", "hash-password", "check-config", "archive", "routes"];
    for command in commands {
        assert!(text.contains(&format!("  {command} ")), "`{command}` missing from --help:\n{text}");
    }
    for command in commands.iter().map(|c| vec![*c]).chain([vec!["archive", "export"], vec!["archive", "import"]]) {
        let output = kobo_shelf(&[command.as_slice(), &["--help"]].concat(), &[]);
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success() && text.contains("Usage: kobo-shelf"), "{command:?} --help:\n{text}");
    }
    let demo = String::from_utf8(kobo_shelf(&["demo-db", "--help"], &[]).stdout).unwrap();
    assert!(demo.contains("--old-firmware") && demo.contains("[default: 20]"), "{demo}");
}

#[test]
fn a_usage_error_or_a_failed_command_exits_2_naming_the_problem() {
    let cases: [(&[&str], &str); 4] = [
        (&["shelve"], "unrecognized subcommand 'shelve'"),
        (&["demo-db"], "--out <PATH>"),
        (&["demo-db", "--out", "x.sqlite", "--books", "many"], "invalid value 'many' for '--books <BOOKS>'"),
        (&["archive", "export"], "<FILE>"),
    ];
    for (args, expected) in cases {
        let output = kobo_shelf(args, &[]);
        let errors = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {errors}");
        assert!(errors.contains(expected), "{args:?}: {errors}");
    }
    let output = kobo_shelf(&["check-config"], &[("KOBO_SHELF_SOURCE", "ftp://elsewhere/x")]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.sqlite");
    let output =
        kobo_shelf(&["archive", "import", missing.to_str().unwrap()], &[("KOBO_SHELF_DATA_DIR", "/nonexistent")]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("none.sqlite"), "{output:?}");
}

/// Rows of `sql` (a count) in the database at `path`.
fn count(path: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(path).unwrap().query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn demo_db_writes_the_library_it_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let items = |books: &str| {
        let out = dir.path().join(format!("{books}.sqlite"));
        let output = kobo_shelf(&["demo-db", "--out", out.to_str().unwrap(), "--books", books, "--seed", "7"], &[]);
        assert!(output.status.success(), "{output:?}");
        count(&out, "SELECT count(*) FROM content WHERE ContentType = 6")
    };
    assert_eq!(items("40") - items("30"), 10, "--books adds generated items");
    let device = dir.path().join("kobo");
    let output = kobo_shelf(&["demo-db", "--device", device.to_str().unwrap(), "--old-firmware"], &[]);
    assert!(output.status.success(), "{output:?}");
    let database = device.join(".kobo/KoboReader.sqlite");
    let color = "SELECT count(*) FROM pragma_table_info('Bookmark') WHERE name = 'Color'";
    assert_eq!(count(&database, color), 0, "old firmware has no Bookmark.Color");
}

#[test]
fn routes_lists_the_server_functions_the_server_serves() {
    let output = kobo_shelf(&["routes"], &[]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let routes: Vec<&str> = text.lines().collect();
    assert!(routes.len() >= 9, "{text}");
    assert!(routes.iter().all(|line| line.starts_with("POST /api/")), "{text}");
    assert!(routes.contains(&"POST /api/login_state"), "the named endpoint: {text}");
}
