//! Any bytes as an `If-Match` value or an ETag: parsing never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_version::{Precondition, ScimVersion};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Precondition::parse(text);
    if let Ok(version) = ScimVersion::parse_http_header(text) {
        let again = ScimVersion::parse_http_header(&version.to_http_header()).unwrap();
        assert_eq!(again, version);
    }
});
