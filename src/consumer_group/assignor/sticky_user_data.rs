//! The user data the sticky assignors put in their subscriptions.
//!
//! `sticky` (eager) remembers the member's last assignment itself, because consumer protocol
//! v0 had no `owned_partitions`:
//!
//! ```text
//! version 0: previous_assignment: [topic: string, partitions: [int32]]
//! version 1: previous_assignment: [topic: string, partitions: [int32]], generation: int32
//! ```
//!
//! (classic non-flexible encoding: int32 array lengths, int16 string lengths, no version
//! prefix; a reader tries version 1 first and falls back to version 0.)
//!
//! `cooperative-sticky` sends only `generation: int32`, for brokers and peers that drop the
//! v2 `generation_id` field.

use bytes::{BufMut, Bytes, BytesMut};

use super::TopicPartition;

/// What the sticky assignor's user data says about the member's previous round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StickyMemberData {
    /// The partitions the member was assigned, in encoded order.
    pub partitions: Vec<TopicPartition>,
    /// The generation they were assigned in; `None` for version 0 data or no data.
    pub generation: Option<i32>,
}

/// Encodes `sticky` user data (version 1 when `generation` is set, else version 0).
/// Partitions are grouped by topic in order of first appearance (Java's order is that of a
/// hash map; readers do not depend on it).
pub fn encode_sticky(partitions: &[TopicPartition], generation: Option<i32>) -> Bytes {
    let mut topics: Vec<(&str, Vec<i32>)> = Vec::new();
    for tp in partitions {
        match topics.iter_mut().find(|(t, _)| *t == tp.topic) {
            Some((_, ps)) => ps.push(tp.partition),
            None => topics.push((&tp.topic, vec![tp.partition])),
        }
    }
    let mut buf = BytesMut::new();
    buf.put_i32(topics.len() as i32);
    for (topic, parts) in &topics {
        buf.put_i16(topic.len() as i16);
        buf.put_slice(topic.as_bytes());
        buf.put_i32(parts.len() as i32);
        for p in parts {
            buf.put_i32(*p);
        }
    }
    if let Some(g) = generation {
        buf.put_i32(g);
    }
    buf.freeze()
}

/// Decodes `sticky` user data the way Java's `StickyAssignor` does: absent or empty data
/// means no previous assignment and no generation; data that parses as neither version
/// means no partitions at generation -1. Never fails, never allocates beyond the input.
pub fn decode_sticky(user_data: Option<&[u8]>) -> StickyMemberData {
    let Some(data) = user_data.filter(|d| !d.is_empty()) else {
        return StickyMemberData::default();
    };
    let mut r = Cursor { buf: data, pos: 0 };
    if let Some(partitions) = read_assignment(&mut r) {
        if let Some(g) = r.i32() {
            return StickyMemberData {
                partitions,
                generation: Some(g),
            };
        }
        return StickyMemberData {
            partitions,
            generation: None,
        };
    }
    StickyMemberData {
        partitions: Vec::new(),
        generation: Some(-1),
    }
}

/// Encodes `cooperative-sticky` user data: the generation alone.
pub fn encode_cooperative(generation: i32) -> Bytes {
    Bytes::copy_from_slice(&generation.to_be_bytes())
}

/// Decodes `cooperative-sticky` user data as Java does: `None` without data, `Some(-1)` when
/// shorter than four bytes, else the generation.
pub fn decode_cooperative(user_data: Option<&[u8]>) -> Option<i32> {
    let data = user_data?;
    let mut r = Cursor { buf: data, pos: 0 };
    Some(r.i32().unwrap_or(-1))
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn i32(&mut self) -> Option<i32> {
        let b = self.take(4)?;
        Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i16(&mut self) -> Option<i16> {
        let b = self.take(2)?;
        Some(i16::from_be_bytes([b[0], b[1]]))
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
}

fn read_assignment(r: &mut Cursor<'_>) -> Option<Vec<TopicPartition>> {
    let topics = usize::try_from(r.i32()?).ok()?;
    // Each topic takes at least 6 bytes, so a count beyond that is malformed.
    if topics > r.remaining() / 6 {
        return None;
    }
    let mut out = Vec::new();
    for _ in 0..topics {
        let len = usize::try_from(r.i16()?).ok()?;
        let topic = std::str::from_utf8(r.take(len)?).ok()?.to_owned();
        let n = usize::try_from(r.i32()?).ok()?;
        if n > r.remaining() / 4 {
            return None;
        }
        out.reserve(n);
        for _ in 0..n {
            out.push(TopicPartition::new(topic.clone(), r.i32()?));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sticky_round_trip_v1_and_v0() {
        let parts = vec![
            TopicPartition::new("t1", 0),
            TopicPartition::new("t2", 1),
            TopicPartition::new("t1", 2),
        ];
        let v1 = encode_sticky(&parts, Some(7));
        // [2 topics] t1: [0, 2], t2: [1], generation 7
        let expect: &[u8] = b"\x00\x00\x00\x02\x00\x02t1\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x02\x00\x02t2\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x07";
        assert_eq!(&v1[..], expect);
        let d = decode_sticky(Some(&v1));
        assert_eq!(d.generation, Some(7));
        assert_eq!(
            d.partitions,
            vec![
                TopicPartition::new("t1", 0),
                TopicPartition::new("t1", 2),
                TopicPartition::new("t2", 1)
            ]
        );
        let v0 = encode_sticky(&parts, None);
        assert_eq!(v0.len(), v1.len() - 4);
        let d = decode_sticky(Some(&v0));
        assert_eq!(d.generation, None);
        assert_eq!(d.partitions.len(), 3);
    }

    #[test]
    fn sticky_bad_data_is_generation_minus_one() {
        assert_eq!(decode_sticky(None), StickyMemberData::default());
        assert_eq!(decode_sticky(Some(b"")), StickyMemberData::default());
        let bad = decode_sticky(Some(b"\x7f\xff\xff\xff"));
        assert_eq!(bad.generation, Some(-1));
        assert!(bad.partitions.is_empty());
        let bad = decode_sticky(Some(b"\x00\x00\x00\x01\x00\x05ab"));
        assert_eq!(bad.generation, Some(-1));
    }

    #[test]
    fn cooperative_generation() {
        assert_eq!(decode_cooperative(Some(&encode_cooperative(5))), Some(5));
        assert_eq!(decode_cooperative(Some(b"\x00")), Some(-1));
        assert_eq!(decode_cooperative(None), None);
    }
}
