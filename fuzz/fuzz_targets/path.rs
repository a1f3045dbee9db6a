//! Any bytes as an attribute path, a PATCH path and an attribute list: parsing never
//! panics, and a parsed path prints to text that parses to the same path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_schema::{AttributePath, PatchPath, parse_attribute_list};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(path) = AttributePath::parse(text) {
        let printed = path.to_string();
        assert_eq!(
            AttributePath::parse(&printed).as_ref(),
            Ok(&path),
            "{printed}"
        );
    }
    if let Ok(path) = PatchPath::parse(text) {
        let printed = path.to_string();
        assert_eq!(PatchPath::parse(&printed).as_ref(), Ok(&path), "{printed}");
    }
    let _ = parse_attribute_list(text);
});
