//! API keys as an open enum: every `i16` is representable, known keys have names.

use std::fmt;

/// An API key: the first field of every request header. Open, so keys this crate does not know
/// survive a round trip; named constants for the ones Kafka defines live in
/// [`crate::generated::api_keys`] and are re-exported here.
///
/// ```
/// use kafka_codec::ApiKey;
/// assert_eq!(ApiKey::FETCH.0, 1);
/// assert_eq!(ApiKey(1).name(), Some("Fetch"));
/// assert_eq!(ApiKey(9999).name(), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(any(test, feature = "arbitrary"), derive(arbitrary::Arbitrary))]
pub struct ApiKey(pub i16);

impl ApiKey {
    /// The API's name (e.g. `"OffsetCommit"`), if the key is one Kafka defines.
    pub fn name(self) -> Option<&'static str> {
        self.info().map(|i| i.name)
    }

    /// What this crate knows of the API: name, versions, first flexible version.
    pub fn info(self) -> Option<&'static ApiInfo> {
        crate::generated::api_keys::API_INFO
            .binary_search_by_key(&self.0, |i| i.key)
            .ok()
            .map(|i| &crate::generated::api_keys::API_INFO[i])
    }

    /// The cargo feature of this crate that compiles the API's messages, when it has them
    /// behind one (`None` for APIs always compiled, such as ApiVersions, and for APIs this crate
    /// has no messages for). Holds whether or not the feature is on in this build.
    ///
    /// ```
    /// use kafka_codec::ApiKey;
    /// assert_eq!(ApiKey::METADATA.feature(), Some("metadata"));
    /// assert_eq!(ApiKey::API_VERSIONS.feature(), None);
    /// ```
    pub fn feature(self) -> Option<&'static str> {
        crate::generated::bodies::api_family(self.0).filter(|f| *f != "core")
    }

    /// Whether this build decodes the API's bodies, and if not, why not.
    ///
    /// ```
    /// use kafka_codec::api_key::ApiSupport;
    /// use kafka_codec::ApiKey;
    /// assert_eq!(ApiKey::API_VERSIONS.support(), ApiSupport::Decoded);
    /// assert_eq!(ApiKey(9999).support(), ApiSupport::NotImplemented);
    /// // With `default-features = false` this would be `FeatureDisabled("metadata")`.
    /// # #[cfg(feature = "metadata")]
    /// assert_eq!(ApiKey::METADATA.support(), ApiSupport::Decoded);
    /// ```
    pub fn support(self) -> ApiSupport {
        match crate::generated::bodies::api_family(self.0) {
            None => ApiSupport::NotImplemented,
            Some(_)
                if self.info().is_some_and(|i| {
                    (i.min_version..=i.max_version)
                        .any(|v| crate::RequestBody::is_supported(self, v))
                }) =>
            {
                ApiSupport::Decoded
            }
            Some(f) => ApiSupport::FeatureDisabled(f),
        }
    }

    /// The request header version a request of `version` uses: 2 for flexible versions, 1
    /// otherwise, and 0 for ControlledShutdown v0. An unknown API above the highest key this
    /// crate knows is assumed flexible (2): every API Kafka added since flexible versions
    /// exist (KIP-482) is flexible from its first version. Other unknown keys use 1.
    pub fn request_header_version(self, version: i16) -> i16 {
        if self == ApiKey::CONTROLLED_SHUTDOWN && version == 0 {
            return 0;
        }
        match self.info() {
            Some(i) if i.is_flexible(version) => 2,
            None if self.is_above_known() => 2,
            _ => 1,
        }
    }

    /// Whether the key is above every key this crate knows (an API newer than its schemas).
    fn is_above_known(self) -> bool {
        crate::generated::api_keys::API_INFO
            .last()
            .is_some_and(|i| self.0 > i.key)
    }

    /// The response header version a response of `version` uses: 1 for flexible versions, 0
    /// otherwise — except ApiVersions, whose responses always use 0 so any client can read them.
    /// Unknown APIs above the highest known key are assumed flexible (1), as for requests.
    pub fn response_header_version(self, version: i16) -> i16 {
        if self == ApiKey::API_VERSIONS {
            return 0;
        }
        match self.info() {
            Some(i) if i.is_flexible(version) => 1,
            None if self.is_above_known() => 1,
            _ => 0,
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}({})", self.0),
            None => write!(f, "ApiKey({})", self.0),
        }
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "ApiKey({})", self.0),
        }
    }
}

/// Facts about one API, from Kafka's message definitions (every API, not only those this crate
/// decodes, so that headers of any request can be read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiInfo {
    /// The API key.
    pub key: i16,
    /// The API name.
    pub name: &'static str,
    /// Lowest version.
    pub min_version: i16,
    /// Highest version.
    pub max_version: i16,
    /// First flexible version, if any.
    pub first_flexible_version: Option<i16>,
}

impl ApiInfo {
    /// Whether `version` is flexible (header v2 requests, v1 responses).
    pub fn is_flexible(&self, version: i16) -> bool {
        matches!(self.first_flexible_version, Some(f) if version >= f)
    }
}

/// Whether a build of this crate decodes an API's bodies (see [`ApiKey::support`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiSupport {
    /// The API's messages are compiled in: its bodies decode (at the versions they support).
    Decoded,
    /// The API's messages exist but are behind this cargo feature, which is off: its bodies
    /// stay raw. Enable the feature on `kafka-codec` to decode them.
    FeatureDisabled(&'static str),
    /// This crate has no messages for the API (a key Kafka does not define, or an API the
    /// crate does not cover yet): its bodies stay raw whatever the features.
    NotImplemented,
}

impl fmt::Display for ApiSupport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiSupport::Decoded => f.write_str("decoded by this build"),
            ApiSupport::FeatureDisabled(feature) => write!(
                f,
                "not decoded by this build: enable the cargo feature `{feature}` of kafka-codec"
            ),
            ApiSupport::NotImplemented => f.write_str("not implemented by kafka-codec"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_named_for_every_family() {
        assert_eq!(ApiKey::METADATA.feature(), Some("metadata"));
        assert_eq!(ApiKey(19).feature(), Some("admin")); // CreateTopics
        assert_eq!(ApiKey(52).feature(), Some("kraft")); // Vote
        assert_eq!(ApiKey::API_VERSIONS.feature(), None);
        assert_eq!(ApiKey::API_VERSIONS.support(), ApiSupport::Decoded);
        assert_eq!(ApiKey(-1).support(), ApiSupport::NotImplemented);
        let vote = ApiKey(52).support();
        if cfg!(feature = "kraft") {
            assert_eq!(vote, ApiSupport::Decoded);
        } else {
            assert_eq!(vote, ApiSupport::FeatureDisabled("kraft"));
            assert!(vote
                .to_string()
                .contains("enable the cargo feature `kraft`"));
        }
        // Every API Kafka defines has messages here, behind some feature or always.
        for info in crate::generated::api_keys::API_INFO {
            assert_ne!(
                ApiKey(info.key).support(),
                ApiSupport::NotImplemented,
                "{}",
                info.name
            );
        }
    }
}
