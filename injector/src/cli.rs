//! The `sidecar-injector` command line: `inject`, `bootstrap` and `serve`.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::bootstrap::Bootstrap;
use crate::cli_support::{self, print_error};
use crate::config::{
    DEFAULT_PROXY_CONTAINER_NAME, DEFAULT_PROXY_IMAGE, InjectorConfig, InvalidContainerName, Mode,
    validate_container_name,
};
use crate::manifest::{InjectError, ObjectOutcome, inject_manifest_with};
use crate::server::{ServeConfig, ServeError, start};
use crate::webhook::DEFAULT_MAX_BODY_BYTES;
use crate::yaml::{DEFAULT_MAX_ALIAS_NODES, DEFAULT_MAX_DEPTH, Limits, YamlError};

/// Exit codes, documented in `--help`.
pub mod exit_codes {
    /// The input was rejected: malformed YAML, or a pod that cannot be injected.
    pub const INPUT_REJECTED: u8 = 1;
    /// The command line was wrong (clap's own code).
    pub const USAGE: u8 = 2;
    /// A file or stream could not be read or written.
    pub const IO: u8 = 3;
    /// The webhook server could not start.
    pub const SERVE_FAILED: u8 = 4;
}

/// Adds an Envoy sidecar to Kubernetes pods, as a native sidecar (KEP-753) or a legacy container.
///
/// Exit codes: 0 success; 1 input rejected (malformed YAML, a pod that cannot be injected);
/// 2 usage error; 3 I/O error; 4 the webhook server could not start.
#[derive(Debug, Parser)]
#[command(name = "sidecar-injector", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print manifests with the proxy injected into every pod and pod template.
    ///
    /// Reads a YAML stream (several documents, or `kind: List`), injects every Pod and the pod
    /// template of every Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
    /// Job, CronJob and OpenShift DeploymentConfig, and prints the stream; every other object
    /// passes through with the same meaning. Pods annotated `sidecar-e2e/inject: "false"` (or
    /// n/no/off), pods with `hostNetwork: true` and pods injected already are left alone;
    /// `sidecar-e2e/mode: native|legacy` overrides --mode per pod.
    ///
    /// The input is read as kubectl reads it (YAML 1.1: `0400` is 256, `yes` is true); the output
    /// quotes every string another YAML reader could mistake. Comments are not kept.
    ///
    /// Example: sidecar-injector inject -f core/src/scenario/job.yaml --mode native | kubectl apply -f -
    Inject(Box<InjectOpts>),
    /// Print the Envoy bootstrap the proxy runs with (passed to it inline with --config-yaml).
    ///
    /// Listeners: 127.0.0.1:15001 explicit HTTP forward proxy (apps reach it through HTTP_PROXY,
    /// and tunnel HTTPS through it with CONNECT via HTTPS_PROXY),
    /// 0.0.0.0:15021 /healthz/ready for the probes, admin on 127.0.0.1:15000 only. The access log
    /// goes to stdout in Istio's default text format.
    ///
    /// A legacy-mode Job never completes on its own: the proxy keeps running after the app exits.
    /// The classic workaround is for the app to stop the proxy when it is done:
    /// `curl -fsS -X POST http://127.0.0.1:15000/quitquitquit` (loopback bypasses the proxy
    /// through NO_PROXY). Native sidecars need no workaround.
    Bootstrap(BootstrapOpts),
    /// Serve the mutating admission webhook over HTTPS.
    ///
    /// POST /inject takes an AdmissionReview (admission.k8s.io/v1) and answers with a JSON patch
    /// for pod creations; GET /healthz and /readyz answer "ok". The certificate is reloaded when
    /// its files change. Stops on SIGINT or SIGTERM after draining open connections.
    Serve(Box<ServeOpts>),
}

#[derive(Debug, clap::Args)]
struct InjectOpts {
    /// Manifest to read; `-` or nothing reads standard input.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(flatten)]
    injection: InjectionOpts,
    /// Deepest nesting of mappings and lists a document may have. Real objects stay far below;
    /// the limit stops absurd nesting.
    #[arg(long, value_name = "LEVELS", default_value_t = DEFAULT_MAX_DEPTH,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_DEPTH_CEILING))]
    max_depth: usize,
    /// How many nodes YAML aliases (`*name`) may copy in, over the whole input. kubectl never
    /// writes aliases; the limit stops alias bombs ("billion laughs").
    #[arg(long, value_name = "NODES", default_value_t = DEFAULT_MAX_ALIAS_NODES)]
    max_alias_nodes: usize,
    /// Do not print what was done to each object on standard error.
    #[arg(short, long)]
    quiet: bool,
}

/// The largest `--max-depth`: reading is iterative, but writing YAML recurses once per level,
/// and `inject` runs on a thread whose stack is sized for the depth asked.
const MAX_DEPTH_CEILING: u64 = 100_000;

impl InjectOpts {
    fn limits(&self) -> Limits {
        Limits {
            max_depth: self.max_depth,
            max_alias_nodes: self.max_alias_nodes,
        }
    }
}

#[derive(Debug, clap::Args)]
struct InjectionOpts {
    /// Where the proxy goes: `native` (initContainers[0], restartPolicy: Always) or `legacy`
    /// (appended to containers).
    #[arg(long, value_enum, default_value_t = ModeArg::Native)]
    mode: ModeArg,
    /// Proxy image.
    #[arg(long, value_name = "IMAGE", default_value = DEFAULT_PROXY_IMAGE)]
    image: String,
    /// Name of the proxy container. It must be a Kubernetes container name (a DNS-1123 label: at
    /// most 63 lower-case letters, digits and '-', starting and ending with a letter or digit). A
    /// pod with a container of its own by that name is refused.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_PROXY_CONTAINER_NAME,
          value_parser = parse_container_name)]
    container_name: String,
}

impl InjectionOpts {
    fn to_config(&self) -> InjectorConfig {
        InjectorConfig::new(self.mode.into())
            .with_image(self.image.clone())
            .with_container_name(self.container_name.clone())
    }
}

/// `--container-name`: a name Kubernetes accepts, or a usage error naming the flag and the value.
fn parse_container_name(name: &str) -> Result<String, InvalidContainerName> {
    validate_container_name(name).map(|()| name.to_owned())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModeArg {
    Native,
    Legacy,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::Native => Mode::Native,
            ModeArg::Legacy => Mode::Legacy,
        }
    }
}

#[derive(Debug, clap::Args)]
struct BootstrapOpts {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Yaml)]
    output: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Yaml,
    Json,
}

#[derive(Debug, clap::Args)]
struct ServeOpts {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    listen: SocketAddr,
    /// PEM certificate chain, leaf first.
    #[arg(long, value_name = "FILE")]
    tls_cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE")]
    tls_key: PathBuf,
    #[command(flatten)]
    injection: InjectionOpts,
    /// Largest AdmissionReview body accepted; larger ones get HTTP 413.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,
    /// How often to check the certificate files for changes, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    cert_reload_interval_ms: u64,
}

/// Errors the CLI expects and renders, each with its exit code.
#[derive(Debug, thiserror::Error)]
enum ExpectedError {
    #[error("cannot read {path}")]
    ReadInput {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the output")]
    Write(#[source] std::io::Error),
    #[error("{0} was rejected")]
    InputRejected(String, #[source] Box<InjectError>),
    #[error("the webhook server could not start")]
    Serve(#[source] ServeError),
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error("cannot start a thread for the injection")]
    Thread(#[source] std::io::Error),
}

impl ExpectedError {
    fn exit_code(&self) -> u8 {
        match self {
            ExpectedError::ReadInput { .. } | ExpectedError::Write(_) => exit_codes::IO,
            ExpectedError::InputRejected(..) => exit_codes::INPUT_REJECTED,
            ExpectedError::Serve(_) | ExpectedError::Runtime(_) => exit_codes::SERVE_FAILED,
            ExpectedError::Thread(_) => exit_codes::IO,
        }
    }

    fn hint(&self) -> Option<&'static str> {
        match self {
            ExpectedError::ReadInput { .. } => Some("pass -f - (or no -f) to read standard input"),
            ExpectedError::InputRejected(_, err) => match **err {
                InjectError::Yaml(YamlError::Malformed { .. }) => {
                    Some("fix the YAML at that position; `---` on its own line separates documents")
                }
                InjectError::Yaml(YamlError::NotUtf8 { .. }) => Some(
                    "convert the file to UTF-8, e.g. `iconv -f LATIN1 -t UTF-8`; kubectl reads UTF-8 only",
                ),
                InjectError::Yaml(YamlError::TooLarge { .. }) => Some(
                    "the limits guard against alias bombs and absurd nesting; raise the one named if the input is trusted",
                ),
                InjectError::Yaml(YamlError::Unreadable { .. }) => Some(
                    "kubectl cannot turn this into JSON either; fix the value at that position",
                ),
                InjectError::NotAnObject { .. } => {
                    Some("every document must be a Kubernetes object with apiVersion and kind")
                }
                _ => None,
            },
            ExpectedError::Serve(ServeError::Certificate(_)) => {
                Some("--tls-cert and --tls-key take PEM files of one certificate and its key")
            }
            _ => None,
        }
    }
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main_impl() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            print_error(&err, err.hint());
            ExitCode::from(err.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<(), ExpectedError> {
    match cli.command {
        Command::Inject(opts) => inject(&opts),
        Command::Bootstrap(opts) => {
            let bootstrap = Bootstrap::default();
            let text = match opts.output {
                Format::Yaml => bootstrap.to_yaml(),
                Format::Json => format!("{:#}\n", bootstrap.to_value()),
            };
            write_stdout(&text)
        }
        Command::Serve(opts) => serve(*opts),
    }
}

fn inject(opts: &InjectOpts) -> Result<(), ExpectedError> {
    // Bytes, not text: input that is not UTF-8 is rejected input with its offset, not an I/O
    // error.
    let (label, input) = match opts.file.as_deref() {
        None => ("standard input".to_owned(), read_stdin()?),
        Some(path) if path.as_os_str() == "-" => ("standard input".to_owned(), read_stdin()?),
        Some(path) => {
            let label = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|source| ExpectedError::ReadInput {
                path: label.clone(),
                source,
            })?;
            (label, bytes)
        }
    };
    let config = opts.injection.to_config();
    let limits = opts.limits();
    // Writing YAML recurses once per nesting level; give the thread the stack the depth limit
    // allows (about 2 KiB a level, doubled for safety, over a floor of 8 MiB).
    let stack = (8 << 20) + limits.max_depth * 4096;
    let injected = std::thread::Builder::new()
        .name("inject".to_owned())
        .stack_size(stack)
        .spawn(move || {
            inject_manifest_with(&input, &config, &limits).map(|injected| {
                let yaml = injected.to_yaml();
                (injected.outcomes, yaml)
            })
        })
        .map_err(ExpectedError::Thread)?
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let (outcomes, yaml) =
        injected.map_err(|err| ExpectedError::InputRejected(label, Box::new(err)))?;
    write_stdout(&yaml)?;
    if !opts.quiet {
        for outcome in &outcomes {
            eprintln!("{}", describe(outcome));
        }
    }
    Ok(())
}

fn describe(outcome: &ObjectOutcome) -> String {
    match outcome {
        ObjectOutcome::Injected { kind, name, mode } => format!("injected {kind}/{name} ({mode})"),
        ObjectOutcome::Skipped { kind, name, reason } => {
            format!("skipped {kind}/{name}: {}", reason.describe())
        }
        ObjectOutcome::PassedThrough { kind, name } => format!("unchanged {kind}/{name}"),
    }
}

fn read_stdin() -> Result<Vec<u8>, ExpectedError> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|source| ExpectedError::ReadInput {
            path: "standard input".to_owned(),
            source,
        })?;
    Ok(input)
}

fn write_stdout(text: &str) -> Result<(), ExpectedError> {
    cli_support::write_stdout(text).map_err(ExpectedError::Write)
}

fn serve(opts: ServeOpts) -> Result<(), ExpectedError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour only on a terminal: in a pod, escape codes would litter `kubectl logs`.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ExpectedError::Runtime)?;
    runtime.block_on(async move {
        let mut config = ServeConfig::new(
            opts.listen,
            opts.tls_cert,
            opts.tls_key,
            opts.injection.to_config(),
        );
        config.max_body_bytes = opts.max_body_bytes;
        config.cert_reload_interval = Duration::from_millis(opts.cert_reload_interval_ms.max(1));
        let server = start(config).await.map_err(ExpectedError::Serve)?;
        shutdown_signal().await;
        tracing::info!("shutting down");
        server.shutdown().await;
        Ok(())
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
