//! `/export/book.md?id=…` and the library downloads `/export/library.zip`, `.json` and `.csv`,
//! streamed: a producer thread reads the library one book at a time and writes each file or row
//! into a bounded channel that the response body drains, so memory holds a book and a few
//! chunks, and the first bytes leave before the last book is read.

use super::{error::text_answer, AppState};
use crate::{
    model::encode_url_component,
    server::{
        export::{file_name, LibraryExport, LibraryFormat},
        request::blocking,
        shelf::ShelfError,
    },
};
use axum::{
    body::Body,
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use bytes::Bytes;
use std::io::{self, Write};
use tokio::sync::mpsc;

/// Bytes gathered before they are handed to the response as one chunk.
const CHUNK: usize = 32 * 1024;
/// Chunks waiting for a slow client at most; the producer waits beyond that.
const CHUNKS_IN_FLIGHT: usize = 8;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/export/book.md", get(book_file))
        .route("/export/library.zip", get(|state| library_file(state, LibraryFormat::Zip)))
        .route("/export/library.json", get(|state| library_file(state, LibraryFormat::Json)))
        .route("/export/library.csv", get(|state| library_file(state, LibraryFormat::Csv)))
        .route("/export/anki.txt", get(|state| library_file(state, LibraryFormat::Anki)))
}

#[derive(serde::Deserialize)]
struct BookQuery {
    id: String,
}

async fn book_file(State(state): State<AppState>, Query(query): Query<BookQuery>) -> Response {
    let markdown = blocking(move || {
        let book = state.shelf.current()?.book(&query.id)?;
        Ok::<_, ShelfError>((state.markdown.render(&book), file_name(&book)))
    });
    match markdown.await {
        Ok((markdown, name)) => attachment(Body::from(markdown), "text/markdown; charset=utf-8", &name),
        Err(err) => text_answer(err),
    }
}

/// The whole library in `format`, streamed. A library that cannot be read is answered 503 with
/// the reason; a failure once bytes have left ends the response as an error (the client sees
/// an incomplete download, never a short file that looks whole).
async fn library_file(State(state): State<AppState>, format: LibraryFormat) -> Response {
    let library = {
        let shelf = state.shelf.clone();
        match blocking(move || shelf.current()).await {
            Ok(library) => library,
            Err(err) => return text_answer(err),
        }
    };
    let (sender, mut receiver) = mpsc::channel::<io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let failure = sender.clone();
        let written = LibraryExport::start(format, ChannelWriter::new(sender), &state.markdown)
            .map_err(ShelfError::Write)
            .and_then(|mut export| {
                library.for_each_book(|book| Ok(export.add(book)?))?;
                Ok(export.finish()?)
            });
        if let Err(err) = written {
            tracing::warn!(error = %err, format = ?format, "library export ended early");
            let _ = failure.blocking_send(Err(io::Error::other(err.to_string())));
        }
    });
    let body = Body::from_stream(futures::stream::poll_fn(move |context| receiver.poll_recv(context)));
    attachment(body, format.content_type(), format.file_name())
}

/// Hands what is written to the response body in chunks of `CHUNK` bytes (the first write at
/// once, so the download starts as soon as there is anything), waiting (the producer is a
/// blocking thread) while `CHUNKS_IN_FLIGHT` chunks are not yet sent. A client that went away
/// makes every write fail, which stops the producer.
struct ChannelWriter {
    sender: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
    started: bool,
}

impl ChannelWriter {
    fn new(sender: mpsc::Sender<io::Result<Bytes>>) -> ChannelWriter {
        ChannelWriter { sender, buffer: Vec::with_capacity(CHUNK), started: false }
    }

    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK || !self.started {
            self.started = true;
            self.send_buffer()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buffer()
    }
}

/// A download: `filename` for every browser (ASCII) and `filename*` for the real name (RFC 6266).
fn attachment(body: Body, content_type: &'static str, name: &str) -> Response {
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let ascii = ascii.replace(['"', '\\'], "_");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", encode_url_component(name));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
