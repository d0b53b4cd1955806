//! The plan: which of the findings' proposed actions a command will carry out, and why others are
//! kept. Pure: computed from a diagnosis, never touches the disk.

use serde::Serialize;
use serde_json::Value;

use super::shown::{MovedTo, Shown};

use crate::checks::{self, Action, ActionKind, Finding};
use crate::model::inventory::Inventory;

/// What narrows a plan is what the user asked for, so it lives with the rest of the request in
/// [`crate::config`] (which the plan reads and never the other way round).
pub use crate::config::Selection;

/// One change.
///
/// 176 bytes where it was 216 (issue 15: a 50,000-entry `fix` holds ~25,000 through the write):
/// the code is static text, the server name boxed, and `before` and `after` (built for JSON
/// output only, `Shown::Null` otherwise) one optional box.
#[derive(Debug, Clone)]
pub struct Step {
    /// The finding code that asked for it (`forget` for `forget`).
    pub code: &'static str,
    pub server: Option<Box<str>>,
    pub action: Action,
    /// [`Step::before`] and [`Step::after`], when either is not `null`.
    values: Option<Box<StepValues>>,
}

/// A step's `before` and `after`.
#[derive(Debug, Clone)]
struct StepValues {
    before: Shown,
    after: Shown,
}

/// Both `null`: what a step without [`StepValues`] shows.
static NULL: Shown = Shown::Null;

impl Step {
    /// The step `code` asks for: `action` on `server`'s state, its `before` and `after` `null`.
    pub fn new(code: &'static str, server: Option<&str>, action: Action) -> Self {
        Step {
            code,
            server: server.map(Box::from),
            action,
            values: None,
        }
    }

    /// With `before` and `after` shown (kept only when either is not `null`).
    pub fn showing(mut self, before: Shown, after: Shown) -> Self {
        self.values =
            (!before.is_null() || !after.is_null()).then(|| Box::new(StepValues { before, after }));
        self
    }

    /// What is there now, redacted: field names, token kinds with length and fingerprint.
    pub fn before(&self) -> &Shown {
        self.values.as_ref().map_or(&NULL, |v| &v.before)
    }

    /// What will be there: `null` for a removal.
    pub fn after(&self) -> &Shown {
        self.values.as_ref().map_or(&NULL, |v| &v.after)
    }
}

/// As the fields it had: `code`, `server` (when there is one), `action`, `before`, `after`.
impl Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Step", 4 + usize::from(self.server.is_some()))?;
        m.serialize_field("code", self.code)?;
        match &self.server {
            Some(server) => m.serialize_field("server", server)?,
            None => m.skip_field("server")?,
        }
        m.serialize_field("action", &self.action)?;
        m.serialize_field("before", self.before())?;
        m.serialize_field("after", self.after())?;
        m.end()
    }
}

/// A step that was left out, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    #[serde(flatten)]
    pub step: Step,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub kept: Vec<Kept>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// The plan `fix` proposes for `findings` under `selection`.
pub fn for_findings(inv: &Inventory, findings: &[Finding], selection: &Selection) -> Plan {
    planned_for(inv, findings, selection, Values::Built)
}

/// The same plan without each step's `before` and `after` values (both `null`), for `check` and
/// `status`, which say what each step does but never show those values: building one redacted JSON
/// value per step was about a fifth of `check`'s CPU per `mcpOAuth` entry.
pub fn actions_for_findings(inv: &Inventory, findings: &[Finding], selection: &Selection) -> Plan {
    planned_for(inv, findings, selection, Values::Left)
}

/// [`for_findings`] (`values`) or [`actions_for_findings`] (no `values`) for the findings of
/// the checks that report `codes` (every check: `None`), each made into its step as the check
/// makes it and dropped:
/// the findings are never all held, nor held with the steps made of them (issue 15: `fix
/// --yes --only CODE`, whose findings only the plan reads; they were ~3 MB of a 10,000-entry
/// run's peak).
pub fn from_checks(
    inv: &Inventory,
    codes: Option<&[checks::Code]>,
    selection: &Selection,
    values: bool,
) -> Plan {
    let values = if values { Values::Built } else { Values::Left };
    let mut planner = Planner::new(inv, selection, values, 0);
    checks::run_each(inv, codes, &mut |f| planner.add(&f));
    planner.finish()
}

/// Whether a step's `before` and `after` values are built.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Values {
    Built,
    Left,
}

fn planned_for<F: std::borrow::Borrow<Finding>>(
    inv: &Inventory,
    findings: impl IntoIterator<Item = F, IntoIter: ExactSizeIterator>,
    selection: &Selection,
    values: Values,
) -> Plan {
    let findings = findings.into_iter();
    // At most a step per finding: reserved at once, not grown by doubling (which held up to
    // twice the steps' size, issue 15), and trimmed at the end.
    let mut planner = Planner::new(inv, selection, values, findings.len());
    for f in findings {
        planner.add(f.borrow());
    }
    planner.finish()
}

/// A plan being made, one finding at a time, in the findings' order.
struct Planner<'a> {
    inv: &'a Inventory,
    selection: &'a Selection,
    values: Values,
    plan: Plan,
    /// The changes already planned, to skip a second finding asking for the same one
    /// (indexed: a scan of the steps per finding was quadratic in the number of entries).
    planned: Planned,
}

impl<'a> Planner<'a> {
    fn new(inv: &'a Inventory, selection: &'a Selection, values: Values, findings: usize) -> Self {
        let mut plan = Plan::default();
        plan.steps.reserve_exact(findings);
        Self {
            inv,
            selection,
            values,
            plan,
            planned: Planned::default(),
        }
    }

    fn add(&mut self, f: &Finding) {
        let (inv, selection, plan) = (self.inv, self.selection, &mut self.plan);
        let Some(action) = &f.action else { return };
        let moved;
        let action = match &action.kind {
            ActionKind::MoveEntry { from, .. } if selection.no_move => {
                match checks::remove_entry(inv, from, false) {
                    Some(a) => {
                        moved = a;
                        &moved
                    }
                    None => return,
                }
            }
            _ => action,
        };
        if !selection.servers.is_empty()
            && !f
                .server
                .as_ref()
                .is_some_and(|s| selection.servers.contains(s))
        {
            return;
        }
        if selection.skip.contains(&f.code)
            || (!selection.only.is_empty() && !selection.only.contains(&f.code))
        {
            return;
        }
        let change = self.planned.hash(action);
        if self.planned.contains(&plan.steps, change, action) {
            return; // another finding already asked for the same change
        }
        let step = match self.values {
            Values::Built => step(inv, f.code.as_str(), f.server.as_deref(), action.clone()),
            Values::Left => Step::new(f.code.as_str(), f.server.as_deref(), action.clone()),
        };
        let asked = selection.only.contains(&f.code);
        let reason = if !action.safe && selection.safe_only {
            Some("it holds a usable token, and --safe-only keeps every usable credential".into())
        } else if action.ask_only && !asked {
            Some(format!(
                "{}; `mcp-auth-doctor fix --only {}{}` removes it anyway",
                action.note.as_deref().unwrap_or("it may be live"),
                f.code,
                f.server
                    .as_deref()
                    .map(|s| format!(" --server {}", checks::shell_quote(s)))
                    .unwrap_or_default()
            ))
        } else {
            None
        };
        if let Some(reason) = reason {
            plan.kept.push(Kept { step, reason });
            return;
        }
        self.planned.insert(change, plan.steps.len());
        // Grown by a quarter, not doubled, when the number of findings was not known up
        // front: at most a quarter of the steps' size unused, where doubling left up to all of
        // it (issue 15: 2.0 MB for 1.2 MB of steps at 10,000 entries).
        if plan.steps.len() == plan.steps.capacity() {
            plan.steps.reserve_exact((plan.steps.len() / 4).max(16));
        }
        plan.steps.push(step);
    }

    fn finish(mut self) -> Plan {
        absorb_into_moves(self.inv, &mut self.plan);
        self.plan.steps.shrink_to_fit();
        self.plan
    }
}

/// The steps planned so far, by a hash of their change: the position of the first step with that
/// hash. No copy of each step's key and path (a set of them was ~170 bytes per step of a
/// 10,000-entry `fix`, issue 15); two changes whose hashes collide are told apart by a scan of
/// the steps from the first with that hash (rare: see below). Hashed with foldhash (as `inventory::LiveKeys`), not
/// SipHash, once per step (issue 15): the plan never depends on the hash, only how fast a
/// repeated change is found.
///
/// For changes that name a key or a name (one per entry or marker: nearly all of them), the
/// hash is of the change alone, not of its file: hashing a `Path` walks its components, and was
/// two thirds of the plan's cost per finding (1.35 M of 2.6 M instructions at 1,000 entries).
/// Changes that name nothing (a chmod, a byte order mark, a cache replaced) are one per file,
/// and a home may have a `.mcp.json` in each of thousands of projects: those hash their file
/// too, so that they do not all share one hash and make the scan quadratic.
#[derive(Default)]
struct Planned {
    first: std::collections::HashMap<u64, usize, foldhash::fast::RandomState>,
    /// The hasher of the changes (one seed per plan, so equal changes hash equal).
    changes: foldhash::fast::RandomState,
}

impl Planned {
    fn hash(&self, action: &Action) -> u64 {
        use std::hash::BuildHasher;
        match action.kind {
            ActionKind::Chmod { .. }
            | ActionKind::RemoveBom
            | ActionKind::ReplaceWithEmptyObject => {
                self.changes.hash_one((&action.kind, &action.path))
            }
            _ => self.changes.hash_one(&action.kind),
        }
    }

    /// Whether a step in `steps` (the steps inserted so far) makes `action`'s change, whose
    /// [`Planned::hash`] is `change`.
    fn contains(&self, steps: &[Step], change: u64, action: &Action) -> bool {
        let same = |s: &Step| s.action.kind == action.kind && s.action.path == action.path;
        match self.first.get(&change) {
            None => false,
            // The first step with this hash is at or before every other one with it.
            Some(&i) => steps[i..].iter().any(same),
        }
    }

    /// Records that the step at `index` makes the change whose [`Planned::hash`] is `change`.
    fn insert(&mut self, change: u64, index: usize) {
        self.first.entry(change).or_insert(index);
    }
}

/// A move replaces whatever is under the live key, so a separate removal of that placeholder is
/// part of it; and a needs-auth marker for the name would keep sessions skipping the server that
/// now has a token, so it goes too.
fn absorb_into_moves(inv: &Inventory, plan: &mut Plan) {
    let moves: Vec<(String, &'static str, String)> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action.kind {
            ActionKind::MoveEntry { to, .. } => Some((
                to.clone(),
                s.code,
                s.server.as_deref().unwrap_or_default().to_string(),
            )),
            _ => None,
        })
        .collect();
    for (to, code, name) in moves {
        plan.steps
            .retain(|s| !matches!(&s.action.kind, ActionKind::RemoveEntry { key } if *key == to));
        let marker = ActionKind::RemoveMarker { name: name.clone() };
        if inv.marker(&name).is_some() && !plan.steps.iter().any(|s| s.action.kind == marker) {
            let action = checks::remove_marker(inv, &name);
            plan.steps.push(step(inv, code, Some(&name), action));
        }
    }
}

/// Every piece of OAuth state for one server name: `mcpOAuth` keys whose `serverName` or key prefix
/// is `name` (all hashes), its `mcpOAuthClientConfig` keys, and its needs-auth marker.
pub fn for_forget(inv: &Inventory, name: &str) -> Plan {
    let mut plan = Plan::default();
    for e in &inv.entries {
        if e.name() == name || e.server_name_field() == Some(name) {
            // None when mcpOAuth holds a key twice.
            if let Some(action) = checks::remove_entry(inv, e.key(), !e.token.usable()) {
                plan.steps.push(step(inv, "forget", Some(name), action));
            }
        }
    }
    let client_config = inv
        .live_member("mcpOAuthClientConfig")
        .and_then(Value::as_object);
    for key in client_config.into_iter().flat_map(|m| m.keys()) {
        if crate::model::key::split_key(key).0 == name {
            let action = checks::in_live_store(
                inv,
                Action::remove_client_config(&inv.credentials.path, key),
            );
            plan.steps.push(step(inv, "forget", Some(name), action));
        }
    }
    if inv.marker(name).is_some() {
        let action = checks::remove_marker(inv, name);
        plan.steps.push(step(inv, "forget", Some(name), action));
    }
    for action in mcp_remote_forget(inv, name) {
        plan.steps.push(step(inv, "forget", Some(name), action));
    }
    plan
}

/// `forget NAME` for servers that run mcp-remote: their files in every version folder (by each
/// folder's hash rule), one step per folder; never another server's, never a folder.
fn mcp_remote_forget(inv: &Inventory, name: &str) -> Vec<Action> {
    let remote = &inv.mcp_remote;
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for server in remote.named(name).filter(|s| !s.own_config_dir()) {
        for folder in &remote.folders {
            let Ok(hash) = server.hash_in(folder.kind.as_ref()) else {
                continue;
            };
            let files = folder.files_for(&hash);
            if files.is_empty() || seen.contains(&(folder.name.clone(), hash.clone())) {
                continue;
            }
            seen.push((folder.name.clone(), hash.clone()));
            let safe = folder.tokens_for(&hash).is_none();
            out.push(Action::remove_mcp_remote_files(
                &folder.path,
                &folder.name,
                files.iter().map(|f| f.name.clone()).collect(),
                safe,
            ));
        }
    }
    out
}

fn step(inv: &Inventory, code: &'static str, server: Option<&str>, action: Action) -> Step {
    let (before, after) = match &action.kind {
        ActionKind::RemoveEntry { key } => (
            inv.entry(key)
                .map_or(Shown::Null, |e| Shown::entry(e, None)),
            Shown::Null,
        ),
        ActionKind::RemoveMarker { name } => (
            inv.marker(name).map_or(Shown::Null, Shown::marker),
            Shown::Null,
        ),
        ActionKind::RemoveClientConfig { key } => (
            inv.credentials
                .as_claude_sees()
                .and_then(|c| c.get("mcpOAuthClientConfig"))
                .and_then(|m| m.get(key))
                .and_then(Value::as_object)
                .map_or(Shown::Null, |o| {
                    Shown::ClientConfig(Box::new(o.keys().cloned().collect()))
                }),
            Shown::Null,
        ),
        ActionKind::MoveEntry {
            from,
            to,
            server_url,
        } => (
            inv.entry(from)
                .map_or(Shown::Null, |e| Shown::entry(e, Some(from))),
            Shown::MovedTo(Box::new(MovedTo {
                key: to.clone(),
                replaces: inv.entry(to).map(|e| e.token),
                server_url: crate::redact::url(server_url),
            })),
        ),
        ActionKind::RemoveBom => (Shown::Bom(true), Shown::Bom(false)),
        ActionKind::ReplaceWithEmptyObject => (Shown::Unparseable, Shown::EmptyObject),
        ActionKind::RemoveMcpRemoteFiles { folder, names } => (
            Shown::McpRemoteFiles(Box::new((folder.clone(), names.len()))),
            Shown::Null,
        ),
        ActionKind::Chmod { mode } => (
            Shown::Mode(inv.credentials.facts.mode),
            Shown::Mode(Some(*mode)),
        ),
    };
    Step::new(code, server, action).showing(before, after)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::load::Snapshot;

    /// An orphaned entry, a stale marker and a placeholder under a live key: steps of three kinds.
    fn inventory() -> Inventory {
        Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {
                "live": {"type": "http", "url": "https://live.example/mcp"}
            }}))
            .with_credentials(json!({"mcpOAuth": {
                "gone|0123456789abcdef": {
                    "serverName": "gone",
                    "serverUrl": "https://gone.example/mcp",
                    "accessToken": "CANARY-access",
                    "expiresAt": 0
                }
            }}))
            .with_needs_auth_cache(json!({"gone": {"timestamp": 0}}))
            .inventory()
    }

    #[test]
    fn the_plan_made_as_the_checks_run_is_the_plan_of_the_diagnosis() {
        let inv = inventory();
        let findings = checks::run_all(&inv);
        let codes: Vec<checks::Code> = findings.iter().map(|f| f.code).collect();
        let shown = |plan: &Plan| serde_json::to_string(plan).unwrap();
        for only in [Vec::new(), codes[..1].to_vec(), codes.clone()] {
            let selection = Selection {
                only: only.clone(),
                ..Selection::default()
            };
            let codes = (!only.is_empty()).then_some(&only[..]);
            let full = for_findings(&inv, &findings, &selection);
            let lean = actions_for_findings(&inv, &findings, &selection);
            assert!(only.len() == 1 || full.steps.len() >= 2, "{only:?}");
            assert_eq!(
                shown(&from_checks(&inv, codes, &selection, true)),
                shown(&full)
            );
            assert_eq!(
                shown(&from_checks(&inv, codes, &selection, false)),
                shown(&lean)
            );
        }
    }

    #[test]
    fn the_actions_only_plan_is_the_plan_with_null_values() {
        let inv = inventory();
        let findings = checks::run_all(&inv);
        let selection = Selection::default();
        let full = for_findings(&inv, &findings, &selection);
        let lean = actions_for_findings(&inv, &findings, &selection);
        assert!(full.steps.len() >= 2, "{:?}", full.steps);
        assert!(full.steps.iter().any(|s| !s.before().is_null()));
        let nulled = |plan: &Plan| {
            let mut plan = plan.clone();
            for s in plan
                .steps
                .iter_mut()
                .chain(plan.kept.iter_mut().map(|k| &mut k.step))
            {
                *s = Step::new(s.code, s.server.as_deref(), s.action.clone());
            }
            serde_json::to_string(&plan).unwrap()
        };
        assert_eq!(nulled(&full), serde_json::to_string(&lean).unwrap());
    }

    /// A change asked for twice is planned once; changes of one kind to two files (the planned
    /// changes are found by a hash of the kind alone) are both planned.
    #[test]
    fn a_repeated_change_is_planned_once_and_one_kind_on_two_files_twice() {
        use crate::checks::{Code, Severity};
        use crate::model::inventory::Role;
        let inv = inventory();
        let finding = |path: &str, kind: ActionKind| {
            let action = Action::new(
                Role::Credentials,
                std::path::Path::new(path),
                kind,
                "x".into(),
            );
            Finding::new(Code::CredentialsPermissions, Severity::Warning, "m").action(action)
        };
        let chmod = ActionKind::Chmod { mode: 0o600 };
        let removal = ActionKind::RemoveEntry { key: "k|1".into() };
        let findings = [
            finding("/a.json", chmod.clone()),
            finding("/b.json", chmod.clone()),
            finding("/a.json", chmod),
            finding("/a.json", removal.clone()),
            finding("/a.json", removal),
        ];
        let plan = actions_for_findings(&inv, &findings, &Selection::default());
        let planned: Vec<(String, &ActionKind)> = plan
            .steps
            .iter()
            .map(|s| (s.action.path.display().to_string(), &s.action.kind))
            .collect();
        assert_eq!(
            planned,
            [
                (
                    "/a.json".to_string(),
                    &findings[0].action.as_ref().unwrap().kind
                ),
                (
                    "/b.json".to_string(),
                    &findings[1].action.as_ref().unwrap().kind
                ),
                (
                    "/a.json".to_string(),
                    &findings[3].action.as_ref().unwrap().kind
                ),
            ]
        );
    }

    /// The fields the derived form had, in its order, `server` left out when there is none;
    /// `before` and `after` kept only when one is not `null`, and read back as given.
    #[test]
    fn a_step_serialises_as_its_fields_did() {
        use crate::checks::{Action, ActionKind};
        use crate::model::inventory::Role;
        let action = Action::new(
            Role::NeedsAuthCache,
            std::path::Path::new("/c.json"),
            ActionKind::RemoveMarker { name: "x".into() },
            "remove".into(),
        );
        let action_json = serde_json::to_string(&action).unwrap();
        let bare = Step::new("orphaned-registration", None, action.clone());
        assert_eq!(
            serde_json::to_string(&bare).unwrap(),
            format!(
                r#"{{"code":"orphaned-registration","action":{action_json},"before":null,"after":null}}"#
            )
        );
        let nulls = bare.clone().showing(Shown::Null, Shown::Null);
        assert!(nulls.values.is_none());
        let shown = Step::new("forget", Some("x"), action).showing(Shown::Bom(true), Shown::Null);
        assert_eq!(shown.before(), &Shown::Bom(true));
        assert_eq!(
            serde_json::to_string(&shown).unwrap(),
            format!(
                r#"{{"code":"forget","server":"x","action":{action_json},"before":{{"bom":true}},"after":null}}"#
            )
        );
        let kept = Kept {
            step: shown,
            reason: "r".into(),
        };
        assert!(
            serde_json::to_string(&kept)
                .unwrap()
                .ends_with(r#""after":null,"reason":"r"}"#)
        );
        assert!(
            std::mem::size_of::<Step>() <= 176,
            "{}",
            std::mem::size_of::<Step>()
        );
    }
}
