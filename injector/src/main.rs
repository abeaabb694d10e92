//! `sidecar-injector`: see `sidecar-injector --help`.

fn main() -> std::process::ExitCode {
    sidecar_injector::cli::main_impl()
}
