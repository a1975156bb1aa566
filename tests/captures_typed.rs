//! Every frame real peers sent in `testdata/captures` decodes into a typed body — not `Raw` —
//! whenever this build compiles the API's family (with `all-apis`: every frame), except the
//! frames listed in `deviations.tsv`, which peers got wrong and which must be refused.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use kafka_codec::frame::{decode_request, decode_response};
use kafka_codec::{RequestBody, ResponseBody};

fn frames(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            frames(&p, out);
        } else if p.to_string_lossy().ends_with(".req.bin") {
            out.push(p);
        }
    }
}

#[test]
fn captured_frames_decode_typed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
    let deviations = std::fs::read_to_string(root.join("deviations.tsv")).unwrap();
    let is_deviation = |p: &Path| {
        let rel = p.strip_prefix(&root).unwrap().to_string_lossy().to_string();
        let resp = rel.replace(".req.bin", ".resp.bin");
        deviations
            .lines()
            .any(|l| l.split('\t').next() == Some(&rel) || l.split('\t').next() == Some(&resp))
    };
    let mut reqs = Vec::new();
    frames(&root, &mut reqs);
    assert!(reqs.len() > 1000, "only {} captured requests", reqs.len());
    let (mut typed, mut raw, mut skipped) = (0, 0, 0);
    for req_path in &reqs {
        if is_deviation(req_path) {
            skipped += 1;
            continue;
        }
        let what = req_path.display().to_string();
        let req = decode_request(Bytes::from(std::fs::read(req_path).unwrap()))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let key = req.header.request_api_key;
        let v = req.header.request_api_version;
        let supported = RequestBody::is_supported(key, v);
        assert_eq!(
            !matches!(req.body, RequestBody::Raw(_)),
            supported,
            "{what}: {key:?} v{v}"
        );
        if cfg!(feature = "all-apis") {
            assert!(supported, "{what}: {key:?} v{v} is not typed with all-apis");
        }
        let resp_path = PathBuf::from(what.replace(".req.bin", ".resp.bin"));
        if let Ok(bytes) = std::fs::read(&resp_path) {
            let resp = decode_response(key, v, Bytes::from(bytes))
                .unwrap_or_else(|e| panic!("{}: {e}", resp_path.display()));
            assert_eq!(
                !matches!(resp.body, ResponseBody::Raw(_)),
                ResponseBody::is_supported(key, resp.body_version),
                "{}",
                resp_path.display()
            );
        }
        if supported {
            typed += 1;
        } else {
            raw += 1;
        }
    }
    println!("{typed} typed, {raw} raw (family off), {skipped} deviations");
    assert!(typed > 1000);
}
