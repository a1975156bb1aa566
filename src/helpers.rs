//! Small conveniences on types defined elsewhere (generated messages, fetch and record types):
//! what most users of those types end up writing themselves.

use bytes::Bytes;

use crate::records::{slice_of, LogicalRecord};

impl LogicalRecord<'_> {
    /// The key as [`Bytes`] sharing `owner` (the buffer the record was read from: the records
    /// field, or the decompressed buffer of a compressed batch). `None` when the key is null or
    /// `owner` does not hold it.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use kafka_codec::records::{for_each_record, NewRecord, RecordBatchBuilder, RecordOptions};
    ///
    /// let mut b = RecordBatchBuilder::new(0);
    /// b.push(NewRecord::new(1).key(b"user-7").value(b"clicked"));
    /// let records: Bytes = b.build().unwrap();
    /// let mut keys = Vec::new();
    /// for_each_record(&records, &RecordOptions::default(), |r| {
    ///     keys.push(r.key_bytes(&records).unwrap()); // no copy: shares `records`
    /// })
    /// .unwrap();
    /// assert_eq!(keys, [Bytes::from_static(b"user-7")]);
    /// ```
    pub fn key_bytes(&self, owner: &Bytes) -> Option<Bytes> {
        self.key.and_then(|k| slice_of(owner, k))
    }

    /// The value as [`Bytes`] sharing `owner`; see [`key_bytes`](Self::key_bytes).
    pub fn value_bytes(&self, owner: &Bytes) -> Option<Bytes> {
        self.value.and_then(|v| slice_of(owner, v))
    }
}

#[cfg(feature = "fetch")]
mod fetch_helpers {
    use std::collections::HashMap;
    use std::fmt;
    use std::hash::{Hash, Hasher};

    use crate::fetch::TopicRef;
    use crate::messages::fetch_request::FetchPartition;
    use crate::messages::FetchRequest;
    use crate::Uuid;

    impl fmt::Display for TopicRef<'_> {
        /// The name when there is one, else the id, else `?`.
        ///
        /// ```
        /// use kafka_codec::fetch::TopicRef;
        /// use kafka_codec::Uuid;
        /// let by_name = TopicRef { name: Some("orders"), id: None };
        /// assert_eq!(by_name.to_string(), "orders");
        /// let by_id = TopicRef { name: None, id: Some(Uuid([0xab; 16])) };
        /// assert_eq!(by_id.to_string(), "abababab-abab-abab-abab-abababababab");
        /// ```
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match (self.name, self.id) {
                (Some(name), _) => f.write_str(name),
                (None, Some(id)) => write!(f, "{id}"),
                (None, None) => f.write_str("?"),
            }
        }
    }

    impl Hash for TopicRef<'_> {
        fn hash<H: Hasher>(&self, state: &mut H) {
            self.name.hash(state);
            self.id.hash(state);
        }
    }

    impl<'a> TopicRef<'a> {
        /// The topic's name: its own, or looked up by id in `names` (e.g. from
        /// [`MetadataResponse::topic_names`](crate::messages::MetadataResponse::topic_names),
        /// since Fetch v13+ names topics by id only).
        ///
        /// ```
        /// use std::collections::HashMap;
        /// use kafka_codec::fetch::TopicRef;
        /// use kafka_codec::Uuid;
        /// let names = HashMap::from([(Uuid([1; 16]), "orders")]);
        /// let t = TopicRef { name: None, id: Some(Uuid([1; 16])) };
        /// assert_eq!(t.name_in(&names), Some("orders"));
        /// ```
        pub fn name_in(&self, names: &HashMap<Uuid, &'a str>) -> Option<&'a str> {
            self.name
                .or_else(|| self.id.and_then(|id| names.get(&id).copied()))
        }
    }

    impl FetchRequest {
        /// Every partition the request asks for, with the topic it belongs to (by name up to
        /// v12, by id from v13), in wire order.
        ///
        /// ```
        /// use kafka_codec::messages::fetch_request::{FetchPartition, FetchTopic};
        /// use kafka_codec::messages::FetchRequest;
        ///
        /// let mut p = FetchPartition::default();
        /// p.partition = 3;
        /// p.fetch_offset = 42;
        /// let mut t = FetchTopic::default();
        /// t.topic = "orders".into();
        /// t.partitions = vec![p];
        /// let mut req = FetchRequest::default();
        /// req.topics = vec![t];
        ///
        /// let asked: Vec<_> = req
        ///     .partitions()
        ///     .map(|(topic, p)| (topic.to_string(), p.partition, p.fetch_offset))
        ///     .collect();
        /// assert_eq!(asked, [("orders".to_string(), 3, 42)]);
        /// ```
        pub fn partitions(&self) -> impl Iterator<Item = (TopicRef<'_>, &FetchPartition)> {
            self.topics.iter().flat_map(|t| {
                let topic = TopicRef {
                    name: t.topic.to_str().ok().filter(|n| !n.is_empty()),
                    id: (!t.topic_id.is_nil()).then_some(t.topic_id),
                };
                t.partitions.iter().map(move |p| (topic, p))
            })
        }
    }
}

#[cfg(feature = "metadata")]
mod metadata_helpers {
    use std::collections::HashMap;

    use crate::messages::MetadataResponse;
    use crate::Uuid;

    impl MetadataResponse {
        /// Topic id → name for every topic the response names with both (v10+; older versions
        /// carry no ids). Fetch v13+ requests and responses name topics by id only: this is
        /// the table to read them with. A name whose bytes are not UTF-8 (which no legal topic
        /// name is) is left out, as if the topic had no name.
        ///
        /// ```
        /// use kafka_codec::messages::metadata_response::MetadataResponseTopic;
        /// use kafka_codec::messages::MetadataResponse;
        /// use kafka_codec::Uuid;
        ///
        /// let mut topic = MetadataResponseTopic::default();
        /// topic.name = Some("orders".into());
        /// topic.topic_id = Uuid([7; 16]);
        /// let mut md = MetadataResponse::default();
        /// md.topics = vec![topic];
        ///
        /// assert_eq!(md.topic_names()[&Uuid([7; 16])], "orders");
        /// assert_eq!(md.topic_name(Uuid([7; 16])), Some("orders"));
        /// assert_eq!(md.topic_name(Uuid([8; 16])), None);
        /// ```
        pub fn topic_names(&self) -> HashMap<Uuid, &str> {
            self.topics
                .iter()
                .filter(|t| !t.topic_id.is_nil())
                .filter_map(|t| Some((t.topic_id, t.name.as_ref()?.to_str().ok()?)))
                .collect()
        }

        /// The name of the topic with `id`, if the response has it.
        pub fn topic_name(&self, id: Uuid) -> Option<&str> {
            self.topics
                .iter()
                .find(|t| t.topic_id == id && !id.is_nil())
                .and_then(|t| t.name.as_ref()?.to_str().ok())
        }
    }
}
