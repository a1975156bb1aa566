//! Target `view`.

use bytes::Bytes;
use kafka_codec::frame::{decode_request_payload, decode_response_payload};
use kafka_codec::views::{RequestView, ResponseView};
use kafka_codec::{ApiKey, ResponseBody};

use crate::meter::measure;
use crate::targets::response_apis;

/// `view`: `[kind][api selector][version][payload]`. An even `kind` reads the payload as a
/// request (selector and version unused); an odd one as a response of the API the selector
/// picks (as in `decode_response`). The payload is validated as a borrowed view and decoded
/// by the owned decoder: both accept it or both refuse it; when both accept, the view's
/// `to_owned()` equals the owned frame and every field read through the view (its `Debug`
/// walks all accessors) gives the same value. A successful validation allocates nothing.
pub fn view(data: &[u8]) {
    let [kind, sel, v, payload @ ..] = data else {
        return;
    };
    let owned_payload = Bytes::copy_from_slice(payload);
    if kind % 2 == 0 {
        let (res, usage) = measure(|| RequestView::parse(payload));
        let owned = decode_request_payload(owned_payload);
        match (res, owned) {
            (Ok(view), Ok(frame)) => {
                assert_eq!(usage.total, 0, "request view validation allocated");
                let _ = format!("{view:?}");
                assert!(
                    crate::message::same_value(&view.to_owned(), &frame),
                    "request view differs from the owned decode"
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
        let owned = decode_response_payload(key, version, owned_payload);
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
            }
            (Err(e), Err(_)) => assert!(e.offset() <= payload.len(), "error offset: {e}"),
            (Ok(_), Err(e)) => panic!("the view accepts a response the owned decoder refuses: {e}"),
            (Err(e), Ok(_)) => panic!("the view refuses a response the owned decoder accepts: {e}"),
        }
    }
}
