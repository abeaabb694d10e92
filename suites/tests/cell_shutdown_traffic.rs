//! The shutdown-traffic scenario on the cluster `sidecar-e2e cluster up` made: in a namespace of its own,
//! recorded and judged against what the plan expects of that cell (native or legacy).

use sidecar_e2e::scenario::Scenario;
use sidecar_suites::cell::assert_scenario;

#[test]
fn shutdown_traffic_meets_the_cells_expectations() {
    assert_scenario(Scenario::ShutdownTraffic);
}
