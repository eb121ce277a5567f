//! The answers from the database, files and profiles, each handed to the tab that asked; and the
//! run history, which several tabs read (the batches' earlier runs, the runs compared, the Run
//! tab's view, the reverted runs whose failed lines are closed).

use super::App;
use crate::domain::Mode;
use crate::tabs::batches::import;
use crate::tabs::run::RunView;
use crate::tabs::{batches, failed, inventory, review, run, runs};
use crate::vocab::{Effect, Level, Outcome, Tab};

impl App {
    pub(super) fn on_outcome(&mut self, o: Outcome, fx: &mut Vec<Effect>) {
        let sh = &mut self.shell;
        match o {
            Outcome::Listed {
                path,
                chosen,
                result,
            } => batches::on_listed(&mut self.batches, sh, path, chosen, result, fx),
            Outcome::Inspected { batch, result } => {
                batches::on_inspected(&mut self.batches, sh, &self.runs.rows, batch, result)
            }
            Outcome::Runs(result) => self.on_history(result, fx),
            Outcome::FailedCount { generation, result } => self.failed.on_count(generation, result),
            Outcome::FailedPage {
                generation,
                offset,
                result,
            } => failed::on_page(&mut self.failed, sh, generation, offset, result, fx),
            Outcome::Reasons { run_id, result } => {
                failed::on_reasons(&mut self.failed, run_id, result)
            }
            Outcome::Written { run_id, result } => {
                run::on_written(&mut self.run, sh, run_id, result)
            }
            Outcome::Exported { path, result } => {
                failed::on_exported(&mut self.failed, sh, path, result)
            }
            Outcome::Reverted { run_id, result } => {
                runs::on_reverted(&mut self.runs, sh, run_id, result, fx)
            }
            Outcome::Review {
                generation,
                more,
                result,
            } => review::on_loaded(&mut self.review, sh, generation, more, result, fx),
            Outcome::Decided {
                description,
                result,
                ..
            } => review::on_decided(&mut self.review, sh, &description, result, fx),
            Outcome::AcceptedTop(result) => review::on_accepted(&mut self.review, sh, result, fx),
            Outcome::Undone(result) => review::on_undone(&mut self.review, sh, result, fx),
            Outcome::Items {
                generation,
                place,
                result,
            } => inventory::on_page(&mut self.inventory, sh, generation, place, result, fx),
            Outcome::ItemsCount { generation, result } => {
                inventory::on_count(&mut self.inventory, sh, generation, result)
            }
            Outcome::Item(result) => inventory::on_item(&mut self.inventory, sh, result),
            Outcome::Corrected { correction, result } => {
                inventory::on_corrected(&mut self.inventory, sh, correction, result, fx)
            }
            Outcome::Previewed { generation, result } => {
                import::on_previewed(&mut self.batches, generation, result)
            }
            Outcome::ProfileSaved { name, result } => {
                import::on_profile_saved(&mut self.batches, sh, name, result)
            }
            Outcome::Pong(r) => {
                self.ping_pending = false;
                sh.rtt = Some(r);
            }
        }
    }

    /// The history was read: the Runs tab's list, and what the other tabs take from it.
    fn on_history(
        &mut self,
        result: Result<Vec<crate::store::RunRow>, String>,
        fx: &mut Vec<Effect>,
    ) {
        let first_load = !self.runs.loaded;
        if !runs::on_loaded(&mut self.runs, &mut self.shell, result) {
            return;
        }
        let rows = &self.runs.rows;
        self.batches.refresh_previous(rows);
        self.compare.on_history(rows);
        self.failed.on_history(rows);
        // A history being opened for the first time: show the newest real run.
        if first_load
            && self.run.view.is_none()
            && let Some(row) = rows
                .iter()
                .find(|r| !r.rehearsal && r.mode != Mode::Retry)
                .cloned()
        {
            let estimate = self.batches.estimate_for(&row.import_key);
            self.run.view = Some(RunView::from_row(&row, estimate, self.shell.now()));
            if row.report.is_none() {
                fx.push(Effect::LoadWritten { run_id: row.id });
            }
            failed::open_row(&mut self.failed, &row, fx);
        }
        // A live run's view keeps its figures; a history view gets the newer row.
        if self.run.job.is_none()
            && let Some(v) = &self.run.view
            && let Some(id) = v.run_id
            && let Some(row) = self.runs.rows.iter().find(|r| r.id == id)
            && (v.status != row.status || v.report.is_none() && row.report.is_some())
        {
            let log = v.log.clone();
            let estimate = self.batches.estimate_for(&row.import_key);
            let mut fresh = RunView::from_row(row, estimate, self.shell.now());
            if fresh.log.is_empty() {
                fresh.log = log;
            }
            self.run.view = Some(fresh);
        }
    }

    /// Show a run on the Run and Failed tabs.
    pub(super) fn open_run(&mut self, run_id: i64, fx: &mut Vec<Effect>) {
        let live = self
            .shell
            .active
            .as_ref()
            .filter(|a| a.run_id == Some(run_id))
            .map(|a| a.job.id);
        if live.is_some() && self.run.job == live {
            self.switch_tab(Tab::Run, fx);
            return;
        }
        let Some(row) = self.runs.rows.iter().find(|r| r.id == run_id).cloned() else {
            self.shell.say(
                Level::Info,
                format!("run {run_id} is not in the history yet"),
            );
            let now = self.now();
            self.runs.load(now, fx);
            return;
        };
        let estimate = self.batches.estimate_for(&row.import_key);
        self.run.view = Some(RunView::from_row(&row, estimate, self.now()));
        self.run.job = None;
        if row.report.is_none() {
            fx.push(Effect::LoadWritten { run_id });
        }
        failed::open_row(&mut self.failed, &row, fx);
        self.switch_tab(Tab::Run, fx);
    }
}
