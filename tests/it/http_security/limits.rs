//! Password guessing is limited, and slow clients neither block others nor stay open.

use super::*;

// ---------------------------------------------------------------------------------------------
// 6. – 8. Password guessing and slow clients.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn login_attempts_are_limited_per_ipv6_64() {
    let site = Site::behind_proxy();
    let same_64 = [
        "2001:db8:1:2::1",
        "2001:db8:1:2::2",
        "2001:db8:1:2:ffff::9",
        "2001:db8:1:2:1234:5678:9abc:def0",
        "2001:db8:1:2::ffff",
        "2001:db8:1:2:8000::1",
        "2001:db8:1:2:ffff:ffff:ffff:ffff",
        "2001:db8:1:2:a::b",
    ];
    let mut answers = Vec::new();
    for address in same_64 {
        let response = post_login(&site.app.base, USERNAME, "wrong password", "/", address).await.unwrap();
        answers.push((address, response.status().as_u16(), header(&response, "retry-after")));
    }
    for (address, status, retry_after) in &answers[5..] {
        assert!(
            *status == 429 && !retry_after.is_empty(),
            "attempt from {address} in the same /64 was not refused: status {status}, Retry-After {retry_after:?}; all: {answers:?}"
        );
    }
    let other = post_login(&site.app.base, USERNAME, "wrong password", "/", "2001:db8:1:3::1").await.unwrap();
    assert_ne!(other.status(), 429, "another /64 is refused too");
}

/// The `concurrent_checks=N` values the server logged, one per password check.
fn logged_concurrent_checks(log: &str) -> Vec<usize> {
    log.match_indices("concurrent_checks=")
        .filter_map(|(at, key)| {
            let digits: String = log[at + key.len()..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn at_most_two_password_checks_run_at_once() {
    let site = Site::behind_proxy();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=50 {
        let base = site.app.base.clone();
        tasks.spawn(async move {
            let response = post_login(&base, USERNAME, "wrong password", "/", &format!("198.51.100.{i}")).await;
            response.map(|r| r.status().as_u16()).map_err(|e| e.to_string())
        });
    }
    let statuses: Vec<Result<u16, String>> = tasks.join_all().await;
    let checked = statuses.iter().filter(|s| matches!(s, Ok(302 | 303))).count();
    let bad: Vec<_> = statuses.iter().filter(|s| !matches!(s, Ok(302 | 303 | 429))).collect();
    assert!(bad.is_empty(), "answers other than a redirect or 429: {bad:?}");

    let deadline = Instant::now() + Duration::from_secs(3);
    let mut checks = logged_concurrent_checks(&site.app.log());
    while checks.len() < checked.max(1) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        checks = logged_concurrent_checks(&site.app.log());
    }
    assert!(
        !checks.is_empty(),
        "no `concurrent_checks=` line in the log ({checked} checks answered)\n{}",
        site.app.log()
    );
    assert!(checks.len() >= checked, "{} check lines for {checked} checked answers", checks.len());
    assert!(checks.iter().all(|n| (1..=2).contains(n)), "more than two password checks at once: {checks:?}");
    println!("{checked} of 50 attempts checked, {} refused as busy; concurrent_checks: {checks:?}", 50 - checked);
}

/// Whether the server closes `stream` before `deadline` (a read ends or fails).
async fn closed_by_server(mut stream: TcpStream, deadline: Instant) -> bool {
    let mut buffer = [0u8; 1024];
    loop {
        match timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

// Slow: up to ~45 s, the time the server may take to drop connections whose headers never end.
#[tokio::test(flavor = "multi_thread")]
async fn stalled_connections_neither_block_others_nor_stay_open() {
    let site = Site::start(&[]);
    let opened = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(site.address()).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        stalled.push(stream);
    }

    let health = timeout(Duration::from_secs(2), raw_request(site.address(), "GET", "/api/health", &[], b"")).await;
    let health = health.expect("/api/health did not answer within 2 s beside 300 stalled connections").unwrap();
    assert_eq!((health.status, String::from_utf8_lossy(&health.body).trim()), (200, "ok"));

    let deadline = opened + Duration::from_secs(45);
    let mut waits = tokio::task::JoinSet::new();
    for stream in stalled {
        waits.spawn(closed_by_server(stream, deadline));
    }
    let closed = waits.join_all().await.into_iter().filter(|closed| *closed).count();
    println!("stalled connections closed by the server after {:?}: {closed} of 300", opened.elapsed());
    assert_eq!(closed, 300, "stalled connections still open after 45 s");
}
