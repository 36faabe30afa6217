//! The authoring guide, `plugins/README.md`, followed to the letter: the `shortlist`
//! commands of its walkthrough run in order, as written, in a copy of the workspace that
//! holds the freight vertical, against a service's database. A guide whose commands stop
//! working fails here.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Env, Replica, module_cache};

/// The walkthrough's heading in the guide.
const WALKTHROUGH: &str = "## From nothing to a live rule change";

#[test]
fn the_authoring_guide_takes_an_author_from_nothing_to_a_live_rule_change() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let guide = std::fs::read_to_string(root.join("plugins/README.md")).unwrap();
    let commands = walkthrough(&guide);
    assert!(
        commands.len() >= 8,
        "the walkthrough's commands: {commands:?}"
    );

    let work = tempfile::tempdir().unwrap();
    copy_workspace(root, work.path());
    // The service's database as a running deployment has it: an organisation whose
    // freight pool is imported, which publishes and activates the built-in freight@1.
    let env = Env::sqlite(work.path());
    env.run(&["org", "create", "shipper"]);
    let pool = env.run(&["sample", "pool", "--vertical", "freight", "--size", "100"]);
    std::fs::write(work.path().join("freight.json"), pool).unwrap();
    env.run(&[
        "pool",
        "import",
        "--org",
        "shipper",
        "--pool",
        "carriers:freight",
        "--vertical",
        "freight",
        "freight.json",
    ]);

    let bin_dir = Path::new(env!("CARGO_BIN_EXE_shortlist")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut outputs = Vec::new();
    for command in &commands {
        let out = Command::new("sh")
            .args(["-c", command])
            .current_dir(work.path())
            .env("PATH", &path)
            .env("DATABASE_URL", &env.database_url)
            .env("SHORTLIST_MODULE_CACHE", module_cache())
            // The workspace's own guest builds: registry crates already built for wasm are
            // reused, and no download is needed.
            .env("CARGO_TARGET_DIR", root.join("target"))
            .env("CARGO_NET_OFFLINE", "true")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "the guide's `{command}` failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push((command.as_str(), stdout));
    }

    // What the guide says each step leaves behind.
    let freight = work.path().join("plugins/freight");
    assert!(freight.join("blocked-carriers/src/lib.rs").is_file());
    assert!(freight.join("preferred-carriers/app.py").is_file());
    let manifest = std::fs::read_to_string(freight.join("vertical.toml")).unwrap();
    assert!(
        manifest.contains(
            r#"modules = ["eligibility", "shipper-policy", "blocked-carriers", "lane-fit", "carrier-performance", "preferred-carriers"]"#
        ),
        "{manifest}"
    );
    let output = |prefix: &str| {
        outputs
            .iter()
            .find(|(c, _)| c.starts_with(prefix))
            .map(|(_, out)| out.clone())
            .unwrap_or_else(|| panic!("the guide runs no `{prefix}`"))
    };
    assert_eq!(
        output("shortlist vertical build"),
        "target/verticals/freight\n"
    );
    assert!(
        output("shortlist test").contains(" 0 failed"),
        "{}",
        output("shortlist test")
    );
    assert_eq!(output("shortlist vertical publish"), "freight@2\n");
    let listed = output("shortlist vertical list");
    let active = listed
        .lines()
        .find(|l| l.contains("freight@2"))
        .unwrap_or_else(|| panic!("{listed}"));
    assert!(active.contains("active"), "{listed}");

    // The new modules are what the active release serves.
    let modules = env.run(&[
        "modules",
        "--vertical",
        "freight",
        "--modules",
        "target/verticals/freight",
    ]);
    for name in ["blocked-carriers", "preferred-carriers"] {
        assert!(modules.contains(name), "{modules}");
    }
}

#[test]
fn watching_a_vertical_s_sources_rebuilds_tests_and_publishes_each_change() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let work = tempfile::tempdir().unwrap();
    copy_workspace(root, work.path());
    let env = Env::sqlite(work.path());
    env.run(&["org", "create", "shipper"]);
    let log = work.path().join("watch.log");
    let mut watch = Replica(
        env.command()
            .args([
                "vertical",
                "watch",
                "plugins/freight",
                "--out",
                "built",
                "--interval-ms",
                "200",
            ])
            .env("CARGO_TARGET_DIR", root.join("target"))
            .env("CARGO_NET_OFFLINE", "true")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let freight = work.path().join("plugins/freight");
    let watched = || std::fs::read_to_string(&log).unwrap_or_default();
    let mut wait_for = |what: &str, done: &dyn Fn() -> bool| {
        // Builds share the workspace's target directory with other tests: allow for waits
        // on its lock.
        for _ in 0..1200 {
            if done() {
                return;
            }
            if let Some(status) = watch.0.try_wait().unwrap() {
                panic!("the watch stopped ({status}) before {what}:\n{}", watched());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "{what} did not happen within 300 s; the watch printed:\n{}",
            watched()
        );
    };
    let active = || {
        let listed: Vec<Value> =
            serde_json::from_str(&env.run(&["vertical", "list", "freight", "--json"])).unwrap();
        listed.into_iter().find(|r| r["active"] == true).map(|r| {
            (
                r["release"].as_str().unwrap().to_owned(),
                r["published_by"].clone(),
            )
        })
    };

    // The sources as they are: built, their fixtures passing, published and activated.
    wait_for("freight@1 becoming active", &|| {
        active().is_some_and(|(release, _)| release == "freight@1")
    });
    assert!(watched().contains("fixture cases passed"), "{}", watched());

    // A change whose fixtures fail is not published, and the author sees the diff.
    let manifest = std::fs::read_to_string(freight.join("vertical.toml")).unwrap();
    std::fs::write(
        freight.join("vertical.toml"),
        manifest.replace("description = \"", "description = \"Watched. "),
    )
    .unwrap();
    let tiers = std::fs::read_to_string(freight.join("tests/tiers.toml")).unwrap();
    std::fs::write(
        freight.join("tests/wrong.toml"),
        tiers.replacen("tier = \"STRONG_FIT\"", "tier = \"GOOD_FIT\"", 1),
    )
    .unwrap();
    wait_for("the failing fixture being reported", &|| {
        watched().contains("Not published: 1 of")
    });
    let log_text = watched();
    assert!(log_text.contains("- expected: \"GOOD_FIT\""), "{log_text}");
    assert!(
        log_text.contains("+ actual:   \"STRONG_FIT\""),
        "{log_text}"
    );
    assert_eq!(active().unwrap().0, "freight@1");

    // Fixed, the same change ships.
    std::fs::remove_file(freight.join("tests/wrong.toml")).unwrap();
    wait_for("freight@2 becoming active", &|| {
        active().is_some_and(|(release, _)| release == "freight@2")
    });
    assert_eq!(active().unwrap().1, "watch");
}

/// The `shortlist` command lines of the walkthrough's `sh` blocks, comments removed.
fn walkthrough(guide: &str) -> Vec<String> {
    let start = guide
        .find(WALKTHROUGH)
        .unwrap_or_else(|| panic!("the guide has no {WALKTHROUGH:?}"));
    let section = &guide[start + WALKTHROUGH.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut commands = Vec::new();
    let mut in_block = false;
    for line in section.lines().map(str::trim) {
        if line.starts_with("```") {
            in_block = line == "```sh";
            continue;
        }
        if in_block && line.starts_with("shortlist ") {
            let command = line.split(" #").next().unwrap_or(line).trim();
            commands.push(command.to_owned());
        }
    }
    commands
}

/// Copies what building the freight vertical needs: the workspace manifest (with only
/// the members and path dependencies copied), the lock file, the contract, the SDKs and
/// `plugins/freight`.
fn copy_workspace(root: &Path, to: &Path) {
    for dir in ["wit", "sdk", "sample-sdk", "plugins/freight"] {
        copy_dir(&root.join(dir), &to.join(dir));
    }
    std::fs::copy(root.join("Cargo.lock"), to.join("Cargo.lock")).unwrap();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let kept: Vec<&str> = manifest
        .lines()
        .filter(|line| {
            let path = line
                .trim()
                .strip_prefix('"')
                .and_then(|l| l.strip_suffix("\","))
                .or_else(|| {
                    line.split_once("path = \"")
                        .and_then(|(_, rest)| rest.split_once('"'))
                        .map(|(p, _)| p)
                });
            path.is_none_or(|p| to.join(p).is_dir())
        })
        .collect();
    std::fs::write(to.join("Cargo.toml"), kept.join("\n") + "\n").unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == "__pycache__" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

#[test]
fn new_refuses_what_it_cannot_write_and_says_why_without_touching_a_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let work = tempfile::tempdir().unwrap();
    copy_dir(
        &root.join("plugins/freight"),
        &work.path().join("plugins/freight"),
    );
    let manifest =
        std::fs::read_to_string(work.path().join("plugins/freight/vertical.toml")).unwrap();
    let env = Env::sqlite(work.path());
    for (args, says) in [
        (
            &[
                "new",
                "filter",
                "Min_Fleet",
                "--vertical",
                "freight",
                "--lang",
                "python",
            ][..],
            "is not a module name",
        ),
        (
            &[
                "new",
                "filter",
                "lane-fit",
                "--vertical",
                "freight",
                "--lang",
                "python",
            ][..],
            "already has a module lane-fit",
        ),
        (
            &[
                "new",
                "scorer",
                "lanes",
                "--vertical",
                "freight",
                "--lang",
                "python",
                "--dimension",
                "lane",
            ][..],
            "dimension lane is already in",
        ),
        // Outside a cargo workspace a Rust module has no shortlist-sdk to build against.
        (
            &["new", "filter", "min-fleet", "--vertical", "freight"][..],
            "use --lang python",
        ),
    ] {
        let out = env.output(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(work.path().join("plugins/freight/vertical.toml")).unwrap(),
        manifest
    );
    assert!(!work.path().join("plugins/freight/min-fleet").exists());
    assert!(
        !work
            .path()
            .join("plugins/freight/tests/min-fleet.toml")
            .exists()
    );
}
