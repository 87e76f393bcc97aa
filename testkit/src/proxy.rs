//! An HTTP proxy in front of the S3 server that injects faults and counts requests.
//! Its `/__testkit/*` paths steer it from other processes (Playwright, benchmarks).

use bytes::Bytes;
use futures::{stream, Stream, StreamExt, TryStreamExt};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, StreamBody};
use hyper::{
    body::{Frame, Incoming},
    header::{CONTENT_LENGTH, CONTENT_TYPE},
    service::service_fn,
    Method, Request, Response, StatusCode,
};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::{TokioExecutor, TokioIo},
};
use serde::{Deserialize, Serialize};
use std::{
    io,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::net::TcpListener;

type ProxyBody = UnsyncBoxBody<Bytes, io::Error>;

/// What the proxy does to the traffic. The default forwards everything untouched.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Answer every request with this HTTP status instead of forwarding it.
    pub status: Option<u16>,
    /// Wait this long before answering any request.
    pub delay_ms: u64,
    /// What happens to the body of an object download.
    pub body: BodyFault,
    /// Close every connection without an answer, as an unreachable bucket would.
    pub refuse: bool,
    /// Receive the body of each object upload at this rate (0: as fast as it comes).
    pub upload_bytes_per_sec: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BodyFault {
    #[default]
    None,
    /// Send this fraction of the body, then break the connection.
    Cut { fraction: f64 },
    /// Send a complete response of this fraction of the body (its Content-Length says so).
    Truncate { fraction: f64 },
    /// Send the body at this rate.
    Throttle { bytes_per_sec: u64 },
    /// Send this fraction of the body, then nothing more, ever.
    Stall { fraction: f64 },
}

/// Requests the proxy has seen (control requests excluded).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyStats {
    pub requests: u64,
    pub head_object: u64,
    pub get_object: u64,
    pub put_object: u64,
}

struct Shared {
    upstream: SocketAddr,
    root: PathBuf,
    faults: Mutex<Faults>,
    stats: Mutex<ProxyStats>,
    client: Client<HttpConnector, ProxyBody>,
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Proxies to the S3 server at `upstream`, whose files live under `root`.
    pub async fn start(upstream: SocketAddr, root: &Path) -> io::Result<FaultProxy> {
        let shared = Arc::new(Shared {
            upstream,
            root: root.to_path_buf(),
            faults: Mutex::default(),
            stats: Mutex::default(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let accept_loop = tokio::spawn(accept(listener, shared.clone()));
        Ok(FaultProxy { addr, shared, accept_loop })
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().expect("faults lock") = faults;
    }

    pub fn stats(&self) -> ProxyStats {
        self.shared.stats.lock().expect("stats lock").clone()
    }

    pub fn reset_stats(&self) {
        *self.shared.stats.lock().expect("stats lock") = ProxyStats::default();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((socket, _)) = listener.accept().await {
        if shared.faults.lock().expect("faults lock").refuse {
            drop(socket);
            continue;
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(request, shared.clone()));
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(socket), service).await;
        });
    }
}

async fn handle(request: Request<Incoming>, shared: Arc<Shared>) -> Result<Response<ProxyBody>, io::Error> {
    if request.uri().path().starts_with("/__testkit/") {
        return Ok(control(request, &shared).await);
    }
    let faults = shared.faults.lock().expect("faults lock").clone();
    let is_object = object_key(request.uri().path()).is_some();
    let is_download = is_object && request.method() == Method::GET;
    count(&shared, request.method(), is_object);
    if faults.refuse {
        return Err(io::Error::other("refused"));
    }
    tokio::time::sleep(Duration::from_millis(faults.delay_ms)).await;
    if let Some(status) = faults.status {
        return Ok(error_response(status));
    }
    let upload_rate = if is_object && request.method() == Method::PUT { faults.upload_bytes_per_sec } else { 0 };
    let response = forward(request, &shared, upload_rate).await?;
    if is_download && response.status().is_success() {
        Ok(apply_body_fault(response, &faults.body))
    } else {
        Ok(response.map(|body| body.map_err(io::Error::other).boxed_unsync()))
    }
}

fn count(shared: &Shared, method: &Method, is_object: bool) {
    let mut stats = shared.stats.lock().expect("stats lock");
    stats.requests += 1;
    match (method, is_object) {
        (&Method::HEAD, true) => stats.head_object += 1,
        (&Method::GET, true) => stats.get_object += 1,
        (&Method::PUT, true) => stats.put_object += 1,
        _ => {}
    }
}

/// `/bucket/some/key` → `some/key`; `None` for bucket-level requests.
fn object_key(path: &str) -> Option<&str> {
    let (_, key) = path.trim_start_matches('/').split_once('/')?;
    (!key.is_empty()).then_some(key)
}

/// Sends `request` on to the S3 server, its body at `upload_rate` bytes per second (0: at once).
async fn forward(
    request: Request<Incoming>,
    shared: &Shared,
    upload_rate: u64,
) -> Result<Response<Incoming>, io::Error> {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    parts.uri = format!("http://{}{path}", shared.upstream).parse().map_err(io::Error::other)?;
    let body = match upload_rate {
        0 => body.map_err(io::Error::other).boxed_unsync(),
        rate => {
            let data: ByteStream = Box::pin(body.into_data_stream().map_err(io::Error::other));
            StreamBody::new(throttle(data, rate).map_ok(Frame::data)).boxed_unsync()
        }
    };
    // The Host header stays as the app sent it: its SigV4 signature covers it.
    let request = Request::from_parts(parts, body);
    shared.client.request(request).await.map_err(io::Error::other)
}

fn error_response(status: u16) -> Response<ProxyBody> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>Injected</Code><Message>testkit answered {status}</Message></Error>"
    );
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/xml")
        .body(full(body))
        .expect("a valid response")
}

fn full(text: impl Into<Bytes>) -> ProxyBody {
    Full::new(text.into()).map_err(|never| match never {}).boxed_unsync()
}

type ByteStream = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, io::Error>> + Send>>;

fn apply_body_fault(response: Response<Incoming>, fault: &BodyFault) -> Response<ProxyBody> {
    let (mut parts, body) = response.into_parts();
    let length: u64 =
        parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
    let limit = |fraction: f64| (length as f64 * fraction.clamp(0.0, 1.0)) as u64;
    let data: ByteStream = Box::pin(body.into_data_stream().map_err(io::Error::other));
    let data: ByteStream = match *fault {
        BodyFault::None => data,
        BodyFault::Cut { fraction } => {
            let cut = stream::once(async { Err(io::Error::other("testkit cut the connection")) });
            Box::pin(take_bytes(data, limit(fraction)).chain(cut))
        }
        BodyFault::Truncate { fraction } => {
            parts.headers.insert(CONTENT_LENGTH, limit(fraction).into());
            Box::pin(take_bytes(data, limit(fraction)))
        }
        BodyFault::Stall { fraction } => Box::pin(take_bytes(data, limit(fraction)).chain(stream::pending())),
        BodyFault::Throttle { bytes_per_sec } => Box::pin(throttle(data, bytes_per_sec.max(1))),
    };
    let body = StreamBody::new(data.map_ok(Frame::data)).boxed_unsync();
    Response::from_parts(parts, body)
}

/// The first `limit` bytes of a stream.
fn take_bytes(data: ByteStream, limit: u64) -> impl Stream<Item = Result<Bytes, io::Error>> + Send {
    stream::unfold((data, limit), |(mut data, left)| async move {
        if left == 0 {
            return None;
        }
        match data.next().await? {
            Ok(mut chunk) => {
                chunk.truncate(left.min(chunk.len() as u64) as usize);
                let left = left - chunk.len() as u64;
                Some((Ok(chunk), (data, left)))
            }
            Err(err) => Some((Err(err), (data, 0))),
        }
    })
}

/// Sends a stream at `rate` bytes per second, in slices of a twentieth of a second.
fn throttle(data: ByteStream, rate: u64) -> impl Stream<Item = Result<Bytes, io::Error>> + Send {
    let slice = (rate / 20).max(1) as usize;
    data.flat_map(move |chunk| {
        let pieces: Vec<Result<Bytes, io::Error>> = match chunk {
            Ok(chunk) => {
                (0..chunk.len()).step_by(slice).map(|at| Ok(chunk.slice(at..(at + slice).min(chunk.len())))).collect()
            }
            Err(err) => vec![Err(err)],
        };
        stream::iter(pieces)
    })
    .then(move |piece| async move {
        if let Ok(bytes) = &piece {
            tokio::time::sleep(Duration::from_secs_f64(bytes.len() as f64 / rate as f64)).await;
        }
        piece
    })
}

#[derive(Deserialize)]
struct UploadRequest {
    key: String,
    file: PathBuf,
}

#[derive(Deserialize)]
struct ObjectTimeRequest {
    key: String,
    seconds_ago: u64,
}

/// `PUT /__testkit/faults` (JSON `Faults`), `GET /__testkit/stats`, `POST /__testkit/stats/reset`,
/// `POST /__testkit/upload` (`{key, file}`), `POST /__testkit/object-time` (`{key, seconds_ago}`).
async fn control(request: Request<Incoming>, shared: &Shared) -> Response<ProxyBody> {
    let route = (request.method().clone(), request.uri().path().to_string());
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => return control_answer(Err(err.to_string())),
    };
    let result: Result<String, String> = match (route.0, route.1.as_str()) {
        (Method::PUT, "/__testkit/faults") => parse(&body, "faults").map(|faults: Faults| {
            *shared.faults.lock().expect("faults lock") = faults;
            "{}".to_string()
        }),
        (Method::GET, "/__testkit/stats") => {
            serde_json::to_string(&*shared.stats.lock().expect("stats lock")).map_err(|err| err.to_string())
        }
        (Method::POST, "/__testkit/stats/reset") => {
            *shared.stats.lock().expect("stats lock") = ProxyStats::default();
            Ok("{}".into())
        }
        (Method::POST, "/__testkit/upload") => match parse(&body, "upload") {
            Ok(UploadRequest { key, file }) => super::upload(&format!("http://{}", shared.upstream), &key, &file)
                .await
                .map(|()| "{}".into())
                .map_err(|err| err.to_string()),
            Err(err) => Err(err),
        },
        (Method::POST, "/__testkit/object-time") => parse(&body, "object-time").and_then(|r: ObjectTimeRequest| {
            super::set_object_time(&shared.root, &r.key, super::seconds_ago(r.seconds_ago))
                .map(|()| "{}".into())
                .map_err(|err| err.to_string())
        }),
        (_, path) => Err(format!("no control route {path}")),
    };
    control_answer(result)
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes, what: &str) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|err| format!("{what}: {err}"))
}

fn control_answer(result: Result<String, String>) -> Response<ProxyBody> {
    let (status, body) = match result {
        Ok(body) => (StatusCode::OK, body),
        Err(message) => (StatusCode::BAD_REQUEST, serde_json::json!({ "error": message }).to_string()),
    };
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(full(body))
        .expect("a valid response")
}
