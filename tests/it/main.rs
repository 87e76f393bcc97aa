//! Every integration test of kobo-shelf, one module per subject, in one binary: the app, the
//! real server binary and the S3 test server are linked and started once per test as needed,
//! but Leptos, axum and the rest are compiled and linked once, not once per file.

mod annotation_edits;
mod archive;
mod book_page;
mod cli;
mod collections;
mod export;
mod firmware;
mod http_security;
mod kobo_reader;
mod library_export;
mod markups;
mod one_library;
mod page_status;
mod push;
mod quote_cards;
mod read_api;
mod release_binary;
mod replica;
mod review;
mod search;
mod several_kobos;
mod support;
mod sync_engine;
