//! `sidecar-injector`: see `sidecar-injector --help`.

// The webhook's work is JSON trees: many small allocations across threads, where mimalloc
// measured faster than glibc's malloc (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sidecar_injector::cli::main_impl()
}
