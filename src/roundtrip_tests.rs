//! Property and robustness tests over every generated message type and every version:
//! arbitrary value → conform to the version → encode → decode equal → re-encode identical, and
//! every truncation of a valid encoding is an error, never a panic.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::{Conform, MessageVisitor};
use crate::{Message, Reader};

/// Encodes, checks the length promise, decodes, compares, re-encodes.
fn round_trip<T: Message>(m: &T, version: i16) -> Result<Bytes, TestCaseError> {
    let len = m.encoded_len(version);
    let mut buf = BytesMut::with_capacity(len);
    m.encode(&mut buf, version)
        .map_err(|e| TestCaseError::fail(format!("{} v{version}: encode: {e}", T::NAME)))?;
    prop_assert_eq!(buf.len(), len, "{} v{}: encoded_len", T::NAME, version);
    let bytes = buf.freeze();
    let back = T::from_bytes(bytes.clone(), version)
        .map_err(|e| TestCaseError::fail(format!("{} v{version}: decode: {e}", T::NAME)))?;
    prop_assert_eq!(&back, m, "{} v{}: decoded value differs", T::NAME, version);
    let again = back
        .to_bytes(version)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(
        &again[..],
        &bytes[..],
        "{} v{}: re-encoding differs",
        T::NAME,
        version
    );
    Ok(bytes)
}

struct PropertyTest {
    cases: u32,
    checked: usize,
}

impl MessageVisitor for PropertyTest {
    fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        for version in T::MIN_VERSION..=T::MAX_VERSION {
            let mut runner = TestRunner::new(Config {
                cases: self.cases,
                failure_persistence: None,
                ..Config::default()
            });
            let strategy = proptest::collection::vec(any::<u8>(), 0..512);
            let result = runner.run(&strategy, |raw| {
                let mut u = arbitrary::Unstructured::new(&raw);
                let Ok(mut m) = T::arbitrary(&mut u) else {
                    return Ok(());
                };
                m.conform(version);
                let bytes = round_trip(&m, version)?;
                // Every strict prefix must fail cleanly (or, if a shorter message decodes,
                // leave bytes unread): the encoding is self-delimiting.
                for cut in 0..bytes.len() {
                    let mut r = Reader::new(bytes.slice(..cut));
                    let res = T::decode(&mut r, version);
                    prop_assert!(
                        res.is_err() || !r.is_empty(),
                        "{} v{}: prefix of {} bytes decoded",
                        T::NAME,
                        version,
                        cut
                    );
                }
                Ok(())
            });
            if let Err(e) = result {
                panic!("{} v{version}: {e}", T::NAME);
            }
            self.checked += 1;
        }
    }
}

#[test]
fn every_message_every_version_round_trips() {
    let mut t = PropertyTest {
        cases: 48,
        checked: 0,
    };
    crate::generated::visit_messages(&mut t);
    assert!(
        t.checked > 300,
        "only {} (message, version) pairs",
        t.checked
    );
}

struct DefaultsRoundTrip;

impl MessageVisitor for DefaultsRoundTrip {
    fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        for version in T::MIN_VERSION..=T::MAX_VERSION {
            let mut m = T::default();
            m.conform(version);
            if let Err(e) = round_trip(&m, version) {
                panic!("{} v{version}: {e}", T::NAME);
            }
            // Out-of-range versions are errors both ways.
            assert!(m.to_bytes(T::MAX_VERSION + 1).is_err());
            assert!(T::from_bytes(Bytes::new(), T::MAX_VERSION + 1).is_err());
        }
    }
}

#[test]
fn default_values_round_trip_and_versions_are_checked() {
    crate::generated::visit_messages(&mut DefaultsRoundTrip);
}

struct GarbageNeverPanics;

impl MessageVisitor for GarbageNeverPanics {
    fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        let mut runner = TestRunner::new(Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = (
            T::MIN_VERSION..=T::MAX_VERSION,
            proptest::collection::vec(any::<u8>(), 0..256),
        );
        runner
            .run(&strategy, |(version, raw)| {
                let _ = T::from_bytes(Bytes::from(raw), version);
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn random_bytes_never_panic() {
    crate::generated::visit_messages(&mut GarbageNeverPanics);
}
