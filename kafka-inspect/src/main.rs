//! `kafka-inspect`: decode Kafka frames, captures and payloads with kafka-codec.
//!
//! One argument parser (clap) for every subcommand; each subcommand lives in `cmd/<name>.rs`.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

mod capture;
mod cmd;
mod flows;
mod show;

use cmd::Failure;

const EXIT_STATUS: &str = "\
Exit status:
  0  everything decoded (and, with --check-roundtrip, re-encoded byte for byte);
     also when the reader of the output goes away (`| head`)
  1  a decode, round-trip or file error (the message names the file)
  2  a usage error";

/// Decode Kafka wire-protocol frames, captures and payloads.
#[derive(Parser)]
#[command(
    name = "kafka-inspect",
    version,
    after_help = EXIT_STATUS,
    disable_help_subcommand = true,
    subcommand_required = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Lists the subcommands: each line gives the variant (its name, in kebab case, is the
/// command's), the arguments type and the function that runs it.
macro_rules! commands {
    ($($(#[$doc:meta])* $variant:ident($args:ty) => $run:expr,)*) => {
        #[derive(clap::Subcommand)]
        enum Command {
            $($(#[$doc])* $variant($args),)*
        }

        impl Command {
            fn run(self, out: &mut dyn Write) -> cmd::Outcome {
                match self {
                    $(Command::$variant(a) => ($run)(a, out),)*
                }
            }
        }
    };
}

// Each command's help text is the doc comment of its `Args` type, in its own file.
// (`assign`: see the note above `cmd::AssignArgs`.)
commands! {
    Frame(cmd::frame::Args) => cmd::frame::run,
    Dir(cmd::dir::Args) => cmd::dir::run,
    Payload(cmd::payload::Args) => cmd::payload::run,
    Records(cmd::records::Args) => cmd::records::run,
    Proxy(cmd::proxy::Args) => cmd::proxy::run,
    Pcap(cmd::pcap::Args) => cmd::pcap::run,
    PcapFrames(cmd::pcap_frames::Args) => cmd::pcap_frames::run,
    Summary(cmd::summary::Args) => cmd::summary::run,
}

/// Parses the command line; every subcommand's help ends with the exit statuses too.
fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let command = Cli::command().mut_subcommands(|c| c.after_help(EXIT_STATUS));
    Cli::from_arg_matches(&command.try_get_matches()?)
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => return parse_error(e),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = cli
        .command
        .run(&mut out)
        .and_then(|()| out.flush().map_err(Failure::Output));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            eprintln!("kafka-inspect: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(m)) => {
            eprintln!("kafka-inspect: {m}");
            ExitCode::from(1)
        }
        Err(Failure::Reported) => ExitCode::from(1),
        // Whoever read the output has seen enough (`| head`): not an error.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            eprintln!("kafka-inspect: writing the output: {e}");
            ExitCode::from(1)
        }
    }
}

/// Help and version go to standard output with status 0; a usage mistake is one line on
/// standard error with status 2.
fn parse_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(io::stdout(), "{}", e.render());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let commands = || {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        names.join(", ")
    };
    let line = match e.kind() {
        ErrorKind::InvalidSubcommand => {
            let name = match e.get(ContextKind::InvalidSubcommand) {
                Some(ContextValue::String(s)) => s.clone(),
                _ => String::new(),
            };
            format!("unknown command '{name}' (commands: {})", commands())
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            format!("no command given (commands: {})", commands())
        }
        _ => {
            // clap's message up to its usage block, on one line.
            let text = e.render().to_string();
            let head = text.split("\n\n").next().unwrap_or("usage error");
            let words: Vec<&str> = head.split_whitespace().collect();
            words.join(" ").trim_start_matches("error: ").to_string()
        }
    };
    // Point at the help of the command that was given, when there is one.
    let known: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let given = std::env::args().skip(1).find(|a| known.contains(a));
    let help = match given {
        Some(c) => format!("kafka-inspect {c} --help"),
        None => "kafka-inspect --help".to_string(),
    };
    eprintln!("kafka-inspect: {line}; see {help}");
    ExitCode::from(2)
}
