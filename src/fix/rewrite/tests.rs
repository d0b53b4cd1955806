use super::*;
use serde_json::json;

fn mv(text: &str, from: &str, to: &str, url: &str) -> String {
    let set = [("serverUrl", Value::from(url))];
    let out = move_member(text.as_bytes(), &["m"], from, to, &set)
        .unwrap()
        .unwrap();
    let before: Value = serde_json::from_str(text).unwrap();
    let got: Value = serde_json::from_slice(&out).unwrap();
    assert!(
        edit::same_json(&got, &expected_move(&before, &["m"], from, to, &set)),
        "{}",
        String::from_utf8_lossy(&out)
    );
    String::from_utf8(out).unwrap()
}

#[test]
fn moves_in_place_and_sets_the_url_keeping_every_other_byte() {
    let t = r#"{"m":{"a|1":{"serverUrl":"https://h/mcp","accessToken":"x","n":1e3},"b|2":{"accessToken":""}},"z":"\u00e9"}"#;
    assert_eq!(
        mv(t, "a|1", "b|2", "https://h/v2/mcp"),
        r#"{"m":{"b|2":{"serverUrl":"https://h/v2/mcp","accessToken":"x","n":1e3}},"z":"\u00e9"}"#
    );
    // No member under the new key yet, and no serverUrl: added last, in the entry's style.
    let t = "{\n  \"m\": {\n    \"x\": 1,\n    \"a|1\": {\n      \"t\": \"y\"\n    }\n  }\n}";
    assert_eq!(
        mv(t, "a|1", "c|3", "https://h/"),
        "{\n  \"m\": {\n    \"x\": 1,\n    \"c|3\": {\n      \"t\": \"y\",\n      \"serverUrl\": \"https://h/\"\n    }\n  }\n}"
    );
    // The placeholder before the moved entry goes; order of the rest is kept.
    let t = r#"{"m":{"b|2":{},"k":0,"a|1":{"serverUrl":"u"}}}"#;
    assert_eq!(
        mv(t, "a|1", "b|2", "v"),
        r#"{"m":{"k":0,"b|2":{"serverUrl":"v"}}}"#
    );
}

#[test]
fn an_escaped_key_is_found_and_replaced_whole() {
    let t = r#"{"m":{"a\"q|1":{"serverUrl":"u\\v"}}}"#;
    assert_eq!(
        mv(t, "a\"q|1", "a|2", "w"),
        r#"{"m":{"a|2":{"serverUrl":"w"}}}"#
    );
}

#[test]
fn refuses_duplicates_and_broken_json_and_reports_a_missing_member() {
    let set = [("serverUrl", Value::from("u"))];
    let dup = br#"{"m":{"a|1":{},"a|1":{}}}"#;
    assert!(move_member(dup, &["m"], "a|1", "b|2", &set).is_err());
    let dup_target = br#"{"m":{"a|1":{},"b|2":{},"b|2":{}}}"#;
    assert!(move_member(dup_target, &["m"], "a|1", "b|2", &set).is_err());
    assert!(move_member(b"{\"m\":{\"a|1\":{},}}", &["m"], "a|1", "b|2", &set).is_err());
    assert!(move_member(b"\xEF\xBB\xBF{\"m\":{}}", &["m"], "a|1", "b|2", &set).is_err());
    assert!(
        move_member(br#"{"m":{"x":{}}}"#, &["m"], "a|1", "b|2", &set)
            .unwrap()
            .is_none()
    );
}

#[test]
fn expected_move_of_a_missing_member_changes_nothing() {
    let v = json!({"m": {"x": 1}});
    assert_eq!(expected_move(&v, &["m"], "a", "b", &[]), v);
}

#[test]
fn only_the_three_bom_bytes_go() {
    assert_eq!(
        without_bom(b"\xEF\xBB\xBF{\"a\":1}\n"),
        Some(&b"{\"a\":1}\n"[..])
    );
    assert_eq!(without_bom(b"{}"), None);
    assert_eq!(without_bom(b"\xEF\xBB"), None);
}
