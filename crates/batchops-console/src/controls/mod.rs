//! The pieces of state the tabs are built of: a text field, a list's selection and scroll, a
//! list's search, a path prompt.

pub mod input;
pub mod nav;
pub mod prompt;
pub mod search;
