//! One diagnosis: the inventory, every finding, and the per-server summary with what Claude
//! Code will do with each server ([`verdict`]). Data only: `report` puts it into words.

pub mod mcp_remote;
pub mod servers;
pub mod verdict;

pub use servers::ServerSummary;
pub use verdict::{ServerVerdict, Verdict};

use crate::checks::{self, Code, Finding, Severity};
use crate::model::inventory::Inventory;

pub struct Diagnosis {
    pub inventory: Inventory,
    pub findings: Vec<Finding>,
    pub servers: Vec<ServerSummary>,
}

impl Diagnosis {
    pub fn of(inventory: Inventory) -> Self {
        let findings = checks::run_all(&inventory);
        let servers = servers::summarise(&inventory, &findings);
        Self {
            inventory,
            findings,
            servers,
        }
    }

    /// Leaves out the findings with these codes (`check --skip`): from the list, the servers'
    /// codes and so from the exit status.
    pub fn skip(&mut self, codes: &[Code]) {
        if codes.is_empty() {
            return;
        }
        self.findings.retain(|f| !codes.contains(&f.code));
        for s in &mut self.servers {
            s.findings.retain(|c| !codes.contains(c));
        }
    }

    /// How many findings of each severity: (errors, warnings, infos).
    pub fn counts(&self) -> (usize, usize, usize) {
        counts(&self.findings)
    }

    /// Whether anything at warning or above was found.
    pub fn has_problems(&self) -> bool {
        has_problems(&self.findings)
    }
}

/// Errors, warnings and infos among `findings` (whole, or their [`checks::Brief`]s).
pub fn counts<F: checks::About>(findings: &[F]) -> (usize, usize, usize) {
    let n = |s| findings.iter().filter(|f| f.severity() == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

/// Whether any of `findings` is at warning or above.
pub fn has_problems<F: checks::About>(findings: &[F]) -> bool {
    findings.iter().any(|f| f.severity() >= Severity::Warning)
}
