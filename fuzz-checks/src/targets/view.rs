//! Target `view`.

use bytes::Bytes;
use kafka_codec::frame::ResponseFrame;
use kafka_codec::frame::{decode_request_payload, decode_response_payload};
use kafka_codec::views::{RequestView, ResponseView};
use kafka_codec::views::{ResponseBodyView, Splice, ViewStr};
use kafka_codec::{ApiKey, ResponseBody};

use crate::meter::measure;
use crate::targets::response_apis;

/// `view`: `[kind][api selector][version][payload]`. An even `kind` reads the payload as a
/// request (selector and version unused); an odd one as a response of the API the selector
/// picks (as in `decode_response`). The payload is validated as a borrowed view and decoded
/// by the owned decoder: both accept it or both refuse it; when both accept, the view's
/// `to_owned()` equals the owned frame and every field read through the view (its `Debug`
/// walks all accessors) gives the same value, and so does `to_owned_from` over the `Bytes` the
/// owned decoder read (slices of it, not copies). A successful validation allocates nothing.
/// Broker hosts and ports of Metadata, FindCoordinator and Produce responses rewritten by a
/// `Splice` give the bytes of the owned frame edited and encoded again.
pub fn view(data: &[u8]) {
    let [kind, sel, v, payload @ ..] = data else {
        return;
    };
    let src = Bytes::copy_from_slice(payload);
    if kind % 2 == 0 {
        let (res, usage) = measure(|| RequestView::parse(payload));
        let owned = decode_request_payload(src.clone());
        match (res, owned) {
            (Ok(view), Ok(frame)) => {
                assert_eq!(usage.total, 0, "request view validation allocated");
                let _ = format!("{view:?}");
                assert!(
                    crate::message::same_value(&view.to_owned(), &frame),
                    "request view differs from the owned decode"
                );
                let from_src = RequestView::parse(&src).map(|v| v.to_owned_from(&src));
                assert!(
                    matches!(&from_src, Ok(f) if crate::message::same_value(f, &frame)),
                    "request view over Bytes: to_owned_from differs from the owned decode"
                );
            }
            (Err(e), Err(_)) => assert!(e.offset() <= payload.len(), "error offset: {e}"),
            (Ok(_), Err(e)) => panic!("the view accepts a request the owned decoder refuses: {e}"),
            (Err(e), Ok(_)) => panic!("the view refuses a request the owned decoder accepts: {e}"),
        }
    } else {
        let apis = response_apis();
        let (key, version) = match apis.get(*sel as usize) {
            Some(&(key, min, max)) => (key, min + (*v as i16) % (max - min + 2)),
            None => (ApiKey(1000 + *sel as i16), *v as i16),
        };
        let (res, usage) = measure(|| ResponseView::parse(payload, key, version));
        let owned = decode_response_payload(key, version, src.clone());
        match (res, owned) {
            (Ok(view), Ok(frame)) => {
                // Only an ApiVersions answer of UNSUPPORTED_VERSION may allocate: it is read
                // twice (KIP-511), and the failed reading builds its error.
                let kip511 =
                    matches!(&frame.body, ResponseBody::ApiVersions(b) if b.error_code == 35);
                if !kip511 {
                    assert_eq!(usage.total, 0, "response view validation allocated");
                }
                let _ = format!("{view:?}");
                assert!(
                    crate::message::same_value(&view.to_owned(), &frame),
                    "response view differs from the owned decode"
                );
                let from_src =
                    ResponseView::parse(&src, key, version).map(|v| v.to_owned_from(&src));
                assert!(
                    matches!(&from_src, Ok(f) if crate::message::same_value(f, &frame)),
                    "response view over Bytes: to_owned_from differs from the owned decode"
                );
                splice_hosts(payload, &view, frame);
            }
            (Err(e), Err(_)) => assert!(e.offset() <= payload.len(), "error offset: {e}"),
            (Ok(_), Err(e)) => panic!("the view accepts a response the owned decoder refuses: {e}"),
            (Err(e), Ok(_)) => panic!("the view refuses a response the owned decoder accepts: {e}"),
        }
    }
}

/// New hosts of several lengths (empty, short, past 127 bytes).
const HOSTS: [&str; 3] = [
    "",
    "proxy",
    "a-host-name-long-enough-that-its-compact-length-prefix-needs-a-second-byte-\
     a-host-name-long-enough-that-its-compact-length-prefix-needs-a-second-byte",
];

/// Whether the oracle can compare a splice of `new` over `old`. A host received as null, where
/// the schema does not allow null, reads as "" and is re-encoded as null by the owned encoder
/// as long as it stays "" (that is how it round-trips byte for byte), while a splice of ""
/// writes the empty string asked for. Writing "" over an empty or null host is therefore left
/// out on both sides; any other rewrite is compared.
fn rewrites(new: &str, old: ViewStr<'_>) -> bool {
    !(new.is_empty() && old.is_empty())
}

/// Rewrites broker hosts and ports with a splice and compares with the owned frame edited
/// and encoded again (when that frame re-encodes to the received bytes, as valid ones do).
fn splice_hosts(payload: &[u8], view: &ResponseView<'_>, mut frame: ResponseFrame) {
    let Ok(original) = frame.encode() else {
        return;
    };
    if original[4..] != *payload {
        return;
    }
    let mut splice = Splice::new(payload);
    match (&view.body, &mut frame.body) {
        (ResponseBodyView::Metadata(v), ResponseBody::Metadata(o)) => {
            for ((i, b), ob) in v.brokers().iter().enumerate().zip(&mut o.brokers) {
                let host = HOSTS[i % 3];
                if rewrites(host, b.host()) {
                    splice.set_str(b.host_span().unwrap(), host).unwrap();
                }
                splice.set(b.port_span().unwrap(), i as i32).unwrap();
                ob.host = host.into();
                ob.port = i as i32;
            }
        }
        (ResponseBodyView::FindCoordinator(v), ResponseBody::FindCoordinator(o)) => {
            if let Some(span) = v.host_span() {
                splice.set_str(span, HOSTS[2]).unwrap();
                o.host = HOSTS[2].into();
            }
            for ((i, c), oc) in v.coordinators().iter().enumerate().zip(&mut o.coordinators) {
                let host = HOSTS[i % 3];
                if rewrites(host, c.host()) {
                    splice.set_str(c.host_span().unwrap(), host).unwrap();
                }
                splice.set(c.port_span().unwrap(), i as i32).unwrap();
                oc.host = host.into();
                oc.port = i as i32;
            }
        }
        (ResponseBodyView::Produce(v), ResponseBody::Produce(o)) => {
            if v.node_endpoints().is_empty() {
                return;
            }
            // The endpoints are a tagged field: its size is rewritten too.
            splice
                .resize_tag(v.tagged_fields().span(0).unwrap())
                .unwrap();
            for ((i, e), oe) in v
                .node_endpoints()
                .iter()
                .enumerate()
                .zip(&mut o.node_endpoints)
            {
                let host = HOSTS[i % 3];
                if rewrites(host, e.host()) {
                    splice.set_str(e.host_span().unwrap(), host).unwrap();
                }
                oe.host = host.into();
            }
        }
        _ => return,
    }
    let out = splice.to_frame().unwrap();
    let expected = frame.encode().unwrap();
    assert!(
        out == expected[..],
        "spliced hosts differ from the owned edit"
    );
}
