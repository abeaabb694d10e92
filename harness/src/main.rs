//! `sidecar-e2e`: see `sidecar-e2e --help`.

fn main() -> std::process::ExitCode {
    sidecar_e2e::cli::main_impl()
}
