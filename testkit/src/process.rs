//! The kobo-shelf server as a child process: started with its settings, ready once it logs the
//! address it listens on, killed (SIGKILL, as a crash) when dropped.

use std::{
    io::{self, BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{mpsc, Arc, Mutex},
    time::Duration,
};

pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `binary` in `cwd` on a free loopback port with `env` (plus an empty settings file
    /// so a developer's `Leptos.toml` cannot leak in); `adjust` may change the command further.
    pub fn start(
        binary: &Path,
        cwd: &Path,
        env: &[(&str, String)],
        adjust: impl FnOnce(&mut Command),
    ) -> io::Result<ServerProcess> {
        let mut command = Command::new(binary);
        command
            .current_dir(cwd)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("KOBO_SHELF_CONFIG", "/dev/null")
            .env("RUST_LOG", "info")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        adjust(&mut command);
        let mut child = command.spawn()?;
        let log = Arc::new(Mutex::new(String::new()));
        let (address_tx, address_rx) = mpsc::channel();
        let stderr = child.stderr.take().expect("piped stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let address = line[at + 20..].split_whitespace().next().unwrap_or("").to_string();
                    let _ = address_tx.send(address);
                }
                let mut log = sink.lock().expect("log lock");
                log.push_str(&line);
                log.push('\n');
            }
        });
        match address_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(address) => Ok(ServerProcess { child, base: format!("http://{address}"), log }),
            Err(_) => {
                let _ = child.kill();
                let log = log.lock().expect("log lock").clone();
                Err(io::Error::other(format!("the server did not start:\n{log}")))
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").clone()
    }

    /// Ends the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
