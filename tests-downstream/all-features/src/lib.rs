//! A downstream crate that enabled every kafka-codec feature: the proxy's rewrite step, written
//! as another crate would write it.

use kafka_codec::ResponseBody;

/// Points every broker and coordinator address in a Metadata or FindCoordinator response at
/// `host`, one port per node (`base_port + node id`). Returns whether anything changed.
pub fn point_brokers_at(body: &mut ResponseBody, host: &str, base_port: i32) -> bool {
    match body {
        ResponseBody::Metadata(m) => {
            for b in &mut m.brokers {
                b.host = host.into();
                b.port = base_port + b.node_id;
            }
            true
        }
        ResponseBody::FindCoordinator(c) => {
            if c.coordinators.is_empty() {
                // v0-3: one coordinator, at the top level (v4+ lacks these fields).
                c.host = host.into();
                c.port = base_port + c.node_id;
            }
            for co in &mut c.coordinators {
                co.host = host.into();
                co.port = base_port + co.node_id;
            }
            true
        }
        _ => false,
    }
}
