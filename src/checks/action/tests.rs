use super::*;

#[test]
fn a_moved_url_is_shown_redacted_but_kept_whole_for_the_write() {
    let kind = ActionKind::MoveEntry {
        from: "a|1".into(),
        to: "a|2".into(),
        server_url: "https://u:CANARY-pw@h.example/mcp?api_key=CANARY-k".into(),
    };
    let shown = serde_json::to_string(&kind).unwrap();
    assert!(!shown.contains("CANARY"), "{shown}");
    assert!(shown.contains("h.example/mcp"), "{shown}");
    let ActionKind::MoveEntry { server_url, .. } = &kind else {
        unreachable!()
    };
    assert!(server_url.contains("CANARY-pw"));
}

#[test]
fn the_json_keeps_the_shape_of_the_former_string_fields() {
    let a = Action::remove_entry(Path::new("/h/.claude/.credentials.json"), "a/b~|1", false);
    let shown = serde_json::to_string(&a).unwrap();
    assert_eq!(
        shown,
        r#"{"kind":"remove-entry","key":"a/b~|1","file":"/h/.claude/.credentials.json","pointer":"/mcpOAuth/a~1b~0|1","safe":false,"summary":"remove mcpOAuth entry \"a/b~|1\"","note":"it holds a usable token: it is backed up first, and `mcp-auth-doctor restore --latest` brings it back"}"#
    );
    let c = Action::chmod(Role::Credentials, Path::new("/t"), 0o600, "chmod".into());
    let shown = serde_json::to_string(&c).unwrap();
    assert_eq!(
        shown,
        r#"{"kind":"chmod","mode":"0600","file":"/t","safe":true,"summary":"chmod"}"#
    );
    let m = Action::remove_marker(Path::new("/c"), "x/y").only_when_asked("why");
    assert_eq!(m.kind.pointer().as_deref(), Some("/x~1y"));
    assert!(
        serde_json::to_string(&m)
            .unwrap()
            .contains(r#""ask_only":true"#)
    );
}

#[test]
fn summaries_made_from_the_kind_read_as_the_written_ones_did() {
    let p = Path::new("/h/f");
    let cases = [
        (
            Action::remove_entry(p, "a\"b|1", true),
            "remove mcpOAuth entry \"a\"b|1\"",
        ),
        (
            Action::remove_marker(p, "x"),
            "remove needs-auth marker \"x\"",
        ),
        (
            Action::remove_client_config(p, "c|2"),
            "remove mcpOAuthClientConfig entry \"c|2\"",
        ),
        (
            Action::remove_mcp_remote_files(
                p,
                "mcp-remote-0.1.37",
                vec!["h_tokens.json".into()],
                true,
            ),
            "remove 1 mcp-remote file of one server from mcp-remote-0.1.37",
        ),
        (
            Action::remove_mcp_remote_files(p, "v", vec!["a".into(), "b".into()], false),
            "remove 2 mcp-remote files of one server from v",
        ),
        (
            Action::chmod(Role::Credentials, p, 0o600, "given".into()),
            "given",
        ),
    ];
    for (action, want) in cases {
        assert_eq!(action.summary(), want);
        let shown = serde_json::to_value(&action).unwrap();
        assert_eq!(shown["summary"], want);
    }
}

/// The JSON's pointer, file and summary, joined without `fmt` when they can be, are the
/// texts `Display` and [`Action::summary`] give, for keys with and without characters to
/// escape, longer than the stack buffer, and paths that are not UTF-8.
#[test]
#[cfg(unix)]
fn the_json_texts_are_the_displayed_ones() {
    use std::os::unix::ffi::OsStrExt;
    let long = "k".repeat(300);
    let paths = [
        Path::new("/h/f"),
        Path::new(std::ffi::OsStr::from_bytes(b"/\xff/x")),
    ];
    for key in ["a|1", "a/b|1", "~x", "é→|2", "", &long, &long[..250]] {
        for path in paths {
            for a in [
                Action::remove_entry(path, key, true),
                Action::remove_marker(path, key),
                Action::remove_client_config(path, key),
            ] {
                let shown = serde_json::to_value(&a).unwrap();
                assert_eq!(shown["pointer"], a.kind.pointer().unwrap(), "{key}");
                assert_eq!(shown["file"], path.display().to_string());
                assert_eq!(shown["summary"], *a.summary());
            }
        }
    }
}

#[test]
fn actions_on_one_file_share_its_path() {
    let a = Action::remove_entry(Path::new("/h/.credentials.json"), "a|1", true);
    let other = Action::remove_marker(Path::new("/h/cache.json"), "a");
    let b = Action::remove_entry(&PathBuf::from("/h/.credentials.json"), "b|1", true);
    assert!(Arc::ptr_eq(&a.path.0, &b.path.0));
    assert!(!Arc::ptr_eq(&a.path.0, &other.path.0));
    assert_eq!(b.path, Path::new("/h/.credentials.json"));
}

#[test]
#[cfg(unix)]
fn a_path_that_is_not_utf8_stays_whole() {
    use std::os::unix::ffi::OsStrExt;
    let raw = std::ffi::OsStr::from_bytes(b"/h/\xff/.credentials.json");
    let a = Action::remove_entry(Path::new(raw), "k|1", true);
    assert_eq!(a.path.as_os_str().as_bytes(), raw.as_bytes());
}

/// The JSON shape an action had when its kind was flattened into it by serde: the reference
/// for the members written one by one.
#[derive(Serialize)]
struct FlattenedAction<'a> {
    #[serde(flatten)]
    kind: &'a ActionKind,
    file: Shown<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<Pointer<'a>>,
    safe: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ask_only: bool,
    summary: SummaryShown<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

fn flattened(a: &Action) -> FlattenedAction<'_> {
    FlattenedAction {
        kind: &a.kind,
        file: Shown(&a.path),
        pointer: a.kind.pointer_shown(),
        safe: a.safe,
        ask_only: a.ask_only,
        summary: SummaryShown(a),
        note: a.note.as_deref(),
    }
}

#[test]
fn every_kind_of_action_serialises_as_its_flattened_form() {
    let p = Path::new("/h/.claude/.credentials.json");
    let actions = [
        Action::remove_entry(p, "a/b~|1", false),
        Action::remove_entry(p, "a|2", true).only_when_asked("a \"why\""),
        Action::remove_marker(p, "x/y"),
        Action::remove_client_config(p, "c|3"),
        Action::chmod(Role::Credentials, p, 0o600, "chmod".into()),
        Action::move_entry(
            p,
            "b|1",
            "b|2",
            "https://u:CANARY-pw@h.example/s/abc/mcp?k=v",
            "move".into(),
        )
        .with_note("moved"),
        Action::new(Role::Credentials, p, ActionKind::RemoveBom, "bom".into()),
        Action::new(
            Role::NeedsAuthCache,
            p,
            ActionKind::ReplaceWithEmptyObject,
            "empty".into(),
        ),
        Action::remove_mcp_remote_files(p, "mcp-remote-0.1", vec!["a_tokens.json".into()], true),
        Action::remove_mcp_remote_files(p, "f", vec![], false),
    ];
    for a in &actions {
        let want = serde_json::to_string_pretty(&flattened(a)).unwrap();
        assert_eq!(serde_json::to_string_pretty(a).unwrap(), want);
        assert_eq!(
            crate::render::json::to_string(a),
            crate::render::json::to_string(&flattened(a))
        );
        assert_eq!(
            serde_json::to_string(a).unwrap(),
            serde_json::to_string(&flattened(a)).unwrap()
        );
    }
    // Each kind once at least: a kind added to ActionKind needs a case here.
    let kinds: std::collections::HashSet<_> = actions
        .iter()
        .map(|a| std::mem::discriminant(&a.kind))
        .collect();
    assert_eq!(kinds.len(), 8);
}
