//! Consumer-side helpers: the version-prefixed payloads carried inside group messages
//! (subscriptions and assignments in JoinGroup/SyncGroup), the `__consumer_offsets` records the
//! group coordinator writes, and ListOffsets' special timestamps.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::{Message, Reader};

/// A payload that starts with its own `int16` version: consumer protocol subscriptions and
/// assignments, and `__consumer_offsets` keys and values.
///
/// A version newer than this crate knows is read as the newest known version, with the bytes
/// left over kept in `trailing` — as Kafka's consumer does, since newer versions only append
/// fields — and written back unchanged, so the round trip stays exact. Bytes after a known
/// version are kept the same way (Kafka's consumer ignores them too).
///
/// ```
/// use bytes::Bytes;
/// use kafka_codec::consumer::Versioned;
/// use kafka_codec::messages::ConsumerProtocolSubscription;
///
/// // Version 0: topics ["orders"], user data null.
/// let wire = Bytes::from_static(b"\x00\x00\x00\x00\x00\x01\x00\x06orders\xff\xff\xff\xff");
/// let sub = Versioned::<ConsumerProtocolSubscription>::decode(wire.clone()).unwrap();
/// assert_eq!(sub.message.topics[0], "orders");
/// assert_eq!(sub.encode().unwrap(), wire);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Versioned<T> {
    /// The version prefix as sent.
    pub version: i16,
    /// The payload, decoded at `min(version, T::MAX_VERSION)`.
    pub message: T,
    /// Bytes after the payload (fields of a version newer than this crate knows, or extra bytes
    /// a peer appended to a known version).
    #[cfg_attr(feature = "serde", serde(with = "crate::support::hex_bytes"))]
    pub trailing: Bytes,
}

impl<T: Message> Versioned<T> {
    /// A payload at `version`, with nothing trailing. Refuses a version outside the versions
    /// `T` has ([`EncodeErrorKind::UnsupportedVersion`](crate::EncodeErrorKind)): a newer
    /// version prefix in front of an older body would be misread by its readers.
    ///
    /// ```
    /// # #[cfg(feature = "group")] {
    /// use kafka_codec::consumer::Versioned;
    /// use kafka_codec::messages::ConsumerProtocolSubscription;
    /// assert!(Versioned::new(3, ConsumerProtocolSubscription::default()).is_ok());
    /// assert!(Versioned::new(99, ConsumerProtocolSubscription::default()).is_err());
    /// # }
    /// ```
    pub fn new(version: i16, message: T) -> Result<Self, EncodeError> {
        if !T::supports_version(version) {
            return Err(
                EncodeError::new(crate::EncodeErrorKind::UnsupportedVersion {
                    version,
                    min: T::MIN_VERSION,
                    max: T::MAX_VERSION,
                })
                .in_message(T::NAME, version),
            );
        }
        Ok(Versioned {
            version,
            message,
            trailing: Bytes::new(),
        })
    }

    /// The version the body is read and written at.
    pub fn body_version(&self) -> i16 {
        self.version.min(T::MAX_VERSION)
    }

    /// Decodes version prefix and payload.
    pub fn decode(bytes: Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.i16().map_err(|e| e.in_message(T::NAME, -1))?;
        if version < T::MIN_VERSION {
            return Err(
                DecodeError::new(DecodeErrorKind::UnknownPayloadVersion(version), 0)
                    .in_message(T::NAME, version),
            );
        }
        let message = T::decode(&mut r, version.min(T::MAX_VERSION))?;
        // Bytes after a known version are kept too: Kafka's consumer ignores them, and keeping
        // them makes the re-encode exact.
        Ok(Versioned {
            version,
            message,
            trailing: r.rest(),
        })
    }

    /// Encodes version prefix, payload and trailing bytes.
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        let v = self.body_version();
        let mut buf =
            BytesMut::with_capacity(2 + self.message.encoded_len(v) + self.trailing.len());
        buf.put_i16(self.version);
        self.message.encode(&mut buf, v)?;
        buf.put_slice(&self.trailing);
        Ok(buf.freeze())
    }
}

/// A `__consumer_offsets` record key: which kind of record the value is.
#[cfg(all(feature = "group", feature = "offset"))]
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ConsumerOffsetsKey {
    /// Key versions 0 and 1: a committed offset of (group, topic, partition).
    OffsetCommit(Versioned<crate::messages::OffsetCommitKey>),
    /// Key version 2: a group's metadata (members, generation, assignment).
    GroupMetadata(Versioned<crate::messages::GroupMetadataKey>),
    /// Any other key version (e.g. the KIP-848 consumer group records), kept as bytes.
    Other {
        /// The key's version prefix.
        version: i16,
        /// The whole key, version included.
        #[cfg_attr(feature = "serde", serde(with = "crate::support::hex_bytes"))]
        bytes: Bytes,
    },
}

/// A `__consumer_offsets` record value, decoded according to its key. A null value (a
/// tombstone: offset deleted or group removed) is the caller's `None`, not a variant.
#[cfg(all(feature = "group", feature = "offset"))]
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ConsumerOffsetsValue {
    /// The committed offset, metadata and commit timestamp.
    OffsetCommit(Versioned<crate::messages::OffsetCommitValue>),
    /// The group's protocol, generation, leader and members.
    GroupMetadata(Versioned<crate::messages::GroupMetadataValue>),
    /// The value of an [`ConsumerOffsetsKey::Other`] key, kept as bytes.
    Other(#[cfg_attr(feature = "serde", serde(with = "crate::support::hex_bytes"))] Bytes),
}

#[cfg(all(feature = "group", feature = "offset"))]
impl ConsumerOffsetsKey {
    /// Decodes a `__consumer_offsets` record key.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use kafka_codec::consumer::ConsumerOffsetsKey;
    /// // Version 1 key: group "g", topic "t", partition 3.
    /// let key = Bytes::from_static(b"\x00\x01\x00\x01g\x00\x01t\x00\x00\x00\x03");
    /// match ConsumerOffsetsKey::decode(key).unwrap() {
    ///     ConsumerOffsetsKey::OffsetCommit(k) => {
    ///         assert_eq!(k.message.group, "g");
    ///         assert_eq!(k.message.partition, 3);
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn decode(bytes: Bytes) -> Result<Self, DecodeError> {
        let version = Reader::new(bytes.clone()).i16()?;
        Ok(match version {
            0 | 1 => ConsumerOffsetsKey::OffsetCommit(Versioned::decode(bytes)?),
            2 => ConsumerOffsetsKey::GroupMetadata(Versioned::decode(bytes)?),
            _ => ConsumerOffsetsKey::Other { version, bytes },
        })
    }

    /// Encodes the key back to its bytes.
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        match self {
            ConsumerOffsetsKey::OffsetCommit(k) => k.encode(),
            ConsumerOffsetsKey::GroupMetadata(k) => k.encode(),
            ConsumerOffsetsKey::Other { bytes, .. } => Ok(bytes.clone()),
        }
    }

    /// Decodes the value that goes with this key.
    pub fn decode_value(&self, value: Bytes) -> Result<ConsumerOffsetsValue, DecodeError> {
        Ok(match self {
            ConsumerOffsetsKey::OffsetCommit(_) => {
                ConsumerOffsetsValue::OffsetCommit(Versioned::decode(value)?)
            }
            ConsumerOffsetsKey::GroupMetadata(_) => {
                ConsumerOffsetsValue::GroupMetadata(Versioned::decode(value)?)
            }
            ConsumerOffsetsKey::Other { .. } => ConsumerOffsetsValue::Other(value),
        })
    }
}

#[cfg(all(feature = "group", feature = "offset"))]
impl ConsumerOffsetsValue {
    /// Encodes the value back to its bytes.
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        match self {
            ConsumerOffsetsValue::OffsetCommit(v) => v.encode(),
            ConsumerOffsetsValue::GroupMetadata(v) => v.encode(),
            ConsumerOffsetsValue::Other(b) => Ok(b.clone()),
        }
    }
}

/// ListOffsets' special timestamps: what a consumer asks for instead of a real time.
pub mod offset_spec {
    /// The log end offset (`auto.offset.reset=latest`, `seekToEnd`).
    pub const LATEST_TIMESTAMP: i64 = -1;
    /// The log start offset (`auto.offset.reset=earliest`, `seekToBeginning`).
    pub const EARLIEST_TIMESTAMP: i64 = -2;
    /// The offset of the record with the largest timestamp (v7+, KIP-734).
    pub const MAX_TIMESTAMP: i64 = -3;
    /// The earliest offset in the broker's local log (v8+, KIP-405 tiered storage).
    pub const EARLIEST_LOCAL_TIMESTAMP: i64 = -4;
    /// The latest offset already in tiered storage (v9+, KIP-1005).
    pub const LATEST_TIERED_TIMESTAMP: i64 = -5;
    /// The earliest offset pending upload to tiered storage (v11+, KIP-1023).
    pub const EARLIEST_PENDING_UPLOAD_TIMESTAMP: i64 = -6;
}

/// The consumer's `auto.offset.reset`: where to start when no offset is committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AutoOffsetReset {
    /// Start at the log start offset.
    Earliest,
    /// Start at the log end offset.
    Latest,
    /// Fail instead of guessing.
    None,
}

impl AutoOffsetReset {
    /// The ListOffsets timestamp to ask for, or `None` for [`AutoOffsetReset::None`].
    ///
    /// ```
    /// use kafka_codec::consumer::{offset_spec, AutoOffsetReset};
    /// assert_eq!(AutoOffsetReset::Earliest.timestamp(), Some(offset_spec::EARLIEST_TIMESTAMP));
    /// ```
    pub fn timestamp(self) -> Option<i64> {
        match self {
            AutoOffsetReset::Earliest => Some(offset_spec::EARLIEST_TIMESTAMP),
            AutoOffsetReset::Latest => Some(offset_spec::LATEST_TIMESTAMP),
            AutoOffsetReset::None => None,
        }
    }
}

#[cfg(all(test, feature = "group", feature = "offset"))]
mod tests {
    use super::*;
    use crate::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};

    #[test]
    fn newer_subscription_versions_keep_their_extra_bytes() {
        // Version 9 (unknown): read as v3 (topics, user data, owned partitions, generation,
        // rack), then two bytes this crate does not know.
        let mut wire = vec![0u8, 9];
        let v3 = ConsumerProtocolSubscription {
            topics: vec!["a".into()],
            generation_id: 5,
            rack_id: Some("r1".into()),
            ..Default::default()
        };
        wire.extend_from_slice(&v3.to_bytes(3).unwrap());
        wire.extend_from_slice(&[0xab, 0xcd]);
        let wire = Bytes::from(wire);
        let s = Versioned::<ConsumerProtocolSubscription>::decode(wire.clone()).unwrap();
        assert_eq!(s.message, v3);
        assert_eq!(&s.trailing[..], &[0xab, 0xcd]);
        assert_eq!(s.encode().unwrap(), wire);
    }

    #[test]
    fn known_versions_keep_trailing_bytes_and_refuse_unknown_old_ones() {
        let a = Versioned::new(1, ConsumerProtocolAssignment::default()).unwrap();
        assert!(Versioned::new(9, ConsumerProtocolAssignment::default()).is_err());
        let mut wire = a.encode().unwrap().to_vec();
        assert_eq!(
            Versioned::<ConsumerProtocolAssignment>::decode(Bytes::from(wire.clone())).unwrap(),
            a
        );
        // Trailing bytes after a known version: ignored by Kafka's consumer; kept here.
        wire.push(0);
        let wire = Bytes::from(wire);
        let t = Versioned::<ConsumerProtocolAssignment>::decode(wire.clone()).unwrap();
        assert_eq!(t.message, a.message);
        assert_eq!(&t.trailing[..], &[0]);
        assert_eq!(t.encode().unwrap(), wire);
        let e = Versioned::<ConsumerProtocolAssignment>::decode(Bytes::from_static(&[0xff, 0xff]))
            .unwrap_err();
        assert_eq!(e.kind(), &DecodeErrorKind::UnknownPayloadVersion(-1));
    }

    #[test]
    fn consumer_offsets_records() {
        use crate::messages::{OffsetCommitKey, OffsetCommitValue};
        let key = Versioned::new(
            1,
            OffsetCommitKey {
                group: "g".into(),
                topic: "orders".into(),
                partition: 2,
                ..Default::default()
            },
        )
        .unwrap()
        .encode()
        .unwrap();
        let value = Versioned::new(
            3,
            OffsetCommitValue {
                offset: 42,
                leader_epoch: 7,
                metadata: "m".into(),
                commit_timestamp: 1_700_000_000_000,
                ..Default::default()
            },
        )
        .unwrap()
        .encode()
        .unwrap();
        let k = ConsumerOffsetsKey::decode(key.clone()).unwrap();
        assert_eq!(k.encode().unwrap(), key);
        match k.decode_value(value.clone()).unwrap() {
            ConsumerOffsetsValue::OffsetCommit(v) => {
                assert_eq!(v.message.offset, 42);
                assert_eq!(
                    ConsumerOffsetsValue::OffsetCommit(v).encode().unwrap(),
                    value
                );
            }
            other => panic!("{other:?}"),
        }
        let other = Bytes::from_static(&[0, 5, 1, 2]);
        assert!(matches!(
            ConsumerOffsetsKey::decode(other).unwrap(),
            ConsumerOffsetsKey::Other { version: 5, .. }
        ));
    }
}
