//! The `shortlist` binary: parse the command line, set up logging, run.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = shortlist_host::config::Cli::parse();
    shortlist_host::telemetry::init(cli.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let code = runtime.block_on(shortlist_host::cli::run(cli))?;
    std::process::exit(code);
}
