//! Shared by the three targets: write the input to a file of this process, then inspect it and
//! drain every line item. Any result is fine (a whole-file error, good lines, bad lines); a panic,
//! an abort, a stack overflow, a hang or unbounded memory is a bug in `batchops::input`.

use batchops::domain::decimal::check_range;
use batchops::input::{self, InputError, InputFormat};
use std::path::PathBuf;
use std::sync::OnceLock;

fn path(format: InputFormat) -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!(
            "batchops-fuzz-{}-{}.{}",
            std::process::id(),
            format.as_str(),
            format.as_str()
        ))
    })
}

pub fn read(data: &[u8], format: InputFormat) {
    let path = path(format);
    std::fs::write(path, data).expect("write the fuzz input");
    // Half the time let the extension choose the format, half the time say it.
    let given = (data.len() % 2 == 0).then_some(format);
    let batch = match input::inspect(path, given) {
        Ok(batch) => batch,
        Err(InputError::Empty { .. } | InputError::Unusable { .. }) => return,
        Err(e) => panic!("inspect: unexpected whole-file error {e:?}"),
    };
    assert_eq!(batch.format, format);
    assert_eq!(batch.size_bytes, data.len() as u64);
    let reader = match input::open(&batch) {
        Ok(reader) => reader,
        Err(e) => panic!("open after a successful inspect: {e:?}"),
    };
    let mut expected_line = 0u64;
    for result in reader {
        // Lines are numbered 1, 2, 3, … in order, good or bad.
        let line = match &result {
            Ok(item) => item.line,
            Err(e) => {
                assert!(!e.reason.is_empty(), "a bad line has a reason");
                e.line
            }
        };
        expected_line += 1;
        assert_eq!(line, expected_line, "line numbers are consecutive");
        if let Ok(item) = &result {
            // Every good item fits NUMERIC(18,4) and has a name.
            assert!(item.sku.is_some() || !item.description.is_empty());
            assert!(!item.unit_price.is_sign_negative() || item.unit_price.is_zero());
            assert!(check_range(item.quantity).is_ok() && check_range(item.unit_price).is_ok());
        }
    }
}
