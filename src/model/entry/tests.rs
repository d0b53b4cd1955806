//! The classification against Claude Code's own reading, and the sharing of lists.

use super::*;
use serde_json::json;

const NOW: i64 = 1_780_315_200_000;

fn state(v: Value) -> (TokenState, Option<PlaceholderShape>) {
    let e = Entry::from_value("x|0123456789abcdef", &v, NOW);
    (e.token, e.shape)
}

#[test]
fn classifies_like_claude_code() {
    use PlaceholderShape::*;
    use TokenState::*;
    let cases = [
        (
            json!({"accessToken": "a", "expiresAt": NOW + 3_600_000}),
            (Valid, None),
        ),
        (json!({"accessToken": "a"}), (Valid, None)),
        (
            json!({"accessToken": "a", "expiresAt": "soon"}),
            (Valid, None),
        ),
        (
            json!({"accessToken": "a", "expiresAt": NOW - 1}),
            (Expired, None),
        ),
        (
            json!({"accessToken": "a", "refreshToken": "r", "expiresAt": NOW - 1}),
            (Refreshable, None),
        ),
        (
            json!({"accessToken": "a", "refreshToken": "r", "expiresAt": NOW + 100_000}),
            (Refreshable, None),
        ),
        (
            json!({"accessToken": "a", "expiresAt": NOW + 100_000}),
            (Valid, None),
        ),
        (
            json!({"accessToken": "", "refreshToken": "r", "expiresAt": 0}),
            (Refreshable, None),
        ),
        (
            json!({"accessToken": "", "expiresAt": 0, "clientId": "c", "discoveryState": {}}),
            (Placeholder, Some(NeverAuthorised)),
        ),
        (
            json!({"accessToken": "", "expiresAt": 0, "scope": "read", "clientId": "c"}),
            (Placeholder, Some(BlankedAfterFailedRefresh)),
        ),
        (
            json!({"accessToken": "", "refreshToken": "", "expiresAt": 0}),
            (Placeholder, Some(Zeroed)),
        ),
        (
            json!({"accessToken": "", "expiresAt": NOW + 3_600_000}),
            (Placeholder, Some(TornWrite)),
        ),
        (
            json!({"serverName": "x"}),
            (Placeholder, Some(NeverAuthorised)),
        ),
    ];
    for (value, expected) in cases {
        assert_eq!(state(value.clone()), expected, "{value}");
    }
}

#[test]
fn entries_with_the_same_fields_in_the_same_order_share_one_list() {
    let mut lists = FieldLists::default();
    let mut read = |v: Value| Entry::from_value_sharing("x|0123456789abcdef", &v, NOW, &mut lists);
    let a = read(json!({"serverName": "x", "accessToken": "t", "é\"": 1}));
    let b = read(json!({"serverName": "y", "accessToken": "u", "é\"": 2}));
    let reordered = read(json!({"accessToken": "u", "serverName": "y", "é\"": 2}));
    let fewer = read(json!({"serverName": "y", "accessToken": "u"}));
    let not_an_object = read(json!(null));
    assert!(List::ptr_eq(&a.fields, &b.fields));
    assert!(!List::ptr_eq(&a.fields, &reordered.fields));
    assert_eq!(a.field_list(), ["serverName", "accessToken", "é\""]);
    assert_eq!(reordered.field_list(), ["accessToken", "serverName", "é\""]);
    assert_eq!(fewer.field_list(), ["serverName", "accessToken"]);
    assert!(not_an_object.fields.is_empty());
}

#[test]
fn entries_with_the_same_scope_share_one_list() {
    let mut lists = FieldLists::default();
    let mut read = |v: Value| Entry::from_value_sharing("x|0123456789abcdef", &v, NOW, &mut lists);
    let a = read(json!({"scope": "read write read", "stepUpScope": "admin"}));
    let b = read(json!({"scope": "read write read", "stepUpScope": "read write read"}));
    let other = read(json!({"scope": "read  write", "stepUpScope": 1}));
    let (a_scopes, b_scopes) = (a.granted_scopes.unwrap(), b.granted_scopes.unwrap());
    assert_eq!(&*a_scopes, ["read".into(), "write".into()]);
    assert!(List::ptr_eq(&a_scopes, &b_scopes));
    assert!(List::ptr_eq(&a_scopes, b.step_up_scopes.as_ref().unwrap()));
    assert_eq!(a.step_up_scopes.as_deref(), Some(&["admin".into()][..]));
    assert_eq!(other.granted_scopes.as_deref(), Some(&*a_scopes));
    assert!(other.step_up_scopes.is_none());
}

#[test]
fn a_pending_entry_without_a_client_says_registration_failed_only_where_it_can() {
    use crate::model::release::{Assumed, Release, Source};
    let at = |r: Release| Assumed {
        release: r,
        source: Source::Flag,
        why: None,
    };
    let (old, new) = (at(Release(2, 1, 100)), at(Release(2, 1, 332)));
    let entry = |v: Value| Entry::from_value("x|0123456789abcdef", &v, NOW);
    // Discovery saved, no client: 2.1.100 registers on every 401, so DCR failed there.
    let discovered = entry(json!({"accessToken": "", "expiresAt": 0,
        "discoveryState": {"authorizationServerUrl": "https://as"}}));
    assert!(discovered.registration_failed(&old));
    assert!(!discovered.registration_failed(&new), "2.1.332 defers it");
    // A sign-in recorded that the server offers no registration: in any release.
    let not_offered = entry(json!({"accessToken": "", "discoveryState": {
        "authorizationServerUrl": "https://as", "registrationNotOfferedAt": NOW}}));
    assert!(not_offered.registration_failed(&new));
    // With a client, or with a token, registration did not fail.
    let registered = entry(json!({"accessToken": "", "expiresAt": 0, "clientId": "c",
        "discoveryState": {"authorizationServerUrl": "https://as"}}));
    assert!(!registered.registration_failed(&old));
    let signed_in = entry(json!({"accessToken": "a", "expiresAt": NOW + 3_600_000,
        "discoveryState": {"authorizationServerUrl": "https://as", "registrationNotOfferedAt": 1}}));
    assert!(!signed_in.registration_failed(&new));
}
