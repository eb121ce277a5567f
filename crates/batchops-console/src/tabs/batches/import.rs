//! The import screen (`i` on Batches): what the selected file will be read as, in the words and
//! by the detection of `batchops inspect`, and the options of its run, each changed before it
//! starts. The run starts with exactly what `batchops import` would be given as flags.

use super::{self as batches, BatchesTab, Popup};
use crate::controls::input::TextInput;
use crate::controls::prompt::edit_text;
use crate::domain::Mode;
use crate::engine::{ErrorBudget, FileChoices};
use crate::input::DecimalMark;
use crate::input::decode::TextEncoding;
use crate::input::profile::{Profile, SkuColumn};
use crate::keymap::{Binding, b, ch, code, ctrl};
use crate::shell::{Request, Shell};
use crate::vocab::{
    Action, Effect, ImportChoices, JobSpec, Level, PreviewShown, Tab, rehearsal_cap,
};
use crossterm::event::KeyCode;
use std::path::PathBuf;

pub static KEYS: &[Binding] = &[
    b(
        &[ch('k'), code(KeyCode::Up)],
        Action::Up,
        None,
        "the option above",
    ),
    b(
        &[ch('j'), code(KeyCode::Down)],
        Action::Down,
        Some("option"),
        "the option below",
    ),
    b(
        &[ch('l'), code(KeyCode::Right), ch(' ')],
        Action::Right,
        Some("change"),
        "the next value of the option (the file is read again)",
    ),
    b(
        &[ch('h'), code(KeyCode::Left)],
        Action::Left,
        None,
        "the previous value of the option",
    ),
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("edit"),
        "type the option's value (error budget, supplier, import key, header row)",
    ),
    b(
        &[ch('r')],
        Action::Run,
        Some("start"),
        "start the run with these options (as `batchops import` with the same flags)",
    ),
    b(
        &[ch('p')],
        Action::SaveProfile,
        Some("save profile"),
        "save how the file is read as a supplier profile (asks for its name)",
    ),
    b(
        &[code(KeyCode::PageDown), ctrl('f')],
        Action::PageDown,
        None,
        "scroll what will be read down",
    ),
    b(
        &[code(KeyCode::PageUp), ctrl('b')],
        Action::PageUp,
        None,
        "scroll what will be read up",
    ),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        Some("close"),
        "close without importing",
    ),
    b(&[ch('q'), ctrl('c')], Action::Quit, None, "quit"),
];

pub static EDIT_KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("ok"),
        "use this value",
    ),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        Some("cancel"),
        "keep the value it had",
    ),
    b(
        &[code(KeyCode::Backspace)],
        Action::Backspace,
        None,
        "delete back",
    ),
    b(
        &[code(KeyCode::Delete)],
        Action::Delete,
        None,
        "delete forward",
    ),
    b(&[code(KeyCode::Left)], Action::Left, None, "cursor left"),
    b(&[code(KeyCode::Right)], Action::Right, None, "cursor right"),
    b(
        &[code(KeyCode::Home), ctrl('a')],
        Action::Home,
        None,
        "start of the field",
    ),
    b(
        &[code(KeyCode::End), ctrl('e')],
        Action::End,
        None,
        "end of the field",
    ),
    b(&[ctrl('c')], Action::Quit, None, "quit"),
];

/// The options of the screen, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Mode,
    Run,
    ErrorBudget,
    Supplier,
    SkuColumn,
    Profile,
    ImportKey,
    Decimal,
    Delimiter,
    HeaderRow,
    Encoding,
}

pub const FIELDS: [Field; 11] = [
    Field::Mode,
    Field::Run,
    Field::ErrorBudget,
    Field::Supplier,
    Field::SkuColumn,
    Field::Profile,
    Field::ImportKey,
    Field::Decimal,
    Field::Delimiter,
    Field::HeaderRow,
    Field::Encoding,
];

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Mode => "mode",
            Field::Run => "run",
            Field::ErrorBudget => "error budget",
            Field::Supplier => "supplier",
            Field::SkuColumn => "SKU column",
            Field::Profile => "profile",
            Field::ImportKey => "import key",
            Field::Decimal => "decimal",
            Field::Delimiter => "delimiter",
            Field::HeaderRow => "header row",
            Field::Encoding => "encoding",
        }
    }

    /// Typed in rather than chosen from a list.
    fn is_text(self) -> bool {
        matches!(
            self,
            Field::ErrorBudget | Field::Supplier | Field::ImportKey | Field::HeaderRow
        )
    }

    /// Changing it changes how the file is read.
    fn rereads(self) -> bool {
        matches!(
            self,
            Field::Profile | Field::Decimal | Field::Delimiter | Field::HeaderRow | Field::Encoding
        )
    }
}

/// Live, a dry run (rolled back), or a rehearsal (batch and sequential on scratch copies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunChoice {
    #[default]
    Live,
    DryRun,
    Rehearsal,
}

/// What is being typed: an option's value or the name of the profile to save.
#[derive(Debug, Clone, PartialEq)]
pub enum Typing {
    Field(Field, TextInput),
    ProfileName(TextInput),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportScreen {
    pub batch: u64,
    pub path: PathBuf,
    pub selected: usize,
    pub mode: Mode,
    pub run: RunChoice,
    pub max_errors: Option<ErrorBudget>,
    pub supplier: Option<String>,
    pub sku_column: Option<SkuColumn>,
    /// `None`: the one saved profile whose header matches (as `import` without `--profile`).
    pub profile: Option<String>,
    pub import_key: Option<String>,
    pub decimal: Option<DecimalMark>,
    pub delimiter: Option<char>,
    pub header_row: Option<usize>,
    pub encoding: Option<TextEncoding>,
    pub typing: Option<Typing>,
    /// Why what was typed cannot be used.
    pub error: Option<String>,
    /// The preview asked for last; answers of older ones are dropped.
    pub generation: u64,
    /// `None`: being read.
    pub preview: Option<Result<Box<PreviewShown>, String>>,
    pub scroll: u16,
}

impl ImportScreen {
    pub fn new(batch: u64, path: PathBuf) -> Self {
        Self {
            batch,
            path,
            selected: 0,
            mode: Mode::Batch,
            run: RunChoice::Live,
            max_errors: None,
            supplier: None,
            sku_column: None,
            profile: None,
            import_key: None,
            decimal: None,
            delimiter: None,
            header_row: None,
            encoding: None,
            typing: None,
            error: None,
            generation: 0,
            preview: None,
            scroll: 0,
        }
    }

    pub fn field(&self) -> Field {
        FIELDS[self.selected.min(FIELDS.len() - 1)]
    }

    /// The option's value in words.
    pub fn value(&self, f: Field) -> String {
        let or = |v: Option<String>, none: &str| v.unwrap_or_else(|| none.to_string());
        match f {
            Field::Mode => self.mode.to_string(),
            Field::Run => match self.run {
                RunChoice::Live => "live".into(),
                RunChoice::DryRun => "dry run (rolled back)".into(),
                RunChoice::Rehearsal => "rehearsal (scratch copies)".into(),
            },
            Field::ErrorBudget => or(self.max_errors.map(|b| b.to_string()), "none"),
            Field::Supplier => or(self.supplier.clone(), "none"),
            Field::SkuColumn => match self.sku_column {
                None if self.supplier.is_some() => "supplier's part numbers".into(),
                None => "default".into(),
                Some(SkuColumn::Ours) => "our SKUs".into(),
                Some(SkuColumn::Supplier) => "supplier's part numbers".into(),
            },
            Field::Profile => or(self.profile.clone(), "auto (by header)"),
            Field::ImportKey => or(self.import_key.clone(), "SHA-256 of the file"),
            Field::Decimal => or(self.decimal.map(|d| d.as_str().to_string()), "detected"),
            Field::Delimiter => or(
                self.delimiter
                    .map(|d| crate::input::dialect::delimiter_name(d as u8)),
                "detected",
            ),
            Field::HeaderRow => or(self.header_row.map(|n| n.to_string()), "detected"),
            Field::Encoding => or(self.encoding.map(|e| e.as_str().to_string()), "detected"),
        }
    }

    /// The option's value as it is typed.
    fn typed(&self, f: Field) -> String {
        match f {
            Field::ErrorBudget => match self.max_errors {
                Some(ErrorBudget::Count(n)) => n.to_string(),
                Some(ErrorBudget::Percent(p)) => format!("{p}%"),
                None => String::new(),
            },
            Field::Supplier => self.supplier.clone().unwrap_or_default(),
            Field::ImportKey => self.import_key.clone().unwrap_or_default(),
            Field::HeaderRow => self.header_row.map(|n| n.to_string()).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// How the file is read and whose it is: what `--decimal`…, `--profile`, `--supplier` and
    /// `--sku-column` would say.
    pub fn file_choices(&self) -> FileChoices {
        FileChoices {
            reading: crate::input::ReadSettings {
                decimal: self.decimal,
                delimiter: self.delimiter,
                encoding: self.encoding,
                header_row: self.header_row,
                ..Default::default()
            },
            profile: self.profile.clone(),
            invoice: crate::domain::InvoiceHeader {
                supplier: self.supplier.clone(),
                ..Default::default()
            },
            sku_column: self.sku_column,
        }
    }

    pub fn choices(&self) -> ImportChoices {
        ImportChoices {
            file: self.file_choices(),
            dry_run: self.run == RunChoice::DryRun,
            max_errors: self.max_errors,
            import_key: self.import_key.clone(),
        }
    }

    /// The flags `batchops import` would be given for the same run.
    pub fn flags(&self) -> String {
        let mut f = Vec::new();
        if self.mode == Mode::Sequential {
            f.push("--mode sequential".to_string());
        }
        if self.run == RunChoice::DryRun {
            f.push("--dry-run".into());
        }
        let mut flag = |name: &str, v: Option<String>| {
            if let Some(v) = v {
                f.push(format!("--{name} {v}"));
            }
        };
        flag(
            "max-errors",
            Some(self.typed(Field::ErrorBudget)).filter(|s| !s.is_empty()),
        );
        flag("supplier", self.supplier.clone());
        flag(
            "sku-column",
            self.sku_column.map(|c| match c {
                SkuColumn::Ours => "ours".into(),
                SkuColumn::Supplier => "supplier".into(),
            }),
        );
        flag("profile", self.profile.clone());
        flag("import-key", self.import_key.clone());
        flag("decimal", self.decimal.map(|d| d.as_str().to_string()));
        flag(
            "delimiter",
            self.delimiter
                .map(|d| crate::input::dialect::delimiter_name(d as u8)),
        );
        flag("header-row", self.header_row.map(|n| n.to_string()));
        flag("encoding", self.encoding.map(|e| e.as_str().to_string()));
        f.join(" ")
    }

    fn shown(&self) -> Option<&PreviewShown> {
        match &self.preview {
            Some(Ok(p)) => Some(p),
            _ => None,
        }
    }

    /// Step a chosen option's value forward (`+1`) or back (`-1`).
    fn step(&mut self, f: Field, dir: i32) {
        fn cycle<T: Clone + PartialEq>(list: &[T], now: &T, dir: i32) -> T {
            let i = list.iter().position(|v| v == now).unwrap_or(0) as i32;
            let n = list.len() as i32;
            list[((i + dir).rem_euclid(n)) as usize].clone()
        }
        match f {
            Field::Mode => self.mode = cycle(&[Mode::Batch, Mode::Sequential], &self.mode, dir),
            Field::Run => {
                let all = [RunChoice::Live, RunChoice::DryRun, RunChoice::Rehearsal];
                self.run = cycle(&all, &self.run, dir)
            }
            Field::SkuColumn => {
                let all = [None, Some(SkuColumn::Ours), Some(SkuColumn::Supplier)];
                self.sku_column = cycle(&all, &self.sku_column, dir)
            }
            Field::Profile => {
                let mut all: Vec<Option<String>> = vec![None];
                if let Some(p) = self.shown() {
                    all.extend(p.profiles.iter().cloned().map(Some));
                }
                if let Some(named) = &self.profile
                    && !all.contains(&Some(named.clone()))
                {
                    all.push(Some(named.clone()));
                }
                self.profile = cycle(&all, &self.profile, dir)
            }
            Field::Decimal => {
                let all = [None, Some(DecimalMark::Comma), Some(DecimalMark::Point)];
                self.decimal = cycle(&all, &self.decimal, dir)
            }
            Field::Delimiter => {
                let all = [None, Some(','), Some(';'), Some('\t'), Some('|')];
                self.delimiter = cycle(&all, &self.delimiter, dir)
            }
            Field::Encoding => {
                let all = [
                    None,
                    Some(TextEncoding::Utf8),
                    Some(TextEncoding::Windows1252),
                    Some(TextEncoding::Utf16le),
                    Some(TextEncoding::Utf16be),
                ];
                self.encoding = cycle(&all, &self.encoding, dir)
            }
            Field::ErrorBudget | Field::Supplier | Field::ImportKey | Field::HeaderRow => {}
        }
    }

    /// Set a typed option; `Err` says why the text cannot be used.
    fn set_typed(&mut self, f: Field, text: &str) -> Result<(), String> {
        let text = text.trim();
        let value = (!text.is_empty()).then(|| text.to_string());
        match f {
            Field::ErrorBudget => {
                self.max_errors = value.map(|v| v.parse::<ErrorBudget>()).transpose()?
            }
            Field::Supplier => self.supplier = value,
            Field::ImportKey => self.import_key = value,
            Field::HeaderRow => {
                self.header_row = value
                    .map(|v| match v.parse::<usize>() {
                        Ok(n) if n >= 1 => Ok(n),
                        _ => Err(format!("{v:?} is not a row number (1, 2, …)")),
                    })
                    .transpose()?
            }
            _ => {}
        }
        Ok(())
    }
}

/// `i` on Batches: the screen of the selected batch, its file read as it stands.
pub(crate) fn open(t: &mut BatchesTab, fx: &mut Vec<Effect>) {
    let Some(entry) = t.selected() else {
        return;
    };
    let mut screen = ImportScreen::new(entry.id, entry.path.clone());
    reread(&mut screen, fx);
    t.popup = Some(Popup::Import(Box::new(screen)));
}

fn reread(s: &mut ImportScreen, fx: &mut Vec<Effect>) {
    s.generation += 1;
    s.preview = None;
    s.scroll = 0;
    fx.push(Effect::Preview {
        generation: s.generation,
        path: s.path.clone(),
        choices: s.file_choices(),
    });
}

/// A preview arrived: shown when it is the latest asked for.
pub(crate) fn on_previewed(
    t: &mut BatchesTab,
    generation: u64,
    result: Result<Box<PreviewShown>, String>,
) {
    if let Some(Popup::Import(s)) = &mut t.popup
        && s.generation == generation
    {
        s.preview = Some(result);
    }
}

pub(crate) fn on_profile_saved(
    t: &mut BatchesTab,
    sh: &mut Shell,
    name: String,
    result: Result<PathBuf, String>,
) {
    match result {
        Ok(path) => {
            let text = format!("saved supplier profile {name} to {}", path.display());
            sh.say(Level::Info, text);
            if let Some(Popup::Import(s)) = &mut t.popup {
                s.error = None;
                if let Some(Ok(p)) = &mut s.preview
                    && !p.profiles.contains(&name)
                {
                    p.profiles.push(name);
                    p.profiles.sort();
                }
            }
        }
        Err(e) => {
            sh.say(Level::Error, format!("profile {name} not saved: {e}"));
            if let Some(Popup::Import(s)) = &mut t.popup {
                s.error = Some(e);
            }
        }
    }
}

pub(crate) fn on_action(
    t: &mut BatchesTab,
    sh: &mut Shell,
    mut s: Box<ImportScreen>,
    a: Action,
    fx: &mut Vec<Effect>,
) {
    if let Some(typing) = s.typing.take() {
        on_typing(t, sh, s, typing, a, fx);
        return;
    }
    let field = s.field();
    match a {
        Action::Close => {
            sh.say(Level::Info, format!("not imported: {}", s.path.display()));
            return;
        }
        Action::Up => s.selected = s.selected.saturating_sub(1),
        Action::Down => s.selected = (s.selected + 1).min(FIELDS.len() - 1),
        Action::PageDown => s.scroll = s.scroll.saturating_add(10),
        Action::PageUp => s.scroll = s.scroll.saturating_sub(10),
        Action::Right | Action::Left | Action::Enter if !field.is_text() => {
            s.step(field, if a == Action::Left { -1 } else { 1 });
            s.error = None;
            if field.rereads() {
                reread(&mut s, fx);
            }
        }
        Action::Enter => {
            s.typing = Some(Typing::Field(field, TextInput::new(s.typed(field))));
            s.error = None;
        }
        Action::SaveProfile => match s.shown() {
            Some(p) if p.template.is_some() => {
                let name = s.profile.clone().unwrap_or_default();
                s.typing = Some(Typing::ProfileName(TextInput::new(name)));
                s.error = None;
            }
            _ => s.error = Some("only a table that is read can be saved as a profile".into()),
        },
        Action::Run if start(t, sh, &s) => return,
        _ => {}
    }
    t.popup = Some(Popup::Import(s));
}

fn on_typing(
    t: &mut BatchesTab,
    sh: &mut Shell,
    mut s: Box<ImportScreen>,
    typing: Typing,
    a: Action,
    fx: &mut Vec<Effect>,
) {
    match (typing, a) {
        (_, Action::Close) => s.error = None,
        (Typing::Field(f, input), Action::Enter) => match s.set_typed(f, input.text()) {
            Ok(()) => {
                s.error = None;
                if f.rereads() {
                    reread(&mut s, fx);
                }
            }
            Err(e) => {
                s.error = Some(e);
                s.typing = Some(Typing::Field(f, input));
            }
        },
        (Typing::ProfileName(input), Action::Enter) => {
            let name = input.text().trim().to_string();
            let template = s.shown().and_then(|p| p.template.clone());
            match template {
                Some(t) if !name.is_empty() => {
                    let profile = Profile {
                        name: name.clone(),
                        supplier: s.supplier.clone(),
                        sku_column: s.sku_column,
                        ..t
                    };
                    fx.push(Effect::SaveProfile(Box::new(profile)));
                    sh.say(Level::Info, format!("saving supplier profile {name}…"));
                }
                Some(_) => s.typing = Some(Typing::ProfileName(input)),
                None => s.error = Some("nothing read to save".into()),
            }
        }
        (Typing::Field(f, mut input), other) => {
            edit_text(&mut input, other);
            s.typing = Some(Typing::Field(f, input));
        }
        (Typing::ProfileName(mut input), other) => {
            edit_text(&mut input, other);
            s.typing = Some(Typing::ProfileName(input));
        }
    }
    t.popup = Some(Popup::Import(s));
}

/// Start the run the screen shows; `false` (with the reason on the screen) when it cannot.
fn start(t: &mut BatchesTab, sh: &mut Shell, s: &ImportScreen) -> bool {
    let file = match &s.preview {
        None => {
            sh.say(Level::Info, "still reading the file");
            return false;
        }
        Some(Err(e)) => {
            sh.say(Level::Error, format!("cannot start: {e}"));
            return false;
        }
        Some(Ok(p)) => match (&p.text, &p.file) {
            (Ok(_), Some(file)) => file.clone(),
            (Err(why), _) => {
                let why = why.trim_end().to_string();
                sh.say(Level::Error, format!("not started: {why}"));
                return false;
            }
            _ => return false,
        },
    };
    let Some(index) = t.entries.iter().position(|e| e.id == s.batch) else {
        sh.say(Level::Warn, "that batch was removed from the list");
        return true;
    };
    if s.run == RunChoice::Rehearsal {
        let cap = rehearsal_cap(file.estimated_lines);
        let queued = sh.busy();
        sh.request(Request::Enqueue(JobSpec::Compare {
            path: s.path.clone(),
            sequential_lines: cap,
        }));
        let note = format!("rehearsal of {} (batch and sequential)", s.path.display());
        if queued {
            sh.say(Level::Info, format!("queued: {note}"));
        } else {
            sh.request(Request::Show(Tab::Compare));
            sh.say(Level::Info, note);
        }
        return true;
    }
    // The file as read with these settings: a file refused with the detected ones is usable now.
    let entry = &mut t.entries[index];
    entry.info = batches::BatchInfo::Ready(file);
    batches::start_with(t, sh, index, s.mode, s.choices());
    true
}
