use super::*;

fn env(vars: &[(&str, &str)]) -> Environment {
    Environment {
        home: Some(PathBuf::from("/home/u")),
        cwd: PathBuf::from("/home/u/code/app"),
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        user: None,
        home_from: HomeSource::Variable,
    }
}

#[test]
fn rules_never_contradict_the_environment() {
    let flags = Overrides {
        home: Some(PathBuf::from("/fixture")),
        ..Overrides::default()
    };
    let l = Locations::resolve(&env(&[("CLAUDE_CONFIG_DIR", "/p/work")]), &flags).unwrap();
    assert!(
        !l.config_dir.rule.contains("not set"),
        "{}",
        l.config_dir.rule
    );
    assert!(
        l.config_dir.rule.contains("ignored"),
        "{}",
        l.config_dir.rule
    );
    let unset = Environment {
        home_from: HomeSource::UserDatabase,
        ..env(&[])
    };
    let l = Locations::resolve(&unset, &Overrides::default()).unwrap();
    assert!(l.home.rule.contains("user database"), "{}", l.home.rule);
    assert!(l.home.rule.contains("not set"), "{}", l.home.rule);
}

#[test]
fn defaults_follow_claude_code() {
    let l = Locations::resolve(&env(&[]), &Overrides::default()).unwrap();
    assert_eq!(l.config_dir.path, PathBuf::from("/home/u/.claude"));
    assert_eq!(l.global_config.path, PathBuf::from("/home/u/.claude.json"));
    assert_eq!(
        l.credentials.path,
        PathBuf::from("/home/u/.claude/.credentials.json")
    );
    assert_eq!(
        l.needs_auth_cache.path,
        PathBuf::from("/home/u/.claude/mcp-needs-auth-cache.json")
    );
}

#[test]
fn claude_config_dir_moves_everything_inside_it() {
    let l = Locations::resolve(
        &env(&[("CLAUDE_CONFIG_DIR", "/p/work")]),
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(l.global_config.path, PathBuf::from("/p/work/.claude.json"));
    assert_eq!(
        l.credentials.path,
        PathBuf::from("/p/work/.credentials.json")
    );
    assert_eq!(
        l.needs_auth_cache.path,
        PathBuf::from("/p/work/mcp-needs-auth-cache.json")
    );
}

#[test]
fn secure_storage_dir_moves_only_credentials() {
    let l = Locations::resolve(
        &env(&[("CLAUDE_SECURESTORAGE_CONFIG_DIR", "/s")]),
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(l.credentials.path, PathBuf::from("/s/.credentials.json"));
    assert_eq!(
        l.needs_auth_cache.path,
        PathBuf::from("/home/u/.claude/mcp-needs-auth-cache.json")
    );
}

/// #78988: `CLAUDE_CONFIG_DIR=~/.claude-work` set where no shell expands it makes Claude
/// Code keep everything in `<folder>/~/.claude-work`; the folder is `--project` or the
/// working directory.
#[test]
fn a_literal_tilde_is_a_folder_named_tilde_in_the_folder_checked() {
    let l = Locations::resolve(
        &env(&[
            ("CLAUDE_CONFIG_DIR", "~/.claude-work"),
            ("CLAUDE_SECURESTORAGE_CONFIG_DIR", "~/secure"),
        ]),
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(
        l.global_config.path,
        PathBuf::from("/home/u/code/app/~/.claude-work/.claude.json")
    );
    assert_eq!(
        l.credentials.path,
        PathBuf::from("/home/u/code/app/~/secure/.credentials.json")
    );
    assert!(
        l.config_dir.rule.contains("does not expand ~"),
        "{}",
        l.config_dir.rule
    );
    assert_eq!(l.literal_tilde.len(), 2);
    let flags = Overrides {
        project: Some(PathBuf::from("/srv/p")),
        ..Overrides::default()
    };
    let l = Locations::resolve(&env(&[("CLAUDE_CONFIG_DIR", "~")]), &flags).unwrap();
    assert_eq!(l.config_dir.path, PathBuf::from("/srv/p/~"));
    // Absolute values are not touched, and are no literal tilde.
    let l = Locations::resolve(&env(&[("CLAUDE_CONFIG_DIR", "/p/work/")]), &flags).unwrap();
    assert_eq!(l.config_dir.path, PathBuf::from("/p/work/"));
    assert!(l.literal_tilde.is_empty());
    let l = Locations::resolve(&env(&[("CLAUDE_CONFIG_DIR", "rel/dir")]), &flags).unwrap();
    assert_eq!(l.config_dir.path, PathBuf::from("/srv/p/rel/dir"));
    assert!(l.literal_tilde.is_empty());
}

#[test]
fn home_flag_ignores_the_shells_state_variables() {
    let flags = Overrides {
        home: Some(PathBuf::from("/fixture")),
        ..Overrides::default()
    };
    let l = Locations::resolve(&env(&[("CLAUDE_CONFIG_DIR", "/p/work")]), &flags).unwrap();
    assert_eq!(l.global_config.path, PathBuf::from("/fixture/.claude.json"));
    assert_eq!(l.ignored_env, vec!["CLAUDE_CONFIG_DIR"]);
    // Nor does it name that home's Keychain item (messages, `paths`).
    assert_eq!(l.claude_config_dir_var, None);
    let l = Locations::resolve(
        &env(&[("CLAUDE_CONFIG_DIR", "/p/work")]),
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(l.claude_config_dir_var.as_deref(), Some("/p/work"));
    // --config-dir stands for the variable, also under --home, and wins over it.
    for home in [None, Some(PathBuf::from("/fixture"))] {
        let flags = Overrides {
            home,
            config_dir: Some(PathBuf::from("/p/cfg")),
            ..Overrides::default()
        };
        let l = Locations::resolve(&env(&[("CLAUDE_CONFIG_DIR", "/p/work")]), &flags).unwrap();
        assert_eq!(l.claude_config_dir_var.as_deref(), Some("/p/cfg"));
    }
}

#[test]
fn custom_oauth_url_adds_a_suffix() {
    let l = Locations::resolve(
        &env(&[("CLAUDE_CODE_CUSTOM_OAUTH_URL", "https://x")]),
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(
        l.global_config.path,
        PathBuf::from("/home/u/.claude-custom-oauth.json")
    );
}

#[test]
fn ancestors_exclude_the_root() {
    let dirs = dir_and_ancestors(Path::new("/a/b"));
    assert_eq!(dirs, vec![PathBuf::from("/a/b"), PathBuf::from("/a")]);
}
