//! The S3 server: `s3s-fs` serving a folder, with SigV4 authentication.

use super::{ACCESS_KEY, BUCKET, SECRET_KEY};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto::Builder as ConnectionBuilder,
};
use s3s::{auth::SimpleAuth, service::S3ServiceBuilder};
use std::{io, net::SocketAddr, path::Path};
use tokio::net::TcpListener;

pub struct S3Server {
    pub addr: SocketAddr,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl S3Server {
    /// Serves `root/<BUCKET>/…` on a free loopback port until dropped.
    pub async fn start(root: &Path) -> io::Result<S3Server> {
        std::fs::create_dir_all(root.join(BUCKET))?;
        let fs = s3s_fs::FileSystem::new(root).map_err(|err| io::Error::other(format!("{err:?}")))?;
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let accept_loop = tokio::spawn(async move {
            let http = ConnectionBuilder::new(TokioExecutor::new());
            while let Ok((socket, _)) = listener.accept().await {
                let connection = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });
        Ok(S3Server { addr, accept_loop })
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}
