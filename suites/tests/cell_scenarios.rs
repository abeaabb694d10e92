//! Every scenario of the registry on the cluster `sidecar-e2e cluster up` made: one trial per
//! scenario (named after it, so `cargo nextest run -E 'test(job)'` picks one), each in a
//! namespace of its own, recorded and judged against what the plan expects of that cell. A
//! scenario that does not run in the cell (it needs native sidecars and the gate is off) checks
//! nothing and says why: the cell is only known once the setup script has run, after nextest
//! has listed the trials. The trials come from `Scenario::ALL`: a new scenario is a case here
//! without touching this file.

use libtest_mimic::{Arguments, Trial};
use sidecar_e2e_core::scenario::Scenario;
use sidecar_suites::cell::{assert_scenario, not_run_reason};

fn main() {
    let args = Arguments::from_args();
    let trials = Scenario::ALL
        .into_iter()
        .map(|scenario| {
            // A scenario that acts on the node must run with no other test beside it: its name
            // says so, and `.config/nextest.toml` gives every such trial the machine alone.
            let alone = if scenario.node().is_alone() {
                "_with_the_node_alone"
            } else {
                ""
            };
            let name = format!("{}_meets_the_cells_expectations{alone}", scenario.name());
            Trial::test(name, move || {
                match not_run_reason(scenario) {
                    Some(why) => eprintln!("{scenario} does not run in this cell: {why}"),
                    None => assert_scenario(scenario),
                }
                Ok(())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
