pub mod api_keys {
    use crate::api_key::{ApiInfo, ApiKey};
    pub static API_INFO: &[ApiInfo] = &[];
    impl ApiKey {
        pub const FETCH: ApiKey = ApiKey(1);
        pub const CONTROLLED_SHUTDOWN: ApiKey = ApiKey(7);
        pub const API_VERSIONS: ApiKey = ApiKey(18);
    }
}
