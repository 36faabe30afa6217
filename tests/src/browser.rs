//! Headless Chromium for browser tests, driven through ChromeDriver's W3C WebDriver API
//! on loopback: the handful of commands the tests need (open, find, read, click,
//! screenshot), with bounded waits. Debian's `chromium` and `chromium-driver` packages
//! provide both binaries (`.ci/run` installs them).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine as _;
use serde_json::{Value, json};

/// The key W3C WebDriver names an element by in its answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long [`Browser::find`] waits for an element to appear.
const FIND_WAIT: Duration = Duration::from_secs(15);

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

/// A headless Chromium session; its driver is stopped when dropped.
pub struct Browser {
    http: reqwest::Client,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts ChromeDriver on a free loopback port and a headless Chromium session.
    ///
    /// # Errors
    ///
    /// ChromeDriver or Chromium missing or not starting.
    pub async fn start() -> anyhow::Result<Self> {
        let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut command = Command::new(&driver_path);
        // A process group of its own, so that dropping the browser ends Chromium too.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| {
                format!("starting {driver_path}: install Debian's chromium and chromium-driver")
            })?;
        let profile = tempfile::tempdir()?;
        let mut browser = Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()?,
            session: String::new(),
            driver,
            _profile: profile,
        };
        let base = format!("http://127.0.0.1:{port}");
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(r) = browser.http.get(format!("{base}/status")).send().await
                && r.json::<Value>()
                    .await
                    .is_ok_and(|s| s["value"]["ready"] == true)
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !ready {
            bail!("ChromeDriver did not answer on port {port} within 10 s");
        }
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let args = [
            "--headless=new",
            // The tests run as root in CI, where Chromium's sandbox cannot start.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1000",
            &format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let created: Value = browser
            .http
            .post(format!("{base}/session"))
            .json(&json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": binary, "args": args }
            } } }))
            .send()
            .await?
            .json()
            .await?;
        let Some(session) = created["value"]["sessionId"].as_str() else {
            bail!("no browser session: {created}");
        };
        browser.session = format!("{base}/session/{session}");
        Ok(browser)
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await?.json().await?;
        if let Some(error) = answer["value"]["error"].as_str() {
            bail!("WebDriver {path}: {error}: {}", answer["value"]["message"]);
        }
        Ok(answer["value"].clone())
    }

    /// Opens a URL and waits for the page to load.
    ///
    /// # Errors
    ///
    /// The browser fails.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await
            .map(drop)
    }

    /// The first element matching a CSS selector, waiting up to 15 s for it to appear.
    ///
    /// # Errors
    ///
    /// No such element within the wait.
    pub async fn find(&self, css: &str) -> anyhow::Result<Element> {
        let deadline = tokio::time::Instant::now() + FIND_WAIT;
        loop {
            let found = self
                .command(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({ "using": "css selector", "value": css })),
                )
                .await;
            match found {
                Ok(value) => {
                    let id = value[ELEMENT]
                        .as_str()
                        .with_context(|| format!("an element id in {value}"))?;
                    return Ok(Element(id.to_owned()));
                }
                Err(e) if tokio::time::Instant::now() > deadline => {
                    return Err(e.context(format!("no element {css:?} within {FIND_WAIT:?}")));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// An element's rendered text.
    ///
    /// # Errors
    ///
    /// The element is gone.
    pub async fn text(&self, element: &Element) -> anyhow::Result<String> {
        let value = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{}/text", element.0),
                None,
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The text of the first element matching `css`, waiting for it.
    ///
    /// # Errors
    ///
    /// As [`Browser::find`].
    pub async fn text_of(&self, css: &str) -> anyhow::Result<String> {
        let element = self.find(css).await?;
        self.text(&element).await
    }

    /// Clicks an element.
    ///
    /// # Errors
    ///
    /// The element is gone or cannot be clicked.
    pub async fn click(&self, element: &Element) -> anyhow::Result<()> {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .await
        .map(drop)
    }

    /// Runs a script in the page and returns its value.
    ///
    /// # Errors
    ///
    /// The script throws.
    pub async fn script(&self, script: &str) -> anyhow::Result<Value> {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Writes a PNG of the window to `path` (its directory is created).
    ///
    /// # Errors
    ///
    /// The browser or the file system fails.
    pub async fn screenshot(&self, path: &Path) -> anyhow::Result<()> {
        let png = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await?;
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap_or_default())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, bytes)?;
        Ok(())
    }
}

impl Browser {
    /// Ends the session (Chromium closes) and stops the driver.
    pub async fn quit(self) {
        let _ = self.command(reqwest::Method::DELETE, "", None).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The driver's whole process group: Chromium too, should the session not have ended.
        let _ = Command::new("kill")
            .args(["-9", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}
